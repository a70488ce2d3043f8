// main.ts -- the playground page: the model explorer on the left, a run
// panel for the chosen model's task in the middle, the run history on the
// right. Every run goes through /api/inference/stream (Stop aborts the
// request, which cancels the generation on the server), so every run is kept
// in the server's history and can be reopened or run again.

import "./style.css";
import {
  ApiError,
  deleteRun,
  draw,
  getRun,
  hubModel,
  listIntents,
  listModels,
  listRuns,
  pullModel,
  runStream,
  searchHub,
  speak,
  transcribe,
} from "./client";
import type { Intent, ModelInfo, Run } from "./contracts";
import { Recorder } from "./recorder";
import {
  BOUNDS,
  checkProviderOptions,
  checkSettings,
  honoured,
  stopSequences,
  type SettingName,
} from "./settings";

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

let models: ModelInfo[] = [];
/** The conversation with the chosen chat model, oldest first. */
let conversation: { role: "user" | "assistant"; content: string }[] = [];
let goal: Intent | null = null;
let chosen: ModelInfo | null = null;
let running: AbortController | null = null;

function showError(e: unknown): void {
  if (e instanceof DOMException && e.name === "AbortError") {
    $("status").textContent = "Stopped.";
    return;
  }
  const err = asApiError(e);
  const where = err.param ? ` (${err.param})` : "";
  $("error").textContent = err.status ? `${err.status}: ${err.message}${where}` : err.message;
}

function clearMessages(): void {
  $("error").textContent = "";
  $("status").textContent = "";
}

function task(m: ModelInfo): string {
  const t = m.capabilities.tasks;
  if (t.includes("text-generation")) return "text-generation";
  return t[0] ?? "";
}

/** Whatever was thrown, as an ApiError (a browser error has no status). */
function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(String(e), 0);
}

/** Appends a clickable card to list: its title, a line of details, and
 *  data-<key> = value to find it by. */
function addCard(
  list: HTMLElement,
  title: Node | string,
  details: string,
  data: [string, string],
  onClick: () => void,
): HTMLButtonElement {
  const li = document.createElement("li");
  const b = document.createElement("button");
  b.type = "button";
  b.dataset[data[0]] = data[1];
  const meta = document.createElement("span");
  meta.className = "card-meta";
  meta.textContent = details;
  b.append(title, meta);
  b.addEventListener("click", onClick);
  li.append(b);
  list.append(li);
  return b;
}

/** Where a model runs: "here" (local files, built-in engines, Hub
 *  downloads), or the name of the provider it is relayed to. */
function where(m: ModelInfo): string {
  return m.status === "remote" ? m.owned_by : "here";
}

/** The provider filter offers every provider that lists models, keeping
 *  the choice made. */
function renderProviderFilter(): void {
  const select = $<HTMLSelectElement>("provider-filter");
  const chosenWhere = select.value;
  const names = [...new Set(models.map(where).filter((w) => w !== "here"))].sort();
  select.replaceChildren(new Option("anywhere", ""), new Option("on this machine", "here"),
                         ...names.map((n) => new Option(`provider ${n}`, n)));
  select.value = [...select.options].some((o) => o.value === chosenWhere) ? chosenWhere : "";
}

function renderModels(): void {
  const q = $<HTMLInputElement>("search").value.trim().toLowerCase();
  const want = $<HTMLSelectElement>("task-filter").value;
  const at = $<HTMLSelectElement>("provider-filter").value;
  const list = $("models");
  list.replaceChildren();
  for (const m of models) {
    const hay = `${m.id} ${m.description} ${m.backend} ${m.capabilities.tasks.join(" ")}`;
    if (q && !hay.toLowerCase().includes(q)) continue;
    if (want && !m.capabilities.tasks.includes(want)) continue;
    if (at && where(m) !== at) continue;
    if (goal && !goal.models.includes(m.id)) continue;
    const ctx = m.capabilities.context_length ? ` · ${m.capabilities.context_length} ctx` : "";
    const details = `${task(m)} · ${m.backend}${ctx} · ${m.status}${m.problem ? " · unusable" : ""}`;
    addCard(list, m.id, details, ["model", m.id], () => choose(m))
      .setAttribute("aria-pressed", String(chosen?.id === m.id));
  }
}

function size(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}

/** A model's whole card: what it is, what it takes, what it would cost. */
function describe(m: ModelInfo): string {
  const parts = [`${m.id}: ${m.description}`];
  if (m.size_bytes) parts.push(`file ${size(m.size_bytes)}`);
  if (m.memory?.estimate_bytes) parts.push(`needs about ${size(m.memory.estimate_bytes)} loaded`);
  if (m.capabilities.gated) parts.push("gated");
  parts.push(`status ${m.status}`);
  if (m.capabilities.settings?.length) parts.push(`settings: ${m.capabilities.settings.join(", ")}`);
  return parts.join(" · ");
}

function settingFields(): (HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement)[] {
  return [...$("settings").querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
    "input[name], select[name], textarea[name]")];
}

function startConversation(): void {
  conversation = [];
  $("transcript").replaceChildren();
}

/** Appends a turn to the transcript; returns the element its text goes in. */
function showTurn(who: string, text: string): HTMLElement {
  const p = document.createElement("p");
  p.className = "turn";
  const label = document.createElement("span");
  label.className = "who";
  label.textContent = `${who}:`;
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  p.append(label, body);
  $("transcript").append(p);
  return body;
}

function choose(m: ModelInfo): void {
  chosen = m;
  $("hub-pull").hidden = true;
  clearMessages();
  renderModels();
  $("model-detail").textContent = m.problem ? `${m.id}: ${m.problem}` : describe(m);
  const t = task(m);
  $("panel-text").hidden = t !== "text-generation";
  $("panel-tts").hidden = t !== "text-to-speech";
  $("panel-stt").hidden = t !== "automatic-speech-recognition";
  $("panel-image").hidden = t !== "text-to-image";
  // Settings the model does not honour are disabled, with the reason.
  for (const input of settingFields()) {
    const ok = honoured(m.capabilities.settings, input.name as SettingName);
    input.disabled = !ok;
    input.title = ok ? "" : `${m.id} does not use ${input.name}`;
  }
  startConversation();
  const voices = $<HTMLSelectElement>("voice");
  voices.replaceChildren();
  for (const v of m.capabilities.speech?.voices ?? []) voices.add(new Option(v, v));
}

async function runChat(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  if (!chosen) return;
  clearMessages();
  const raw: Partial<Record<SettingName, string>> = {};
  const settings: Record<string, unknown> = {};
  for (const field of settingFields()) {
    if (field.disabled || !field.value) continue;
    if (field.name in BOUNDS) raw[field.name as SettingName] = field.value;
    else if (field.name === "do_sample") settings.do_sample = field.value === "true";
    else if (field.name === "stop_sequences") settings.stop_sequences = stopSequences(field.value);
  }
  const checked = checkSettings(raw);
  const options = checkProviderOptions($<HTMLTextAreaElement>("provider-options").value);
  const problems = [...Object.values(checked.errors), ...(options.error ? [options.error] : [])];
  $("settings-error").textContent = problems.join("; ");
  if (problems.length) return; // never sent: the page says what to fix
  Object.assign(settings, checked.settings);
  const text = $<HTMLTextAreaElement>("prompt").value;
  const chat = chosen.capabilities.chat;
  if (!chat) startConversation(); // a raw prompt stands alone
  const turns = [...conversation, { role: "user" as const, content: text }];
  showTurn(chat ? "You" : "Prompt", text);
  const out = showTurn(chosen.id, "");
  running = new AbortController();
  $<HTMLButtonElement>("run-button").disabled = true;
  $<HTMLButtonElement>("stop-button").disabled = false;
  const inputs = chat ? { messages: turns } : { text };
  try {
    await runStream(
      {
        model_id: chosen.id,
        inputs,
        settings,
        ...(options.value ? { provider_overrides: options.value } : {}),
      },
      (e) => {
        if (e.type === "token") out.textContent += e.text;
        if (e.type === "done")
          $("status").textContent =
            `${e.finish_reason} · ${e.usage.completion_tokens} tokens · ` +
            `${e.timings.ttft_ms.toFixed(0)} ms to first token · ` +
            `${e.timings.tokens_per_second.toFixed(1)} tokens/s`;
      },
      running.signal,
    );
    if (chat) {
      conversation = [...turns, { role: "assistant", content: out.textContent ?? "" }];
      $<HTMLTextAreaElement>("prompt").value = "";
    }
  } catch (e) {
    showError(e);
  } finally {
    running = null;
    $<HTMLButtonElement>("run-button").disabled = false;
    $<HTMLButtonElement>("stop-button").disabled = true;
  }
  void refreshRuns();
}

async function runSpeak(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  if (!chosen) return;
  clearMessages();
  try {
    const blob = await speak(chosen.id, $<HTMLTextAreaElement>("tts-text").value,
                             $<HTMLSelectElement>("voice").value);
    const url = URL.createObjectURL(blob);
    const audio = $<HTMLAudioElement>("tts-audio");
    audio.src = url;
    audio.hidden = false;
    const link = $<HTMLAnchorElement>("tts-download");
    link.href = url;
    link.hidden = false;
    $("status").textContent = `${(blob.size / 1024).toFixed(0)} KiB of audio`;
  } catch (e) {
    showError(e);
  }
  void refreshRuns();
}

/** A whole number in [min, max] from a field, or an error naming it. */
function wholeNumber(id: string, name: string, min: number, max: number): number | string {
  const text = $<HTMLInputElement>(id).value.trim();
  const n = Number(text);
  return /^\d+$/.test(text) && n >= min && n <= max ? n : `${name} must be ${min} to ${max}`;
}

async function runDraw(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  if (!chosen) return;
  clearMessages();
  const width = wholeNumber("image-width", "width", 1, 16384);
  const height = wholeNumber("image-height", "height", 1, 16384);
  const seeded = $<HTMLInputElement>("image-seed").value.trim() !== "";
  const seed = seeded ? wholeNumber("image-seed", "seed", 0, 4294967295) : null;
  const problems = [width, height, seed].filter((v): v is string => typeof v === "string");
  $("image-error").textContent = problems.join("; ");
  if (problems.length) return; // never sent: the page says what to fix
  const settings: Record<string, unknown> = { width, height };
  if (seed !== null) settings.seed = seed;
  const out = $("image-out");
  out.replaceChildren();
  $<HTMLButtonElement>("draw-button").disabled = true;
  $("status").textContent = "drawing…";
  try {
    const pictures = await draw(chosen.id, $<HTMLTextAreaElement>("image-prompt").value,
                                settings);
    pictures.forEach((p, i) => {
      const img = document.createElement("img");
      img.src = `data:${p.content_type};base64,${p.b64}`;
      img.alt = `picture ${i + 1} of ${pictures.length}: ${
        $<HTMLTextAreaElement>("image-prompt").value}`;
      const link = document.createElement("a");
      link.href = img.src;
      link.download = `picture-${i + 1}.${p.content_type.split("/")[1] ?? "bin"}`;
      link.textContent = "Download";
      out.append(img, link);
    });
    $("status").textContent = `${pictures.length} picture${pictures.length === 1 ? "" : "s"}`;
  } catch (e) {
    $("status").textContent = "";
    showError(e);
  } finally {
    $<HTMLButtonElement>("draw-button").disabled = false;
  }
  void refreshRuns();
}

let recorder: Recorder | null = null;
let recording: Blob | null = null; // the last recording, used unless a file is chosen

async function toggleRecording(): Promise<void> {
  const button = $<HTMLButtonElement>("record-button");
  const status = $("record-status");
  clearMessages();
  if (!recorder) {
    try {
      recorder = await Recorder.start((s) => (status.textContent = `${s.toFixed(1)} s recorded`));
    } catch (e) {
      $("error").textContent = `The microphone cannot be used: ${(e as Error).message}`;
      return;
    }
    recording = null;
    button.textContent = "Stop recording";
    button.setAttribute("aria-pressed", "true");
    return;
  }
  recording = await recorder.stop();
  recorder = null;
  $<HTMLInputElement>("stt-file").value = ""; // the recording is what will be sent
  button.textContent = "Record from the microphone";
  button.setAttribute("aria-pressed", "false");
  status.textContent += " — press Transcribe";
}

async function runTranscribe(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  if (!chosen) return;
  clearMessages();
  const file = $<HTMLInputElement>("stt-file").files?.[0] ?? recording;
  if (!file) {
    $("error").textContent = "Choose an audio file or record one first.";
    return;
  }
  const phrases = $<HTMLTextAreaElement>("stt-phrases").value.split("\n").map((p) => p.trim())
    .filter((p) => p);
  const list = $("segments");
  list.replaceChildren();
  const words: string[] = [];
  try {
    const t = await transcribe(chosen.id, file, phrases, (s) => {
      const li = document.createElement("li");
      li.textContent = `[${s.start.toFixed(2)}–${s.end.toFixed(2)} s] ${s.text}`;
      list.append(li);
      words.push(s.text.trim());
    });
    $("status").textContent = `"${words.join(" ")}" · ${t.audio_seconds.toFixed(2)} s of audio`;
  } catch (e) {
    showError(e);
  }
  void refreshRuns();
}

// ---- pulling from the Hub ---------------------------------------------------------------

async function reloadModels(): Promise<void> {
  const listed = await listModels();
  models = listed.models;
  const problems = $("provider-problems");
  problems.replaceChildren();
  for (const p of listed.errors) {
    const li = document.createElement("li");
    li.textContent = `${p.provider}: ${p.message}`;
    problems.append(li);
  }
  renderProviderFilter();
  renderModels();
}

async function runPull(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const id = $<HTMLInputElement>("pull-id").value.trim();
  if (!id) return;
  const bar = $<HTMLProgressElement>("pull-progress");
  const status = $("pull-status");
  const error = $("pull-error");
  const button = $<HTMLButtonElement>("pull-button");
  error.textContent = "";
  status.textContent = `Asking the Hub about ${id}…`;
  bar.value = 0;
  bar.hidden = false;
  button.disabled = true;
  let chosen = "";
  try {
    await pullModel(id, (e) => {
      if (e.type === "chosen") chosen = `${e.label}, ${e.why}`;
      if (e.type === "file") status.textContent = `${e.file}: ${e.reused ? "already here" : size(e.total)}`;
      if (e.type === "progress" && e.total > 0) {
        bar.value = e.completed / e.total;
        status.textContent = `${e.file}: ${size(e.completed)} of ${size(e.total)}`;
      }
      if (e.type === "verified") status.textContent = `${e.file}: checked`;
      if (e.type === "done") {
        bar.value = 1;
        status.textContent = `Pulled ${e.model}${chosen ? `: ${chosen}` : ""}. It is in the list.`;
      }
    });
    await reloadModels();
    await loadGoals(); // the new model meets goals too
    renderModels();
  } catch (e) {
    bar.hidden = true;
    status.textContent = "";
    const err = asApiError(e);
    error.textContent = `Could not pull ${id}: ${err.message}`;
  } finally {
    button.disabled = false;
  }
}

// ---- the Hub, in the same explorer ----------------------------------------------------

let hubTimer: number | undefined;
let hubQuery = "";

function scheduleHubSearch(): void {
  window.clearTimeout(hubTimer);
  hubTimer = window.setTimeout(() => void runHubSearch(), 400); // after typing pauses
}

async function runHubSearch(): Promise<void> {
  const q = $<HTMLInputElement>("search").value.trim();
  const list = $("hub-models");
  const note = $("hub-note");
  if (q.length < 2) {
    list.replaceChildren();
    note.textContent = "Type at least two letters to search the Hub too.";
    return;
  }
  hubQuery = q;
  note.textContent = `Searching the Hub for "${q}"…`;
  try {
    const found = await searchHub(q);
    if (q !== hubQuery) return; // a newer search is under way
    list.replaceChildren();
    for (const m of found) {
      const gated = m.gated && m.gated !== "false" ? " · gated" : "";
      addCard(list, m.id, `${m.pipeline_tag ?? "no task"} · ${m.downloads ?? 0} downloads${gated}`,
              ["hub", m.id], () => void openHubModel(m.id));
    }
    note.textContent = found.length ? "" : `Nothing on the Hub matches "${q}".`;
  } catch (e) {
    list.replaceChildren();
    const err = asApiError(e);
    note.textContent = `The Hub could not be searched: ${err.message}`;
  }
}

async function openHubModel(id: string): Promise<void> {
  clearMessages();
  chosen = null;
  renderModels();
  for (const p of ["panel-text", "panel-tts", "panel-stt", "panel-image"]) $(p).hidden = true;
  const detail = $("model-detail");
  const pull = $<HTMLButtonElement>("hub-pull");
  detail.textContent = `${id}: asking the Hub…`;
  pull.hidden = true;
  try {
    const m = await hubModel(id);
    const c = m.capabilities;
    const parts = [`${id} (Hugging Face Hub): ${c.tasks.join(", ") || m.pipeline_tag || "no task"}`];
    if (c.context_length)
      parts.push(`${c.context_length}-token context (from ${c.context_length_source ?? "the Hub"})`);
    if (c.runnable_locally && c.default_file)
      parts.push(`runs here: a pull takes ${c.default_file.file} (${c.default_file.why})`);
    else parts.push("cannot run here");
    if (c.gated) parts.push(c.needs_token ? "gated: set HF_TOKEN and accept its terms" : "gated");
    const live = c.inference_providers.filter((p) => !p.status || p.status === "live");
    if (live.length && c.runnable_locally)
      parts.push(`also served by ${live.map((p) => p.provider).join(", ")}`);
    parts.push(...c.notes); // says how to reach the providers when it cannot run here
    detail.textContent = parts.join(" · ");
    pull.hidden = !c.runnable_locally;
    pull.dataset.model = id;
  } catch (e) {
    const err = asApiError(e);
    detail.textContent = `${id}: ${err.message}`;
  }
}

// ---- goals ----------------------------------------------------------------------------

function chooseGoal(g: Intent | null): void {
  goal = goal?.id === g?.id ? null : g; // a second click clears it
  for (const b of $("goal-buttons").querySelectorAll("button"))
    b.setAttribute("aria-pressed", String(b.dataset.goal === goal?.id));
  const note = $("goal-note");
  if (!goal) note.textContent = "";
  else if (goal.models.length)
    note.textContent = `${goal.description} ${goal.models.length} model` +
      `${goal.models.length === 1 ? " does" : "s do"} it here.`;
  else
    note.textContent = `${goal.description} No model here can do it yet (${goal.tasks.join(", ")}):` +
      " pull one from the Hub or configure a provider that has one.";
  renderModels();
}

async function loadGoals(): Promise<void> {
  const list = await listIntents();
  // The chosen goal stays chosen, with its models as they are now.
  goal = goal ? (list.find((g) => g.id === goal?.id) ?? null) : null;
  const row = $("goal-buttons");
  row.replaceChildren();
  for (const g of list) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.goal = g.id;
    b.textContent = g.label;
    b.title = g.description;
    b.setAttribute("aria-pressed", String(goal?.id === g.id));
    b.addEventListener("click", () => chooseGoal(g));
    row.append(b);
  }
}

// ---- the run history ------------------------------------------------------------------

function runLine(r: { task: string; model: string; finish: string; duration_ms: number | null }):
    string {
  const took = r.duration_ms ? ` · ${(r.duration_ms / 1000).toFixed(2)} s` : "";
  return `${r.task} · ${r.model} · ${r.finish}${took}`;
}

async function refreshRuns(): Promise<void> {
  const list = $("runs");
  try {
    const runs = await listRuns(50);
    list.replaceChildren();
    for (const r of runs) {
      const title = document.createElement("span");
      title.className = "run-input";
      title.textContent = r.input || "(empty)";
      addCard(list, title, `${new Date(r.created).toLocaleTimeString()} · ${runLine(r)}`,
              ["run", r.id], () => void openRun(r.id));
    }
    if (!runs.length) list.textContent = "No runs yet.";
  } catch (e) {
    list.textContent = "";
    showError(e);
  }
}

let opened: Run | null = null;

async function openRun(id: string): Promise<void> {
  try {
    opened = await getRun(id);
  } catch (e) {
    showError(e);
    return;
  }
  const r = opened;
  $("run-view").hidden = false;
  $("run-view-title").textContent = runLine(r);
  $("run-view-input").textContent = r.input;
  const settings = Object.entries(r.settings ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
  $("run-view-settings").textContent = settings || "defaults";
  $("run-view-output").textContent = r.error ? "" : (r.output ?? "");
  $("run-view-error").textContent = r.error ?? "";
  const figures: string[] = [];
  if (r.ttft_ms) figures.push(`${r.ttft_ms.toFixed(0)} ms to first token`);
  if (r.tokens_per_second) figures.push(`${r.tokens_per_second.toFixed(1)} tokens/s`);
  $("run-view-figures").textContent = figures.join(" · ");
  // Audio is not kept, so a transcription cannot be run again from here.
  $<HTMLButtonElement>("run-again").disabled = r.task === "automatic-speech-recognition";
}

function runAgain(): void {
  const r = opened;
  if (!r) return;
  const m = models.find((x) => x.id === r.model);
  if (!m) {
    $("error").textContent = `${r.model} is no longer available`;
    return;
  }
  choose(m);
  if (r.task === "text-to-speech") {
    $<HTMLTextAreaElement>("tts-text").value = r.input;
    return;
  }
  if (r.task === "text-to-image") {
    const s = (r.settings ?? {}) as Record<string, unknown>;
    $<HTMLTextAreaElement>("image-prompt").value = r.input;
    for (const [field, key] of [["image-width", "width"], ["image-height", "height"],
                                ["image-seed", "seed"]] as const)
      if (s[key] !== undefined) $<HTMLInputElement>(field).value = String(s[key]);
    $<HTMLTextAreaElement>("image-prompt").focus();
    return;
  }
  $<HTMLTextAreaElement>("prompt").value = r.input;
  for (const field of settingFields()) {
    const v = (r.settings as Record<string, unknown> | undefined)?.[field.name];
    field.value = v === undefined ? "" : Array.isArray(v) ? v.join("\n") : String(v);
  }
  $<HTMLTextAreaElement>("prompt").focus();
}

async function forgetRun(): Promise<void> {
  if (!opened) return;
  try {
    await deleteRun(opened.id);
  } catch (e) {
    showError(e);
  }
  opened = null;
  $("run-view").hidden = true;
  await refreshRuns();
}

async function start(): Promise<void> {
  $("search").addEventListener("input", () => {
    renderModels();
    scheduleHubSearch();
  });
  $("hub-pull").addEventListener("click", () => {
    $<HTMLInputElement>("pull-id").value = $("hub-pull").dataset.model ?? "";
    $<HTMLFormElement>("pull-form").requestSubmit();
  });
  $("task-filter").addEventListener("change", renderModels);
  $("provider-filter").addEventListener("change", renderModels);
  $<HTMLFormElement>("chat-form").addEventListener("submit", (e) => void runChat(e));
  $<HTMLFormElement>("tts-form").addEventListener("submit", (e) => void runSpeak(e));
  $<HTMLFormElement>("stt-form").addEventListener("submit", (e) => void runTranscribe(e));
  $<HTMLFormElement>("image-form").addEventListener("submit", (e) => void runDraw(e));
  $("stop-button").addEventListener("click", () => running?.abort());
  $("run-again").addEventListener("click", runAgain);
  $("record-button").addEventListener("click", () => void toggleRecording());
  $("new-chat").addEventListener("click", () => {
    startConversation();
    clearMessages();
  });
  $("stt-file").addEventListener("change", () => (recording = null));
  $<HTMLFormElement>("pull-form").addEventListener("submit", (e) => void runPull(e));
  $("run-forget").addEventListener("click", () => void forgetRun());
  $("runs-refresh").addEventListener("click", () => void refreshRuns());
  void refreshRuns();
  try {
    await loadGoals();
    await reloadModels();
  } catch (e) {
    showError(e);
  }
}

void start();
