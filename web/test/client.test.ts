// The client layer against a stubbed fetch: what it sends (the exact body
// the server reads) and how every kind of failure reaches the page.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  decodeBase64,
  draw,
  embed,
  listModels,
  makeMedia,
  runStream,
  transcribe,
} from "../src/client";
import type { TaskEvent } from "../src/contracts";

interface Call {
  url: string;
  init?: RequestInit;
}

/** Replaces fetch with answer; returns the calls it sees. */
function stubFetch(answer: (call: Call) => Response | Promise<Response>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    return answer({ url, init });
  }));
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A stream of these text pieces, then (if given) a failure of the connection. */
function pieces(texts: string[], failure?: Error): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < texts.length) c.enqueue(bytes.encode(texts[i++]));
      else if (failure) c.error(failure);
      else c.close();
    },
  });
}

function event(data: object): string {
  return `event: ${(data as { type: string }).type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The rejection of p (it must reject). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("it did not reject");
}

function sentBody(call: Call): unknown {
  return JSON.parse(call.init?.body as string);
}

const done = { v: 1, type: "done", finish_reason: "stop",
               usage: { prompt_tokens: 3, cached_tokens: 0, completion_tokens: 2 },
               timings: { ttft_ms: 1, total_ms: 2, tokens_per_second: 5, audio_seconds: 1.5 } };

describe("errors", () => {
  it("turns the server's error body into an ApiError with status, message and param", async () => {
    stubFetch(() => new Response(JSON.stringify({
      error: { message: "'inputs.dimensions' must be an integer from 1 to 65536",
               type: "invalid_request_error", code: "invalid_request",
               param: "inputs.dimensions" },
    }), { status: 400, headers: { "Content-Type": "application/json" } }));
    const e = await rejection(embed("tiny", { text: ["a"], dimensions: 70000 }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 400, param: "inputs.dimensions",
                              message: "'inputs.dimensions' must be an integer from 1 to 65536" });
  });

  it("keeps a body that is not JSON as the message, with no param", async () => {
    stubFetch(() => new Response("upstream went away", { status: 502 }));
    const e = await rejection(listModels());
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 502, param: null, message: "upstream went away" });
  });

  it("reports a server it cannot reach with status 0", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    }));
    const e = await rejection(listModels());
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 0, message: "cannot reach the server: Failed to fetch" });
  });

  it("lets a Stop through as the AbortError it is", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => {
      throw new DOMException("The user aborted a request.", "AbortError");
    }));
    const e = await rejection(runStream({ model_id: "tiny", inputs: { text: "hi" } }, () => {}));
    expect(e).toBeInstanceOf(DOMException);
    expect((e as DOMException).name).toBe("AbortError");
  });
});

describe("runStream", () => {
  it("delivers the events in order, however the bytes are split", async () => {
    const text = ": heartbeat\n\n" + event({ v: 1, type: "start", id: "run-1",
                                             resolved_model_id: "tiny", backend: "llama.cpp" }) +
      event({ v: 1, type: "token", text: "Hel" }) + event({ v: 1, type: "token", text: "lo" }) +
      event(done);
    const calls = stubFetch(() => new Response(pieces([text.slice(0, 50), text.slice(50, 51),
                                                       text.slice(51)])));
    const seen: TaskEvent[] = [];
    await runStream({ model_id: "tiny", inputs: { text: "hi" }, settings: { seed: 1 } },
                    (ev) => seen.push(ev));
    expect(seen.map((e) => e.type)).toEqual(["start", "token", "token", "done"]);
    expect(seen.filter((e) => e.type === "token").map((e) => (e as { text: string }).text).join(""))
      .toBe("Hello");
    expect(calls[0].url).toBe("/api/inference/stream");
    expect(sentBody(calls[0])).toEqual({ model_id: "tiny", inputs: { text: "hi" },
                                         settings: { seed: 1 } });
  });

  it("throws the error event as an ApiError, after the events before it", async () => {
    stubFetch(() => new Response(pieces([
      event({ v: 1, type: "token", text: "x" }),
      event({ v: 1, type: "error", code: "context_length_exceeded",
              message: "the prompt is 9 tokens and max_tokens asks for 100000 more",
              details: { status: 400, param: "settings.max_new_tokens" } }),
    ])));
    const seen: string[] = [];
    const e = await rejection(runStream({ model_id: "tiny", inputs: { text: "hi" } },
                                        (ev) => seen.push(ev.type)));
    expect(seen).toEqual(["token"]);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({
      status: 400, param: "settings.max_new_tokens",
      message: "the prompt is 9 tokens and max_tokens asks for 100000 more",
    });
  });

  it("says so when the connection is lost in the middle", async () => {
    stubFetch(() => new Response(pieces([event({ v: 1, type: "token", text: "x" })],
                                        new TypeError("network error"))));
    const e = await rejection(runStream({ model_id: "tiny", inputs: { text: "hi" } }, () => {}));
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 0, message: "the connection was lost: network error" });
  });

  it("does not take a stream that ends without done for a finished one", async () => {
    stubFetch(() => new Response(pieces([event({ v: 1, type: "token", text: "x" })])));
    const e = await rejection(runStream({ model_id: "tiny", inputs: { text: "hi" } }, () => {}));
    expect(e).toMatchObject({ status: 0, message: "the stream ended before it said it was done" });
  });
});

describe("request bodies", () => {
  const answer = (embeddings: number[][]) => new Response(JSON.stringify({
    id: "run-2",
    result: { task_output: { embeddings }, finish_reason: "stop", usage: { prompt_tokens: 4 } },
    resolved_model_id: "tiny", backend: "llama.cpp", runtime_ms_model: 3,
  }));

  it("embed() posts the task API's feature-extraction inputs", async () => {
    const calls = stubFetch(() => answer([[1, 0], [0, 1]]));
    const got = await embed("tiny", { text: ["a", "b"], dimensions: 2, truncate: true });
    expect(got.result.task_output.embeddings).toEqual([[1, 0], [0, 1]]);
    expect(calls[0].url).toBe("/api/inference");
    expect(calls[0].init?.method).toBe("POST");
    expect(sentBody(calls[0])).toEqual({
      model_id: "tiny", task: "feature-extraction",
      inputs: { text: ["a", "b"], dimensions: 2, truncate: true },
    });

    await embed("tiny", { text: ["a"] }).catch(() => {});
    expect(sentBody(calls[1])).toEqual({ model_id: "tiny", task: "feature-extraction",
                                         inputs: { text: ["a"] } });
  });

  it("embed() refuses an answer that does not have a vector per text", async () => {
    stubFetch(() => answer([[1, 0]]));
    const e = await rejection(embed("tiny", { text: ["a", "b"] }));
    expect(e).toMatchObject({ message: "expected 2 vectors, the server sent 1" });
  });

  const pictures = (images: { content_type: string; b64: string }[]) => new Response(
    JSON.stringify({ id: "run-3", result: { task_output: { images }, finish_reason: "stop" },
                     resolved_model_id: "art:editor", backend: "openai-compatible",
                     runtime_ms_model: 8 }));

  it("draw() sends the prompt and settings, and no files when there are none", async () => {
    const calls = stubFetch(() => pictures([{ content_type: "image/png", b64: "iVBORw0K" }]));
    const got = await draw("art:painter", "a lighthouse", { width: 96, height: 48, seed: 7 });
    expect(got).toEqual([{ content_type: "image/png", b64: "iVBORw0K" }]);
    expect(calls[0].url).toBe("/api/inference");
    expect(calls[0].init?.method).toBe("POST");
    expect(sentBody(calls[0])).toEqual({
      model_id: "art:painter", task: "text-to-image", inputs: { text: "a lighthouse" },
      settings: { width: 96, height: 48, seed: 7 },
    });

    await draw("art:painter", "a lighthouse", {}, []);
    expect(sentBody(calls[1])).toEqual({ model_id: "art:painter", task: "text-to-image",
                                         inputs: { text: "a lighthouse" }, settings: {} });
  });

  it("draw() sends reference pictures as inputs.files: file objects of bare base64", async () => {
    const calls = stubFetch(() => pictures([{ content_type: "image/png", b64: "iVBORw0K" }]));
    const first = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
                           "start.png", { type: "image/png" });
    const second = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], { type: "image/jpeg" });
    await draw("art:editor", "the same, at night", {}, [first, second]);
    expect(sentBody(calls[0])).toEqual({
      model_id: "art:editor", task: "text-to-image",
      inputs: {
        text: "the same, at night",
        files: [{ type: "file", mediaType: "image/png", data: "iVBORw0KGgo=" },
                { type: "file", mediaType: "image/jpeg", data: "/9j/4A==" }],
      },
      settings: {},
    });
  });

  it("draw() shows the server's refusal of the files with the field it names", async () => {
    stubFetch(() => new Response(JSON.stringify({
      error: { message: "model 'art:editor' takes at most 2 reference images; 3 were sent",
               type: "invalid_request_error", code: "not_supported", param: "inputs.files" },
    }), { status: 422 }));
    const png = new Blob([new Uint8Array([0x89, 0x50])], { type: "image/png" });
    const e = await rejection(draw("art:editor", "x", {}, [png, png, png]));
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 422, param: "inputs.files",
                              message: "model 'art:editor' takes at most 2 reference images; " +
                                       "3 were sent" });
  });

  it("draw() refuses an answer without a picture", async () => {
    stubFetch(() => pictures([]));
    const e = await rejection(draw("art:painter", "x", {}));
    expect(e).toMatchObject({ message: "the server answered without a picture" });
  });

  it("transcribe() sends the audio and only the options that are set", async () => {
    const segment = { v: 1, type: "segment", id: 0, start: 0, end: 1.5, text: " hello" };
    const calls = stubFetch(() => new Response(pieces([event(segment) + event(done)])));
    const audio = new Blob([new Uint8Array([82, 73, 70, 70, 0, 255])]);
    const segments: string[] = [];
    const t = await transcribe("ggml-tiny", audio,
                               { language: "de", prompt: "Names: Anna.", translate: true,
                                 phrases: [] },
                               (s) => segments.push(s.text));
    expect(t.audio_seconds).toBe(1.5);
    expect(segments).toEqual([" hello"]);
    expect(calls[0].url).toBe("/api/inference/stream");
    expect(sentBody(calls[0])).toEqual({
      model_id: "ggml-tiny", task: "automatic-speech-recognition",
      inputs: { audio: "UklGRgD/", language: "de", prompt: "Names: Anna.", translate: true },
    });

    await transcribe("pocketsphinx-en-us", audio,
                     { phrases: ["turn on the light"], language: "", prompt: "", translate: false },
                     () => {});
    expect(sentBody(calls[1])).toEqual({
      model_id: "pocketsphinx-en-us", task: "automatic-speech-recognition",
      inputs: { audio: "UklGRgD/", phrases: ["turn on the light"] },
    });
  });
});

describe("makeMedia", () => {
  const mp4 = new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0xff, 0x00]);
  const b64 = btoa(String.fromCharCode(...mp4));
  const request = { model_id: "studio:clip", task: "text-to-video",
                    inputs: { text: "waves", duration: 1 }, settings: { width: 32, height: 18 } };

  it("reports each progress event, then gives the one file the server sent", async () => {
    const calls = stubFetch(() => new Response(pieces([
      event({ v: 1, type: "progress", state: "queued", progress: 0 }),
      event({ v: 1, type: "progress", state: "in_progress", progress: 50 }).slice(0, 20),
      event({ v: 1, type: "progress", state: "in_progress", progress: 50 }).slice(20) +
        event({ v: 1, type: "progress", state: "completed", progress: 100 }),
      event({ v: 1, type: "video", video: b64, content_type: "video/mp4", bytes: mp4.length }),
      event({ ...done, timings: { ttft_ms: 0, total_ms: 812, tokens_per_second: 0 } }),
    ])));
    const seen: string[] = [];
    const got = await makeMedia(request, (p) => seen.push(`${p.state} ${p.progress}`));
    expect(seen).toEqual(["queued 0", "in_progress 50", "completed 100"]);
    expect(got.file.content_type).toBe("video/mp4");
    expect([...got.file.data]).toEqual([...mp4]);
    expect(got.total_ms).toBe(812);
    expect(calls[0].url).toBe("/api/inference/stream");
    expect(sentBody(calls[0])).toEqual(request);
  });

  it("takes music as an audio event, with no progress at all", async () => {
    stubFetch(() => new Response(pieces([
      event({ v: 1, type: "audio", audio: "UklGRgD/", content_type: "audio/wav", bytes: 6 }) +
        event(done),
    ])));
    const seen: unknown[] = [];
    const got = await makeMedia({ model_id: "hf:acme/composer", task: "text-to-audio",
                                  inputs: { text: "a calm piano" } }, (p) => seen.push(p));
    expect(seen).toEqual([]);
    expect(got.file.content_type).toBe("audio/wav");
    expect([...got.file.data]).toEqual([82, 73, 70, 70, 0, 255]);
  });

  it("throws the provider's failure with its status, message and param", async () => {
    stubFetch(() => new Response(pieces([
      event({ v: 1, type: "progress", state: "in_progress", progress: 50 }),
      event({ v: 1, type: "error", code: "upstream_error",
              message: "the test upstream declines this video",
              details: { status: 502, param: null } }),
    ])));
    const seen: number[] = [];
    const e = await rejection(makeMedia(request, (p) => seen.push(p.progress)));
    expect(seen).toEqual([50]);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 502, param: null,
                              message: "the test upstream declines this video" });
  });

  it("passes the server's refusal before the stream on, naming the field", async () => {
    stubFetch(() => new Response(JSON.stringify({
      error: { message: "model 'studio:clip' makes videos of 1,2 seconds only; 3 is not one " +
                        "of them", type: "invalid_request_error", code: "not_supported",
               param: "inputs.duration" },
    }), { status: 422 }));
    const e = await rejection(makeMedia({ ...request, inputs: { text: "x", duration: 3 } },
                                        () => {}));
    expect(e).toMatchObject({ status: 422, param: "inputs.duration" });
  });

  it("does not take a run without a file, or a file of the wrong size, for a made one",
     async () => {
    stubFetch(() => new Response(pieces([event(done)])));
    expect(await rejection(makeMedia(request, () => {})))
      .toMatchObject({ message: "the run finished without a file" });
    stubFetch(() => new Response(pieces([
      event({ v: 1, type: "video", video: b64, content_type: "video/mp4", bytes: 99 }),
      event(done)])));
    expect(await rejection(makeMedia(request, () => {})))
      .toMatchObject({ message: "the server said the file is 99 bytes but sent 10" });
  });

  it("lets a Stop through as the AbortError it is", async () => {
    vi.stubGlobal("fetch", vi.fn(async (_url: string, init?: RequestInit) => {
      expect(init?.signal?.aborted).toBe(true);
      throw new DOMException("The user aborted a request.", "AbortError");
    }));
    const stop = new AbortController();
    stop.abort();
    const e = await rejection(makeMedia(request, () => {}, stop.signal));
    expect((e as DOMException).name).toBe("AbortError");
  });

  it("decodes base64 to the bytes it stands for", () => {
    expect([...decodeBase64("")]).toEqual([]);
    expect([...decodeBase64("/9j/4A==")]).toEqual([0xff, 0xd8, 0xff, 0xe0]);
  });
});
