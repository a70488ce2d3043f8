// page.ts -- what every part of the page shares: finding elements, the run
// panel's status and error lines, reading numbers typed into fields, and the
// clickable cards of the model, Hub and run lists.
// Nothing here touches the document until it is called, so the pure helpers
// can be unit tested without one.

import { ApiError } from "./client";

export function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

/** Whatever was thrown, as an ApiError (a browser error has no status). */
export function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(String(e), 0);
}

/** A failed run, in the run panel's error line: status, message and the
 *  field the server named. A Stop is not an error. */
export function showError(e: unknown): void {
  if (e instanceof DOMException && e.name === "AbortError") {
    $("status").textContent = "Stopped.";
    return;
  }
  const err = asApiError(e);
  const where = err.param ? ` (${err.param})` : "";
  $("error").textContent = err.status ? `${err.status}: ${err.message}${where}` : err.message;
}

export function clearMessages(): void {
  $("error").textContent = "";
  $("status").textContent = "";
}

export function size(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} byte${bytes === 1 ? "" : "s"}`; // a small picture is not "0 KiB"
}

/** A whole number in [min, max] from text, or an error naming the field. */
export function wholeNumber(text: string, name: string, min: number, max: number): number | string {
  const t = text.trim();
  const n = Number(t);
  return /^\d+$/.test(t) && n >= min && n <= max ? n : `${name} must be ${min} to ${max}`;
}

/** Appends a clickable card to list: its title, a line of details, and
 *  data-<key> = value to find it by. */
export function addCard(
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
