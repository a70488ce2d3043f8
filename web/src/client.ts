// client.ts -- the playground's typed view of the server: the model catalog,
// task runs (streamed), speech and transcription. Every failure becomes an
// ApiError with the server's message, never a silent empty result.

import type { ErrorBody, ModelInfo, TaskEvent } from "./contracts";
import { SseParser } from "./sse";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number, // 0: the connection itself failed
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as ErrorBody;
    if (body && typeof body.error?.message === "string")
      return new ApiError(body.error.message, res.status, body.error.param ?? null);
  } catch {
    /* not JSON: use the text */
  }
  return new ApiError(text || `${res.status} ${res.statusText}`, res.status);
}

async function send(input: string, init?: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(input, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(`cannot reach the server: ${(e as Error).message}`, 0);
  }
  if (!res.ok) throw await failure(res);
  return res;
}

export async function listModels(): Promise<ModelInfo[]> {
  const res = await send("/api/models");
  const body = (await res.json()) as { models: ModelInfo[] };
  return body.models;
}

export interface InferenceRequest {
  model_id: string;
  task?: string;
  inputs: Record<string, unknown>;
  settings?: Record<string, number>;
}

/** Runs a task with /api/inference/stream; calls onEvent for each event.
 *  Resolves after `done`; rejects with ApiError on an `error` event, an HTTP
 *  error before the stream, or a stream that ends without `done`. */
export async function runStream(
  req: InferenceRequest,
  onEvent: (ev: TaskEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const res = await send("/api/inference/stream", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(req),
    signal,
  });
  if (!res.body) throw new ApiError("the server sent no stream", res.status);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  let finished = false;
  for (;;) {
    let chunk: ReadableStreamReadResult<string>;
    try {
      chunk = await reader.read();
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") throw e;
      throw new ApiError(`the connection was lost: ${(e as Error).message}`, 0);
    }
    if (chunk.done) break;
    for (const raw of parser.push(chunk.value)) {
      const ev = JSON.parse(raw.data) as TaskEvent;
      if (ev.type === "error") throw new ApiError(ev.message, ev.details.status, ev.details.param);
      onEvent(ev);
      if (ev.type === "done") finished = true;
    }
  }
  if (!finished) throw new ApiError("the stream ended before the run finished", 0);
}

/** Text to speech through OpenAI's /v1/audio/speech; the file as a Blob. */
export async function speak(model: string, input: string, voice: string): Promise<Blob> {
  const res = await send("/v1/audio/speech", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model, input, voice: voice || undefined, response_format: "wav" }),
  });
  return res.blob();
}

export interface Transcript {
  text: string;
  duration: number;
  segments: { id: number; start: number; end: number; text: string }[];
}

/** Speech to text through OpenAI's /v1/audio/transcriptions (verbose_json). */
export async function transcribe(model: string, file: Blob, phrases: string[]): Promise<Transcript> {
  const form = new FormData();
  form.append("model", model);
  form.append("file", file, "audio");
  form.append("response_format", "verbose_json");
  for (const p of phrases) form.append("phrases[]", p);
  const res = await send("/v1/audio/transcriptions", { method: "POST", body: form });
  return (await res.json()) as Transcript;
}
