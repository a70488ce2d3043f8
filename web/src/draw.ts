// draw.ts -- the Draw panel (text-to-image): a prompt, a size (both sides,
// or neither for the model's own), an optional seed and, for a model whose
// capabilities.reference_images says it takes them, pictures to start from
// (image-to-image), shown as thumbnails before they are sent. What the
// server would refuse for its shape (a size that is no number, more pictures
// than the model takes, none for a model that draws only from a picture
// (capabilities.needs_reference_image), a file that is not a PNG, JPEG or
// WebP, or too large) is stopped here, named; a file whose bytes are not the picture its
// type says still goes, and the server's 400 names it.

import { draw } from "./client";
import type { ModelInfo, Run } from "./contracts";
import { $, clearMessages, showError, size, wholeNumber } from "./page";

/** What the server takes as a reference picture (src/util/picture.c, and
 *  SY_REFERENCE_IMAGE_BYTES_MAX in src/util/limits.h). */
export const REFERENCE_TYPES: readonly string[] = ["image/png", "image/jpeg", "image/webp"];
export const REFERENCE_BYTES_MAX = 20 * 1024 * 1024;
const SIDE_MAX = 16384;
const SEED_MAX = 4294967295;

/** What the checks read of a chosen file (a File has it). */
export interface ChosenFile {
  name: string;
  type: string; // as the browser names it, from the file's name
  size: number; // bytes
}

/** Files chosen as reference pictures for a model that takes up to max:
 *  what is wrong with them, each naming the field; empty when they can be
 *  sent. */
export function checkReferences(files: readonly ChosenFile[], max: number): string[] {
  const problems: string[] = [];
  if (files.length > max)
    problems.push(max > 0
      ? `reference pictures: this model takes at most ${max}; ${files.length} are chosen`
      : "reference pictures: this model draws from text only");
  for (const f of files) {
    if (!REFERENCE_TYPES.includes(f.type))
      problems.push(`reference pictures: ${f.name} is not a PNG, JPEG or WebP picture`);
    else if (f.size > REFERENCE_BYTES_MAX)
      problems.push(`reference pictures: ${f.name} is larger than 20 MiB`);
  }
  return problems;
}

/** For a model that draws only from a picture (needs), none chosen is a
 *  problem, said before Draw sends what the server would refuse (422
 *  naming inputs.files); empty when the drawing can be sent. Kept apart
 *  from checkReferences, which runs as soon as files are chosen: an empty
 *  choice is only wrong once the person asks to draw. */
export function checkReferenceNeeded(chosen: number, needs: boolean): string[] {
  return needs && chosen === 0
    ? ["reference pictures: this model draws only from a picture; choose one to start from"]
    : [];
}

/** The width and height fields as typed: both whole numbers from 1 to
 *  16384, or both empty, which leaves the size to the model (drawing from
 *  a picture, usually that picture's size); the server refuses one alone. */
export function checkSize(width: string, height: string):
    { value?: { width: number; height: number }; errors: string[] } {
  const [w, h] = [width.trim(), height.trim()];
  if (!w && !h) return { errors: [] };
  if (!w || !h)
    return { errors: [`${w ? "height" : "width"} is empty: give both width and height, ` +
                      "or neither"] };
  const wn = wholeNumber(w, "width", 1, SIDE_MAX);
  const hn = wholeNumber(h, "height", 1, SIDE_MAX);
  if (typeof wn === "string" || typeof hn === "string")
    return { errors: [wn, hn].filter((v): v is string => typeof v === "string") };
  return { value: { width: wn, height: hn }, errors: [] };
}

let thumbnails: string[] = []; // object URLs shown, revoked when replaced

function limit(m: ModelInfo | null): number {
  return m?.capabilities.reference_images ?? 0;
}

function needsPicture(m: ModelInfo | null): boolean {
  return m?.capabilities.needs_reference_image === true;
}

function chosenFiles(): File[] {
  return [...($<HTMLInputElement>("image-files").files ?? [])];
}

/** Shows the chosen files as thumbnails, each with its name and size (a
 *  file of another type by those alone: it would show as a broken picture),
 *  and marks the field invalid or not. Returns the problems. */
function showReferences(m: ModelInfo | null): string[] {
  for (const url of thumbnails) URL.revokeObjectURL(url);
  thumbnails = [];
  const files = chosenFiles();
  const list = $("image-files-list");
  list.replaceChildren();
  files.forEach((f, i) => {
    const li = document.createElement("li");
    if (REFERENCE_TYPES.includes(f.type)) {
      const img = document.createElement("img");
      img.src = URL.createObjectURL(f);
      img.alt = `reference picture ${i + 1} of ${files.length}: ${f.name}`;
      thumbnails.push(img.src);
      li.append(img);
    }
    const caption = document.createElement("span");
    caption.textContent = `${f.name} · ${size(f.size)}`;
    li.append(caption);
    list.append(li);
  });
  $("image-files-clear").hidden = files.length === 0;
  const problems = checkReferences(files, limit(m));
  $("image-files").setAttribute("aria-invalid", String(problems.length > 0));
  return problems;
}

/** Empties the choice of reference pictures. */
function clearReferences(m: ModelInfo | null): void {
  $<HTMLInputElement>("image-files").value = "";
  showReferences(m);
}

/** Readies the panel for m: the reference pictures field only if m takes
 *  them, and no pictures chosen for another model. */
export function setupDraw(m: ModelInfo): void {
  const max = limit(m);
  const needs = needsPicture(m);
  $("image-files-field").hidden = max <= 0 && !needs;
  $<HTMLInputElement>("image-files").multiple = max > 1;
  $("image-files-label").textContent = needs
    ? `Reference picture${max > 1 ? "s" : ""} (required)` : "Reference pictures (optional)";
  $("image-files").setAttribute("aria-required", String(needs));
  const upTo = `${max > 1 ? `Up to ${max} pictures` : "A picture"} to start from (PNG, JPEG or ` +
    `WebP, at most 20 MiB${max > 1 ? " each" : ""})`;
  $("image-files-hint").textContent = needs
    ? `${upTo}: this model draws only from a picture, and the prompt says what to make of it.`
    : max > 0 ? `${upTo}; none draws from the prompt alone.` : "";
  clearReferences(m);
  $("image-error").textContent = "";
  $("image-out").replaceChildren();
}

/** Fills the panel with r's prompt and settings, ready to draw again. The
 *  history keeps no reference pictures, so for a model that takes them the
 *  status line says to choose them again. */
export function fillDraw(r: Run, m: ModelInfo): void {
  const s = (r.settings ?? {}) as Record<string, unknown>;
  $<HTMLTextAreaElement>("image-prompt").value = r.input;
  for (const [field, key] of [["image-width", "width"], ["image-height", "height"],
                              ["image-seed", "seed"]] as const)
    $<HTMLInputElement>(field).value = s[key] === undefined ? "" : String(s[key]);
  if (limit(m) > 0)
    $("status").textContent = "The history keeps no reference pictures: choose them again if " +
      "this run had any.";
  $<HTMLTextAreaElement>("image-prompt").focus();
}

/** Draws with m from the panel's fields. Returns whether a request was
 *  sent (a value the server would refuse is stopped here, named). */
export async function runDraw(m: ModelInfo): Promise<boolean> {
  clearMessages();
  const sized = checkSize($<HTMLInputElement>("image-width").value,
                          $<HTMLInputElement>("image-height").value);
  const seedText = $<HTMLInputElement>("image-seed").value;
  const seed = seedText.trim() === "" ? null : wholeNumber(seedText, "seed", 0, SEED_MAX);
  const files = chosenFiles();
  const missing = checkReferenceNeeded(files.length, needsPicture(m));
  const problems = [...sized.errors, ...(typeof seed === "string" ? [seed] : []),
                    ...showReferences(m), ...missing];
  if (missing.length) $("image-files").setAttribute("aria-invalid", "true");
  $("image-error").textContent = problems.join("; ");
  if (problems.length) return false; // never sent: the page says what to fix
  const settings: Record<string, unknown> = { ...sized.value };
  if (seed !== null) settings.seed = seed;
  const prompt = $<HTMLTextAreaElement>("image-prompt").value;
  const out = $("image-out");
  out.replaceChildren();
  const button = $<HTMLButtonElement>("draw-button");
  button.disabled = true;
  $("status").textContent = files.length
    ? `drawing from ${files.length} picture${files.length === 1 ? "" : "s"}…` : "drawing…";
  try {
    const pictures = await draw(m.id, prompt, settings, files);
    pictures.forEach((p, i) => {
      const img = document.createElement("img");
      img.src = `data:${p.content_type};base64,${p.b64}`;
      img.alt = `picture ${i + 1} of ${pictures.length}: ${prompt}`;
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
    button.disabled = false;
  }
  return true;
}

/** Wires the reference pictures field: each choice is shown and checked at
 *  once; Clear empties it and gives the focus back to the file field. */
export function initDraw(chosen: () => ModelInfo | null): void {
  $("image-files").addEventListener("change", () => {
    $("image-error").textContent = showReferences(chosen()).join("; ");
  });
  $("image-files-clear").addEventListener("click", () => {
    clearReferences(chosen());
    $("image-error").textContent = "";
    $("image-files").focus();
  });
}
