// tasks.ts -- the run panel's task chooser. A model may do several tasks
// (every local GGUF model generates text and makes embeddings); the chooser
// offers those the page has a panel for, as a radio group, so arrow keys
// move between them like any native one. Video and music share the Make
// panel (media.ts).

import { $ } from "./page";

/** The tasks with a panel, in the order the chooser lists them. */
const PANELS: Record<string, { panel: string; label: string }> = {
  "text-generation": { panel: "panel-text", label: "Text generation" },
  "feature-extraction": { panel: "panel-embed", label: "Embeddings" },
  "text-to-speech": { panel: "panel-tts", label: "Text to speech" },
  "automatic-speech-recognition": { panel: "panel-stt", label: "Speech recognition" },
  "text-to-image": { panel: "panel-image", label: "Text to image" },
  "text-to-video": { panel: "panel-media", label: "Video" },
  "text-to-audio": { panel: "panel-media", label: "Music" },
};

/** Of a model's tasks, those the page can run, in the chooser's order. */
export function panelTasks(tasks: string[]): string[] {
  return Object.keys(PANELS).filter((t) => tasks.includes(t));
}

/** The task a model opens with: text generation when it has it (what most
 *  people open a language model for), else its first one with a panel. */
export function defaultTask(tasks: string[]): string {
  return panelTasks(tasks)[0] ?? "";
}

/** The task a model opens with when a goal was chosen: the first of the
 *  goal's tasks the model does and the page has a panel for (a language
 *  model chosen to "search by meaning" opens with its embeddings); none
 *  leaves it to defaultTask. */
export function goalTask(goalTasks: readonly string[], modelTasks: string[]): string | undefined {
  const tasks = panelTasks(modelTasks);
  return goalTasks.find((t) => tasks.includes(t));
}

/** Shows the panel of task ("" hides them all). */
export function showPanel(task: string): void {
  const shown = PANELS[task]?.panel;
  for (const panel of new Set(Object.values(PANELS).map((p) => p.panel)))
    $(panel).hidden = panel !== shown;
}

/** Fills the chooser with tasks, current checked; onChoose runs when
 *  another one is chosen. No tasks: the chooser is hidden. */
export function renderChooser(tasks: string[], current: string, onChoose: (task: string) => void):
    void {
  const box = $("task-chooser");
  box.replaceChildren(box.querySelector("legend") ?? "");
  box.hidden = tasks.length === 0;
  for (const t of tasks) {
    const label = document.createElement("label");
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "run-task";
    radio.value = t;
    radio.checked = t === current;
    radio.addEventListener("change", () => radio.checked && onChoose(t));
    label.append(radio, ` ${PANELS[t].label}`);
    box.append(label);
  }
}
