// detail.ts -- the chosen model's card: everything /api/models says about
// it, as a definition list. A field the server leaves empty (a speech engine
// has no quantisation, a remote model no file) is left out, not shown blank.

import type { ModelInfo } from "./contracts";
import { lengthsText } from "./media";
import { $, size } from "./page";

export interface Fact {
  key: string; // the dd's data-fact, for tests and styles
  label: string;
  value: string;
}

function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  return n >= 1e3 ? `${(n / 1e3).toFixed(1)} K` : String(n);
}

/** A list: the number, and the items themselves when they fit in a glance. */
function listed(items: string[], noun: string): string {
  const n = `${items.length} ${noun}${items.length === 1 ? "" : "s"}`;
  return items.length <= 5 ? `${n}: ${items.join(", ")}` : n;
}

/** The facts about m worth showing, in reading order. */
export function modelFacts(m: ModelInfo): Fact[] {
  const c = m.capabilities;
  const sp = c.speech;
  const mem = m.memory;
  const parts = mem?.weights_bytes
    ? ` (weights ${size(mem.weights_bytes)}` +
      `${mem.kv_cache_bytes ? `, KV cache ${size(mem.kv_cache_bytes)}` : ""})`
    : "";
  const options = [sp?.phrases && "expected phrases", sp?.prompt && "a prompt",
                   sp?.translate && "translation into English"].filter(Boolean);
  const media = c.tasks.includes("text-to-video") || c.tasks.includes("text-to-audio");
  const facts: [string, string, string | number | undefined | false][] = [
    ["id", "Model", m.id],
    ["description", "Description", m.description],
    ["status", "Status", m.status],
    ["problem", "Problem", m.problem],
    ["backend", "Backend", m.backend],
    ["architecture", "Architecture", m.architecture],
    ["quantization", "Quantization", m.quantization],
    ["parameter_count", "Parameters", m.parameter_count > 0 && count(m.parameter_count)],
    ["size_bytes", "File size", m.size_bytes > 0 && size(m.size_bytes)],
    ["context_length", "Context length", c.context_length > 0 && `${c.context_length} tokens`],
    ["embedding_length", "Embedding length",
     c.embedding_length && `${c.embedding_length} dimensions`],
    ["memory", "Memory estimate",
     mem?.estimate_bytes && `about ${size(mem.estimate_bytes)} loaded${parts}`],
    ["tasks", "Tasks", c.tasks.join(", ")],
    ["settings", "Honoured settings", c.settings.join(", ")],
    ["voices", "Voices", sp?.voices.length && listed(sp.voices, "voice")],
    ["languages", "Languages", sp?.languages.length && listed(sp.languages, "language")],
    ["speed", "Speed", sp?.speed && `${sp.speed.min} to ${sp.speed.max}`],
    ["speech_options", "Recognition takes", options.join(", ")],
    ["reference_images", "Draws from",
     c.reference_images !== undefined &&
       (c.needs_reference_image ? "a picture and a prompt, not text alone" :
        c.reference_images > 0 ? `text and up to ${c.reference_images} picture` +
         `${c.reference_images === 1 ? "" : "s"}` : "text only")],
    ["durations", "Lengths",
     c.durations ? (c.durations.length ? lengthsText(c.durations) : "any length")
       : media && "the model decides"],
    ["gated", "Gated", c.gated ? "yes: accept its terms on the Hub" : "no"],
  ];
  return facts
    .filter(([, , v]) => v !== undefined && v !== false && v !== "" && v !== 0)
    .map(([key, label, v]) => ({ key, label, value: String(v) }));
}

/** Shows m's facts in the run panel; a problem stands out as an error. */
export function showModel(m: ModelInfo): void {
  const dl = $("model-facts");
  dl.replaceChildren();
  dl.setAttribute("aria-label", `About ${m.id}`);
  for (const f of modelFacts(m)) {
    const dt = document.createElement("dt");
    dt.textContent = f.label;
    const dd = document.createElement("dd");
    dd.dataset.fact = f.key;
    dd.textContent = f.value;
    if (f.key === "problem") dd.className = "error";
    dl.append(dt, dd);
  }
  dl.hidden = false;
  $("model-note").textContent = "";
}

/** A line in place of the facts: a Hub model, or nothing chosen yet. */
export function showNote(text: string): void {
  $("model-facts").hidden = true;
  $("model-facts").replaceChildren();
  $("model-note").textContent = text;
}
