// embed.ts -- the embeddings panel (task feature-extraction): texts, one a
// line, sent together through POST /api/inference; each vector's size and
// first values, how alike the inputs are (cosine similarity), and the whole
// answer as a JSON download. The server's vectors are normalised, but the
// cosine here does not count on it: it is what the table claims to show.

import { embed } from "./client";
import type { ModelInfo } from "./contracts";
import { $, clearMessages, showError, wholeNumber } from "./page";

/** The server's own bound on `dimensions` (src/api/embeddings.c), for a
 *  model that does not say how long its vectors are. */
const DIMENSIONS_MAX = 65536;
const PREVIEW = 5; // values shown per vector

/** The texts to embed: one a line, blank lines skipped (the server refuses
 *  an empty input). */
export function embedTexts(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

/** The cosine of the angle between a and b; NaN when either has no
 *  direction (all zeros) or they differ in length. */
export function cosine(a: number[], b: number[]): number {
  if (a.length !== b.length) return NaN;
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? dot / Math.sqrt(aa * bb) : NaN;
}

/** The dimensions field as typed: empty is all of them; otherwise a whole
 *  number from 1 to max, or the error to show. */
export function checkDimensions(text: string, max = DIMENSIONS_MAX):
    { value?: number; error?: string } {
  if (text.trim() === "") return {};
  const n = wholeNumber(text, "dimensions", 1, max);
  return typeof n === "string" ? { error: n } : { value: n };
}

/** A table's label for input i: its number and its start. */
function label(i: number, text: string): string {
  return `${i + 1}. ${text.length > 24 ? `${text.slice(0, 24)}…` : text}`;
}

function similarityTable(texts: string[], vectors: number[][]): HTMLTableElement {
  const table = document.createElement("table");
  table.id = "embed-similarity";
  table.createCaption().textContent =
    "Cosine similarity between the inputs (1 is the same direction)";
  const head = table.createTHead().insertRow();
  const corner = document.createElement("th");
  corner.scope = "col";
  corner.textContent = "input";
  head.append(corner);
  const body = table.createTBody();
  texts.forEach((t, i) => {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = label(i, t);
    th.title = t;
    head.append(th);
    const row = body.insertRow();
    const rowHead = document.createElement("th");
    rowHead.scope = "row";
    rowHead.textContent = label(i, t);
    rowHead.title = t;
    row.append(rowHead);
    vectors.forEach((v) => {
      const c = cosine(vectors[i], v);
      row.insertCell().textContent = Number.isNaN(c) ? "n/a" : c.toFixed(3);
    });
  });
  return table;
}

let download = ""; // the last answer's object URL, revoked when replaced

function render(model: string, texts: string[], vectors: number[][]): void {
  const list = document.createElement("ol");
  list.id = "embed-vectors";
  texts.forEach((t, i) => {
    const v = vectors[i];
    const li = document.createElement("li");
    const text = document.createElement("span");
    text.className = "embed-text";
    text.textContent = t;
    const dims = document.createElement("span");
    dims.className = "embed-dims";
    dims.textContent = `${v.length} dimensions`;
    const head = document.createElement("code");
    head.textContent = `[${v.slice(0, PREVIEW).map((x) => x.toFixed(4)).join(", ")}${
      v.length > PREVIEW ? ", …" : ""}]`;
    li.append(text, dims, head);
    list.append(li);
  });
  if (download) URL.revokeObjectURL(download);
  download = URL.createObjectURL(new Blob(
    [JSON.stringify({ model, inputs: texts, embeddings: vectors })], { type: "application/json" }));
  const link = document.createElement("a");
  link.id = "embed-download";
  link.href = download;
  link.download = "embeddings.json";
  link.textContent = "Download JSON";
  const out = $("embed-out");
  out.replaceChildren(list);
  if (texts.length > 1) out.append(similarityTable(texts, vectors));
  out.append(link);
}

/** Readies the panel for m: the dimensions it can give. */
export function setupEmbed(m: ModelInfo): void {
  const max = m.capabilities.embedding_length;
  $("embed-dimensions-hint").textContent = max
    ? `1 to ${max}; empty keeps all ${max}.` : "Empty keeps them all.";
  $("embed-error").textContent = "";
  $<HTMLInputElement>("embed-dimensions").removeAttribute("aria-invalid");
  $("embed-out").replaceChildren();
}

/** Embeds the panel's texts with m. Returns whether a request was sent
 *  (a text or number the server would refuse is stopped here, named). */
export async function runEmbed(m: ModelInfo): Promise<boolean> {
  clearMessages();
  const texts = embedTexts($<HTMLTextAreaElement>("embed-texts").value);
  const field = $<HTMLInputElement>("embed-dimensions");
  const dims = checkDimensions(field.value, m.capabilities.embedding_length);
  const problems = [...(texts.length ? [] : ["texts: write at least one line to embed"]),
                    ...(dims.error ? [dims.error] : [])];
  $("embed-error").textContent = problems.join("; ");
  field.setAttribute("aria-invalid", String(Boolean(dims.error)));
  if (problems.length) return false; // never sent: the page says what to fix
  const button = $<HTMLButtonElement>("embed-button");
  button.disabled = true;
  $("status").textContent = "embedding…";
  try {
    const truncate = $<HTMLInputElement>("embed-truncate").checked;
    const answer = await embed(m.id, { text: texts, dimensions: dims.value,
                                       ...(truncate ? { truncate } : {}) });
    const vectors = answer.result.task_output.embeddings;
    render(m.id, texts, vectors);
    $("status").textContent = `${vectors.length} embedding${vectors.length === 1 ? "" : "s"} of ` +
      `${vectors[0]?.length ?? 0} dimensions · ${answer.result.usage.prompt_tokens} tokens · ` +
      `${answer.runtime_ms_model.toFixed(0)} ms`;
  } catch (e) {
    $("status").textContent = "";
    showError(e);
  } finally {
    button.disabled = false;
  }
  return true;
}
