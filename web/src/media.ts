// media.ts -- the Make panel (text-to-video, text-to-audio): a prompt; a
// length where the model takes one (capabilities.durations: the lengths it
// makes as a choice, [] any length as a number, absent none at all, as the
// model decides its own); for video, a size where the model takes width and
// height; and Generate, which streams the job: the provider's progress on a
// progress bar, then the file in a <video> or <audio> element with a
// Download link and its size. Stop aborts the request, and the server stops
// asking the provider about the job. What the server would refuse for its
// shape (no prompt, a length the model does not make, half a size) is
// stopped here, named.

import { makeMedia, type InferenceRequest } from "./client";
import type { Capabilities, ModelInfo, ProgressEvent, Run } from "./contracts";
import { checkSize } from "./draw";
import { $, clearMessages, showError, size, wholeNumber } from "./page";

export type MediaTask = "text-to-video" | "text-to-audio";

/** The longest video or music a request may ask for (SY_MEDIA_SECONDS_MAX
 *  in src/util/limits.h). */
export const SECONDS_MAX = 600;

export function isMediaTask(task: string): task is MediaTask {
  return task === "text-to-video" || task === "text-to-audio";
}

/** What the page offers for the length: a choice among the lengths the
 *  model makes, any whole number of seconds, or nothing (the model
 *  decides, and the server refuses a duration). */
export type Durations =
  | { kind: "list"; seconds: number[] }
  | { kind: "any" }
  | { kind: "model" };

export function durationsOf(caps: Pick<Capabilities, "durations">): Durations {
  const d = caps.durations;
  if (d === undefined) return { kind: "model" };
  return d.length ? { kind: "list", seconds: [...d] } : { kind: "any" };
}

/** "1 second", "2.5 seconds". */
export function secondsText(s: number): string {
  return `${s} second${s === 1 ? "" : "s"}`;
}

/** The lengths a model makes, as people read them: "1 or 2 seconds". */
export function lengthsText(seconds: readonly number[]): string {
  const n = seconds.map(String);
  const list = n.length > 1 ? `${n.slice(0, -1).join(", ")} or ${n[n.length - 1]}` : n[0];
  return `${list} second${n.length === 1 && seconds[0] === 1 ? "" : "s"}`;
}

/** Whether the model takes a size (width and height, both). */
export function takesSize(caps: Pick<Capabilities, "settings">, task: MediaTask): boolean {
  return task === "text-to-video" && caps.settings.includes("width") &&
    caps.settings.includes("height");
}

/** The panel's fields as typed; duration is the length select's or the
 *  seconds field's value, "" for the model's choice. */
export interface MediaForm {
  prompt: string;
  duration: string;
  width: string;
  height: string;
}

/** The request the form makes for m, or what is wrong with it, each
 *  naming the field. Fields the model does not take are never sent. */
export function mediaRequest(m: Pick<ModelInfo, "id" | "capabilities">, task: MediaTask,
                             form: MediaForm): { request?: InferenceRequest; errors: string[] } {
  const errors: string[] = [];
  const text = form.prompt.trim();
  if (!text) errors.push(`prompt: say what ${task === "text-to-video" ? "video" : "music"} ` +
                         "to make");
  const inputs: Record<string, unknown> = { text };
  const durations = durationsOf(m.capabilities);
  const d = form.duration.trim();
  if (d && durations.kind === "list") {
    const s = Number(d);
    if (durations.seconds.includes(s)) inputs.duration = s;
    else errors.push(`length: this model makes ${lengthsText(durations.seconds)} only`);
  } else if (d && durations.kind === "any") {
    const s = wholeNumber(d, "length", 1, SECONDS_MAX);
    if (typeof s === "string") errors.push(`${s} seconds`);
    else inputs.duration = s;
  }
  const settings: Record<string, unknown> = {};
  if (takesSize(m.capabilities, task)) {
    const sized = checkSize(form.width, form.height);
    errors.push(...sized.errors);
    Object.assign(settings, sized.value);
  }
  if (errors.length) return { errors };
  const request: InferenceRequest = { model_id: m.id, task, inputs };
  if (Object.keys(settings).length) request.settings = settings;
  return { request, errors };
}

/** File name extensions of the types the server relays (README: video,
 *  music). */
const EXTENSIONS: Record<string, string> = {
  "video/mp4": "mp4",
  "video/quicktime": "mov",
  "video/webm": "webm",
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "audio/flac": "flac",
  "audio/x-flac": "flac",
  "audio/ogg": "ogg",
  "audio/mpeg": "mp3",
  "audio/aac": "aac",
  "audio/mp4": "m4a",
};

/** The Download link's file name: switchyard-video.mp4, switchyard-audio.wav. */
export function fileName(task: MediaTask, contentType: string): string {
  const type = contentType.split(";")[0].trim().toLowerCase();
  const ext = EXTENSIONS[type] ?? /^[a-z]+\/([a-z0-9]+)$/.exec(type)?.[1] ?? "bin";
  return `switchyard-${task === "text-to-video" ? "video" : "audio"}.${ext}`;
}

/** A progress event as the status line says it: "in_progress 50%". */
export function progressText(p: Pick<ProgressEvent, "state" | "progress">): string {
  return `${p.state} ${percent(p.progress)}%`;
}

/** A provider's percent, whole, within 0 to 100 (it says what it likes). */
export function percent(p: number): number {
  return Number.isFinite(p) ? Math.min(100, Math.max(0, Math.round(p))) : 0;
}

// ---- the panel ---------------------------------------------------------------------------

let task: MediaTask = "text-to-video";
let running: AbortController | null = null;
let fileUrl: string | null = null; // the object URL shown, revoked when replaced

function noun(): string {
  return task === "text-to-video" ? "video" : "music";
}

function form(): MediaForm {
  const duration = !$("media-duration-field").hidden ? $<HTMLSelectElement>("media-duration").value
    : !$("media-seconds-field").hidden ? $<HTMLInputElement>("media-seconds").value : "";
  return {
    prompt: $<HTMLTextAreaElement>("media-prompt").value,
    duration,
    width: $<HTMLInputElement>("media-width").value,
    height: $<HTMLInputElement>("media-height").value,
  };
}

/** Hides the file shown, and lets its bytes go. */
function clearOutput(): void {
  if (fileUrl) URL.revokeObjectURL(fileUrl);
  fileUrl = null;
  for (const id of ["media-video", "media-audio"]) {
    const el = $<HTMLMediaElement>(id);
    el.removeAttribute("src");
    el.hidden = true;
    el.load(); // drops what it had loaded
  }
  $<HTMLAnchorElement>("media-download").removeAttribute("href");
  $("media-out").hidden = true;
}

function showProgress(text: string, value: number | null): void {
  const bar = $<HTMLProgressElement>("media-progress");
  if (value === null) bar.removeAttribute("value"); // indeterminate: nothing said yet
  else bar.value = value;
  $("media-progress-status").textContent = text;
  $("media-progress-field").hidden = false;
}

/** Readies the panel for m's task (a video or music one; any other only
 *  stops a job under way): the length and size fields m takes, emptied of
 *  another model's file. The prompt is kept. */
export function setupMedia(m: ModelInfo, t: string): void {
  running?.abort();
  running = null;
  clearOutput();
  $("media-progress-field").hidden = true;
  $("media-error").textContent = "";
  if (!isMediaTask(t)) return;
  task = t;
  $("media-prompt-label").textContent = task === "text-to-video" ? "What the video shows"
    : "What the music sounds like";
  const durations = durationsOf(m.capabilities);
  const select = $<HTMLSelectElement>("media-duration");
  select.replaceChildren(new Option("model's choice", ""),
                         ...(durations.kind === "list" ? durations.seconds : [])
                           .map((s) => new Option(secondsText(s), String(s))));
  $("media-duration-field").hidden = durations.kind !== "list";
  $("media-seconds-field").hidden = durations.kind !== "any";
  $<HTMLInputElement>("media-seconds").value = "";
  const hint = $("media-duration-hint");
  hint.hidden = false;
  hint.textContent = durations.kind === "list"
    ? `${m.id} makes ${lengthsText(durations.seconds)}.`
    : durations.kind === "any" ? `Any whole number of seconds up to ${SECONDS_MAX}; empty ` +
      "leaves it to the model."
    : `${m.id} decides how long the ${noun()} is.`;
  $("media-size-field").hidden = !takesSize(m.capabilities, task);
  $("media-progress").setAttribute("aria-label", task === "text-to-video" ? "Video progress"
    : "Music progress");
  $<HTMLButtonElement>("media-button").disabled = false;
  $<HTMLButtonElement>("media-stop").disabled = true;
}

/** Fills the panel with r's prompt and size, ready to make again. The
 *  history keeps no length, so the length is the model's choice again. */
export function fillMedia(r: Run): void {
  const s = (r.settings ?? {}) as Record<string, unknown>;
  $<HTMLTextAreaElement>("media-prompt").value = r.input;
  $<HTMLInputElement>("media-width").value = s.width === undefined ? "" : String(s.width);
  $<HTMLInputElement>("media-height").value = s.height === undefined ? "" : String(s.height);
  $<HTMLTextAreaElement>("media-prompt").focus();
}

/** Makes a video or music with m from the panel's fields. Returns whether
 *  a request was sent (what the server would refuse is stopped here). */
export async function runMedia(m: ModelInfo): Promise<boolean> {
  clearMessages();
  const made = mediaRequest(m, task, form());
  $("media-error").textContent = made.errors.join("; ");
  $("media-prompt").setAttribute("aria-invalid", String(
    made.errors.some((e) => e.startsWith("prompt:"))));
  if (!made.request) return false; // never sent: the page says what to fix
  const prompt = String(made.request.inputs.text);
  running?.abort();
  const mine = new AbortController();
  running = mine;
  const kind = task;
  clearOutput();
  showProgress(`asking ${m.id}…`, null);
  const button = $<HTMLButtonElement>("media-button");
  const stop = $<HTMLButtonElement>("media-stop");
  button.disabled = true;
  stop.disabled = false;
  try {
    const { file, total_ms } = await makeMedia(made.request, (p) => {
      if (running === mine) showProgress(progressText(p), percent(p.progress));
    }, mine.signal);
    if (running !== mine) return true; // another model was chosen meanwhile
    showProgress("completed 100%", 100);
    fileUrl = URL.createObjectURL(new Blob([file.data], { type: file.content_type }));
    const player = $<HTMLMediaElement>(kind === "text-to-video" ? "media-video" : "media-audio");
    player.setAttribute("aria-label", `The ${noun()} made from: ${prompt}`);
    player.src = fileUrl;
    player.hidden = false;
    const link = $<HTMLAnchorElement>("media-download");
    link.href = fileUrl;
    link.download = fileName(kind, file.content_type);
    link.textContent = `Download ${link.download}`;
    $("media-size").textContent = `${file.content_type}, ${size(file.data.length)}`;
    $("media-out").hidden = false;
    $("status").textContent = `${kind === "text-to-video" ? "a video" : "music"} of ` +
      `${size(file.data.length)} · made in ${(total_ms / 1000).toFixed(1)} s`;
  } catch (e) {
    if (running !== mine) return true;
    $("media-progress-field").hidden = true;
    showError(e);
  } finally {
    if (running === mine) {
      running = null;
      button.disabled = false;
      stop.disabled = true;
    }
  }
  return true;
}

/** Wires Stop: it ends the request, and the server stops polling the job. */
export function initMedia(): void {
  $("media-stop").addEventListener("click", () => running?.abort());
}
