// client.ts -- the playground's typed view of the server: the model catalog,
// task runs (streamed), embeddings, pictures (from text or from reference
// pictures), speech, transcription, and video and music (streamed jobs). Every failure becomes an ApiError
// with the server's message, never a silent empty result.

import type {
  EmbedAnswer,
  ErrorBody,
  ErrorEvent,
  HubModel,
  HubModelInfo,
  Intent,
  ModelInfo,
  Picture,
  ProviderError,
  ProgressEvent,
  PullEvent,
  Run,
  RunSummary,
  TaskEvent,
} from "./contracts";
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

/** Every model, and the providers that could not list theirs (named, so a
 *  dead upstream is visible rather than its models silently missing). */
export async function listModels(): Promise<{ models: ModelInfo[]; errors: ProviderError[] }> {
  const res = await send("/api/models");
  const body = (await res.json()) as { models: ModelInfo[]; errors?: ProviderError[] };
  return { models: body.models, errors: body.errors ?? [] };
}

export interface InferenceRequest {
  model_id: string;
  task?: string;
  inputs: Record<string, unknown>;
  settings?: Record<string, unknown>;
  provider_overrides?: Record<string, unknown>;
}

/** A file's bytes as base64, without a data: prefix (what the task API
 *  takes for audio and pictures). */
async function base64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Text to image with POST /api/inference (pictures come whole, not
 *  streamed): the pictures the model made, in order. references are the
 *  pictures to start from (image-to-image), sent as inputs.files with the
 *  type each says it is; none sends no inputs.files at all, as the server
 *  refuses an empty list. */
export async function draw(
  model: string,
  prompt: string,
  settings: Record<string, unknown>,
  references: readonly Blob[] = [],
): Promise<Picture[]> {
  const inputs: Record<string, unknown> = { text: prompt };
  if (references.length)
    inputs.files = await Promise.all(references.map(async (f) => (
      { type: "file", mediaType: f.type, data: await base64(f) })));
  const res = await send("/api/inference", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model_id: model, task: "text-to-image", inputs, settings }),
  });
  const body = (await res.json()) as { result?: { task_output?: { images?: Picture[] } } };
  const images = body.result?.task_output?.images;
  if (!images?.length) throw new ApiError("the server answered without a picture", res.status);
  return images;
}

export interface EmbedInputs {
  text: string[];
  /** Keep the first N floats, renormalised; absent: all of them. */
  dimensions?: number;
  /** Cut inputs longer than the model takes instead of refusing them. */
  truncate?: boolean;
}

/** Embeddings with POST /api/inference (the task answers whole): one vector
 *  per text, in order. */
export async function embed(model: string, inputs: EmbedInputs): Promise<EmbedAnswer> {
  const res = await send("/api/inference", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model_id: model, task: "feature-extraction", inputs }),
  });
  const body = (await res.json()) as EmbedAnswer;
  const n = body.result?.task_output?.embeddings?.length ?? 0;
  if (n !== inputs.text.length)
    throw new ApiError(`expected ${inputs.text.length} vectors, the server sent ${n}`, res.status);
  return body;
}

/** Searches the Hugging Face Hub through the server (its cache, its limits). */
export async function searchHub(query: string, limit = 10): Promise<HubModel[]> {
  const q = new URLSearchParams({ search: query, limit: String(limit) });
  const res = await send(`/api/hub/models?${q}`);
  return ((await res.json()) as { models: HubModel[] }).models;
}

/** What a Hub model can do here before it is pulled. */
export async function hubModel(id: string): Promise<HubModelInfo> {
  const res = await send(`/api/hub/models/${id.split("/").map(encodeURIComponent).join("/")}`);
  return (await res.json()) as HubModelInfo;
}

/** The goals the page starts from, with the models that meet each. */
export async function listIntents(): Promise<Intent[]> {
  const res = await send("/api/intents");
  return ((await res.json()) as { intents: Intent[] }).intents;
}

/** The newest runs of the history, newest first. */
export async function listRuns(limit = 50): Promise<RunSummary[]> {
  const res = await send(`/api/runs?limit=${limit}`);
  return ((await res.json()) as { runs: RunSummary[] }).runs;
}

export async function getRun(id: string): Promise<Run> {
  const res = await send(`/api/runs/${encodeURIComponent(id)}`);
  return (await res.json()) as Run;
}

export async function deleteRun(id: string): Promise<void> {
  await send(`/api/runs/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** POSTs body to a route that answers with typed SSE events ({"type", ...})
 *  and calls onEvent for each. Resolves after the `done` event; rejects with
 *  ApiError on an `error` event, an HTTP error before the stream, or a stream
 *  that ends without `done`. */
async function streamEvents<E extends { type: string }>(
  path: string,
  body: unknown,
  onEvent: (ev: E) => void,
  signal?: AbortSignal,
): Promise<void> {
  const res = await send(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
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
      const ev = JSON.parse(raw.data) as E;
      if (ev.type === "error") {
        const err = ev as unknown as ErrorEvent;
        throw new ApiError(err.message, err.details.status, err.details.param);
      }
      onEvent(ev);
      if (ev.type === "done") finished = true;
    }
  }
  if (!finished) throw new ApiError("the stream ended before it said it was done", 0);
}

/** Runs a task with /api/inference/stream; calls onEvent for each event. */
export function runStream(
  req: InferenceRequest,
  onEvent: (ev: TaskEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  return streamEvents("/api/inference/stream", req, onEvent, signal);
}

/** Pulls a model from the Hugging Face Hub (POST /api/models/pull), calling
 *  onEvent with each step: the file chosen and why, bytes as they arrive,
 *  checks, then done. */
export function pullModel(
  model: string,
  onEvent: (ev: PullEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  return streamEvents("/api/models/pull", { model }, onEvent, signal);
}

/** Text to speech through the task stream: the audio events' bytes, joined,
 *  as a WAV Blob. The run is kept in the history like any other. */
export async function speak(model: string, text: string, voice: string): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let type = "audio/wav";
  await runStream(
    { model_id: model, task: "text-to-speech", inputs: { text, voice: voice || undefined } },
    (ev) => {
      if (ev.type !== "audio") return;
      parts.push(Uint8Array.from(atob(ev.audio), (c) => c.charCodeAt(0)));
      type = ev.content_type;
    },
  );
  return new Blob(parts, { type });
}

/** Bytes from base64 (what the task API sends files as). */
export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** A file a video or music run made. */
export interface MediaFile {
  data: Uint8Array<ArrayBuffer>;
  content_type: string;
}

/** The file of a `video` or `audio` event, checked against the size the
 *  server says it sent; null for any other event. */
export function mediaFile(ev: TaskEvent): MediaFile | null {
  if (ev.type !== "video" && ev.type !== "audio") return null;
  const data = decodeBase64(ev.type === "video" ? ev.video : ev.audio);
  if (ev.bytes !== undefined && ev.bytes !== data.length)
    throw new ApiError(`the server said the file is ${ev.bytes} bytes but sent ${data.length}`, 0);
  return { data, content_type: ev.content_type };
}

/** Video (text-to-video) or music (text-to-audio) through the task stream:
 *  onProgress sees each `progress` event while the provider works; resolves
 *  with the one file it made and how long the run took. Aborting signal
 *  ends the request, which stops the server's polling of the job. */
export async function makeMedia(
  req: InferenceRequest,
  onProgress: (p: ProgressEvent) => void,
  signal?: AbortSignal,
): Promise<{ file: MediaFile; total_ms: number }> {
  let file = null as MediaFile | null; // set in the callback, which TS does not follow
  let total = 0;
  await runStream(req, (ev) => {
    if (ev.type === "progress") onProgress(ev);
    if (ev.type === "done") total = ev.timings.total_ms;
    const got = mediaFile(ev);
    if (got && file) throw new ApiError("the server sent a second file for one run", 0);
    if (got) file = got;
  }, signal);
  if (!file) throw new ApiError("the run finished without a file", 0);
  return { file, total_ms: total };
}

export interface Segment {
  id: number;
  start: number;
  end: number;
  text: string;
}

/** What recognition may be told besides the audio; each only for a model
 *  whose capabilities.speech says it takes it. Empty ones are not sent. */
export interface TranscribeOptions {
  phrases?: string[]; // expected phrases (pocketsphinx)
  language?: string; // a code of speech.languages; absent: detected
  prompt?: string; // context, names, spellings (whisper)
  translate?: boolean; // English text whatever was said (multilingual whisper)
}

/** Speech to text through the task stream; onSegment sees each segment as it
 *  is recognised. Resolves with the timings of the `done` event. */
export async function transcribe(
  model: string,
  file: Blob,
  options: TranscribeOptions,
  onSegment: (s: Segment) => void,
): Promise<{ audio_seconds: number }> {
  const inputs: Record<string, unknown> = { audio: await base64(file) };
  if (options.phrases?.length) inputs.phrases = options.phrases;
  if (options.language) inputs.language = options.language;
  if (options.prompt) inputs.prompt = options.prompt;
  if (options.translate) inputs.translate = true;
  let seconds = 0;
  await runStream({ model_id: model, task: "automatic-speech-recognition", inputs }, (ev) => {
    if (ev.type === "segment") onSegment(ev);
    if (ev.type === "done") seconds = ev.timings.audio_seconds ?? 0;
  });
  return { audio_seconds: seconds };
}
