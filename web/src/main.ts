// main.ts -- the playground page: the model explorer on the left, a run
// panel for the chosen model's task in the middle, the run history on the
// right. Every run goes through the task API (streamed runs through
// /api/inference/stream, where Stop aborts the request, which cancels the
// generation on the server), so every run is kept in the server's history
// and can be reopened or run again. The embeddings, Listen, Draw and Make
// (video, music) panels live in embed.ts, stt.ts, draw.ts and media.ts, the
// model's facts in detail.ts.

import "./style.css";
import {
  hubModel,
  listIntents,
  listModels,
  pullModel,
  runStream,
  searchHub,
  speak,
} from "./client";
import type { Intent, ModelInfo, Run } from "./contracts";
import { showModel, showNote } from "./detail";
import { fillDraw, initDraw, runDraw, setupDraw } from "./draw";
import { runEmbed, setupEmbed } from "./embed";
import { initHistory, refreshRuns } from "./history";
import { fillMedia, initMedia, isMediaTask, runMedia, setupMedia } from "./media";
import { $, addCard, asApiError, clearMessages, showError, size } from "./page";
import {
  BOUNDS,
  checkProviderOptions,
  checkSettings,
  honoured,
  stopSequences,
  type SettingName,
} from "./settings";
import { initStt, runTranscribe, setupStt } from "./stt";
import { defaultTask, goalTask, panelTasks, renderChooser, showPanel } from "./tasks";

let models: ModelInfo[] = [];
/** The conversation with the chosen chat model, oldest first. */
let conversation: { role: "user" | "assistant"; content: string }[] = [];
let goal: Intent | null = null;
let chosen: ModelInfo | null = null;
let running: AbortController | null = null;

/** The task a model's card names: the one it opens with. */
function task(m: ModelInfo): string {
  return defaultTask(m.capabilities.tasks) || (m.capabilities.tasks[0] ?? "");
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
    // Chosen for a goal, a model opens with the goal's task.
    addCard(list, m.id, details, ["model", m.id],
            () => choose(m, goal ? goalTask(goal.tasks, m.capabilities.tasks) : undefined))
      .setAttribute("aria-pressed", String(chosen?.id === m.id));
  }
}

/** Marks the chosen model's card in place: rebuilding the list would
 *  take the keyboard focus away from the card just pressed. */
function markChosen(): void {
  for (const b of $("models").querySelectorAll<HTMLButtonElement>("button[data-model]"))
    b.setAttribute("aria-pressed", String(b.dataset.model === chosen?.id));
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

/** Opens m in the run panel with the panel of task (by default its own
 *  main one). A model with a problem shows it and no panel. */
function choose(m: ModelInfo, task?: string): void {
  chosen = m;
  $("hub-pull").hidden = true;
  clearMessages();
  markChosen();
  showModel(m);
  const tasks = m.problem ? [] : panelTasks(m.capabilities.tasks);
  const t = task && tasks.includes(task) ? task : defaultTask(tasks);
  renderChooser(tasks, t, (next) => {
    clearMessages();
    showPanel(next);
    setupMedia(m, next);
  });
  showPanel(t);
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
  setupEmbed(m);
  setupStt(m);
  setupDraw(m);
  setupMedia(m, t);
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
  markChosen();
  showPanel("");
  $("task-chooser").hidden = true;
  const pull = $<HTMLButtonElement>("hub-pull");
  showNote(`${id}: asking the Hub…`);
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
    showNote(parts.join(" · "));
    pull.hidden = !c.runnable_locally;
    pull.dataset.model = id;
  } catch (e) {
    showNote(`${id}: ${asApiError(e).message}`);
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

// ---- running a past run again ------------------------------------------------------------

/** Opens r's model and task with r's input and settings, ready to run. */
function runAgain(r: Run): void {
  const m = models.find((x) => x.id === r.model);
  if (!m) {
    $("error").textContent = `${r.model} is no longer available`;
    return;
  }
  choose(m, r.task);
  if (r.task === "text-to-speech") {
    $<HTMLTextAreaElement>("tts-text").value = r.input;
    $<HTMLTextAreaElement>("tts-text").focus();
    return;
  }
  if (r.task === "feature-extraction") {
    // The history keeps the first text and how many more there were.
    const more = /^([\s\S]*) \(and (\d+) more\)$/.exec(r.input);
    $<HTMLTextAreaElement>("embed-texts").value = more ? more[1] : r.input;
    if (more) $("status").textContent = `The history keeps only the first text; ${more[2]} more ` +
      "were embedded with it.";
    $<HTMLTextAreaElement>("embed-texts").focus();
    return;
  }
  if (r.task === "text-to-image") {
    fillDraw(r, m);
    return;
  }
  if (isMediaTask(r.task)) {
    fillMedia(r);
    return;
  }
  $<HTMLTextAreaElement>("prompt").value = r.input;
  for (const field of settingFields()) {
    const v = (r.settings as Record<string, unknown> | undefined)?.[field.name];
    field.value = v === undefined ? "" : Array.isArray(v) ? v.join("\n") : String(v);
  }
  $<HTMLTextAreaElement>("prompt").focus();
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
  // The panels in their own modules say whether they sent a run to list.
  const submitTo = (ev: SubmitEvent, run: (m: ModelInfo) => Promise<boolean>) => {
    ev.preventDefault();
    if (chosen)
      void run(chosen).then((sent) => {
        if (sent) void refreshRuns();
      });
  };
  $<HTMLFormElement>("stt-form").addEventListener("submit", (e) => submitTo(e, runTranscribe));
  $<HTMLFormElement>("embed-form").addEventListener("submit", (e) => submitTo(e, runEmbed));
  $<HTMLFormElement>("image-form").addEventListener("submit", (e) => submitTo(e, runDraw));
  $<HTMLFormElement>("media-form").addEventListener("submit", (e) => submitTo(e, runMedia));
  $("stop-button").addEventListener("click", () => running?.abort());
  initHistory(runAgain);
  $("new-chat").addEventListener("click", () => {
    startConversation();
    clearMessages();
  });
  initStt();
  initDraw(() => chosen);
  initMedia();
  $<HTMLFormElement>("pull-form").addEventListener("submit", (e) => void runPull(e));
  void refreshRuns();
  try {
    await loadGoals();
    await reloadModels();
  } catch (e) {
    showError(e);
  }
}

void start();
