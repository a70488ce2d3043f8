// history.ts -- the Runs column: every task-API run the server kept, newest
// first; one opens with its input, settings, output or error and timings,
// and can be run again (by the page, which owns the panels) or deleted.

import { deleteRun, getRun, listRuns } from "./client";
import type { Run } from "./contracts";
import { isMediaTask } from "./media";
import { $, addCard, showError } from "./page";

function runLine(r: { task: string; model: string; finish: string; duration_ms: number | null }):
    string {
  const took = r.duration_ms ? ` · ${(r.duration_ms / 1000).toFixed(2)} s` : "";
  return `${r.task} · ${r.model} · ${r.finish}${took}`;
}

/** Lists the newest runs, newest first. */
export async function refreshRuns(): Promise<void> {
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
  // A video or music file comes whole: its "first token" is the file.
  if (isMediaTask(r.task) && r.duration_ms)
    figures.push(`made in ${(r.duration_ms / 1000).toFixed(1)} s`);
  else if (r.ttft_ms) figures.push(`${r.ttft_ms.toFixed(0)} ms to first token`);
  if (r.tokens_per_second) figures.push(`${r.tokens_per_second.toFixed(1)} tokens/s`);
  $("run-view-figures").textContent = figures.join(" · ");
  // Audio is not kept, so a transcription cannot be run again from here.
  $<HTMLButtonElement>("run-again").disabled = r.task === "automatic-speech-recognition";
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

/** Wires the column; onRunAgain gets the opened run. */
export function initHistory(onRunAgain: (r: Run) => void): void {
  $("run-again").addEventListener("click", () => opened && onRunAgain(opened));
  $("run-forget").addEventListener("click", () => void forgetRun());
  $("runs-refresh").addEventListener("click", () => void refreshRuns());
}
