// contracts.ts -- the server's shapes, as the playground reads them
// (README: task API, /api/models, errors). Mirrors, not guesses: a field the
// server does not send is optional here.

export interface SpeechCapabilities {
  voices: string[];
  languages: string[];
  /** Recognition can be limited to a list of expected phrases (pocketsphinx). */
  phrases: boolean;
  /** Recognition takes a prompt: context, names, spellings (whisper). */
  prompt: boolean;
  /** Recognises other languages into English text (multilingual whisper). */
  translate: boolean;
  speed?: { min: number; max: number };
}

export interface Capabilities {
  tasks: string[];
  settings: string[];
  chat: boolean;
  vision: boolean;
  gated: boolean;
  context_length: number;
  /** Floats in an embedding; only for models that make them. */
  embedding_length?: number;
  speech?: SpeechCapabilities;
  /** Pictures a drawing may start from (image-to-image); 0: text only.
   *  Only for text-to-image models. */
  reference_images?: number;
  /** The model draws only from a picture: a drawing must send one. */
  needs_reference_image?: boolean;
  /** Video and music: the lengths in seconds the model makes; [] any
   *  length; absent, the model decides its own (no duration is sent). */
  durations?: number[];
}

export interface ModelInfo {
  id: string;
  name: string;
  description: string;
  owned_by: string;
  backend: string;
  architecture: string;
  quantization: string;
  parameter_count: number;
  size_bytes: number;
  contextLength: number;
  type: string;
  status: string;
  problem?: string;
  capabilities: Capabilities;
  memory?: {
    estimate_bytes: number;
    weights_bytes: number;
    kv_cache_bytes: number;
    compute_bytes: number;
    context_per_slot: number;
    slots: number;
  };
}

/** A goal a person may start from (GET /api/intents): the tasks that serve
 *  it and the models here that can do it now. */
export interface Intent {
  id: string;
  label: string;
  description: string;
  tasks: string[];
  models: string[];
}

/** A model found on the Hub (GET /api/hub/models). */
export interface HubModel {
  id: string;
  pipeline_tag?: string;
  downloads?: number;
  likes?: number;
  gated?: boolean | string;
}

/** What a Hub model can do here (GET /api/hub/models/{id}). */
export interface HubModelInfo extends HubModel {
  capabilities: {
    tasks: string[];
    gated: boolean;
    needs_token: boolean;
    supported: boolean;
    runnable_locally: boolean;
    context_length: number | null;
    /** Where the context length came from. */
    context_length_source: "gguf" | "config.json" | null;
    gguf_files: { file: string; label: string; size: number }[];
    default_file?: { file: string; label: string; why: string; files: number };
    /** Hugging Face Inference Providers that serve it (the Hub's inferenceProviderMapping). */
    inference_providers: { provider: string; provider_id?: string; task: string; status?: string }[];
    /** The Hub's serverless inference status ("warm"), or null. */
    inference: string | null;
    notes: string[];
  };
}

/** A remote provider that could not list its models (GET /api/models). */
export interface ProviderError {
  provider: string;
  code: string;
  message: string;
}

/** {"error": {"message", "type", "code", "param"}} */
export interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

export interface Usage {
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
}

export interface Timings {
  ttft_ms: number;
  total_ms: number;
  tokens_per_second: number;
  audio_seconds?: number;
  real_time_factor?: number;
}

/** The `error` event of every typed stream. */
export interface ErrorEvent {
  v: 1;
  type: "error";
  code: string;
  message: string;
  details: { status: number; param: string | null };
}

/** Events of POST /api/models/pull (README: "Pulling models"). */
export type PullEvent =
  | { type: "chosen"; model: string; label: string; why: string; files: number }
  | { type: "file"; file: string; index: number; count: number; total: number; reused: boolean }
  | { type: "progress"; file: string; completed: number; total: number }
  | { type: "verified"; file: string }
  | { type: "done"; model: string; label: string; path: string; downloaded: number; files: number }
  | ErrorEvent;

/** A video or music job's progress (text-to-video, text-to-audio): the
 *  upstream's state ("queued", "in_progress", "completed") and percent. */
export interface ProgressEvent {
  v: 1;
  type: "progress";
  state: string;
  progress: number;
}

/** Events of /api/inference/stream; every one carries v: 1 and its type.
 *  `audio` is a piece of speech (text-to-speech, several) or the whole
 *  music file (text-to-audio, one, with its size in bytes); `video` the
 *  whole video file (text-to-video, one). */
export type TaskEvent =
  | { v: 1; type: "start"; id: string; resolved_model_id: string; backend: string }
  | { v: 1; type: "token"; text: string }
  | { v: 1; type: "audio"; audio: string; content_type: string; bytes?: number }
  | { v: 1; type: "video"; video: string; content_type: string; bytes: number }
  | ProgressEvent
  | { v: 1; type: "segment"; id: number; start: number; end: number; text: string }
  | { v: 1; type: "done"; finish_reason: string; usage: Usage; timings: Timings }
  | {
      v: 1;
      type: "error";
      code: string;
      message: string;
      details: { status: number; param: string | null };
    };

/** A picture made by a text-to-image run (result.task_output.images). */
export interface Picture {
  content_type: string;
  b64: string;
}

/** POST /api/inference for feature-extraction, which answers whole (it
 *  does not stream): one vector per input, in order. */
export interface EmbedAnswer {
  id: string;
  result: {
    task_output: { embeddings: number[][] };
    finish_reason: string;
    usage: { prompt_tokens: number };
  };
  resolved_model_id: string;
  backend: string;
  runtime_ms_model: number;
}

/** A run in the history (GET /api/runs lists them without `output`). */
export interface RunSummary {
  id: string;
  created: number; // ms since the epoch
  task: string;
  model: string;
  input: string;
  finish: string; // "stop", "length", "cancelled" or the error code
  error: string | null;
  ttft_ms: number | null;
  tokens_per_second: number | null;
  duration_ms: number | null;
}

/** GET /api/runs/{id}: the whole run. */
export interface Run extends RunSummary {
  settings: Record<string, unknown>;
  output: string | null;
}
