// stt.ts -- the Listen panel (automatic-speech-recognition): an audio file
// or a microphone recording, and only the options the chosen model takes
// (capabilities.speech): a language when it knows more than one, a prompt,
// translation into English, expected phrases. A hidden option is never sent,
// so the server's 422 for an option a model cannot honour does not happen
// from here.

import { transcribe, type TranscribeOptions } from "./client";
import type { ModelInfo } from "./contracts";
import { $, clearMessages, showError } from "./page";
import { Recorder } from "./recorder";

let recorder: Recorder | null = null;
let recording: Blob | null = null; // the last recording, used unless a file is chosen

/** A language code as people read it ("German (de)"); the code alone when
 *  the browser does not know it. */
function languageName(code: string, names: Intl.DisplayNames): string {
  try {
    const name = names.of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code; // not a well-formed tag
  }
}

/** Shows the options m takes, emptied for the new model. */
export function setupStt(m: ModelInfo): void {
  const sp = m.capabilities.speech;
  const languages = sp?.languages ?? [];
  const select = $<HTMLSelectElement>("stt-language");
  const names = new Intl.DisplayNames(["en"], { type: "language" });
  select.replaceChildren(new Option("detect automatically", ""),
                         ...languages.map((l) => new Option(languageName(l, names), l)));
  $("stt-language-field").hidden = languages.length < 2;
  $("stt-prompt-field").hidden = !sp?.prompt;
  $("stt-translate-field").hidden = !sp?.translate;
  $("stt-phrases-field").hidden = !sp?.phrases;
  $<HTMLTextAreaElement>("stt-prompt").value = "";
  $<HTMLInputElement>("stt-translate").checked = false;
  $("segments").replaceChildren();
}

/** The options as set, for the fields m shows. */
function options(m: ModelInfo): TranscribeOptions {
  const sp = m.capabilities.speech;
  const out: TranscribeOptions = {};
  if ((sp?.languages.length ?? 0) > 1) out.language = $<HTMLSelectElement>("stt-language").value;
  if (sp?.prompt) out.prompt = $<HTMLTextAreaElement>("stt-prompt").value.trim();
  if (sp?.translate) out.translate = $<HTMLInputElement>("stt-translate").checked;
  if (sp?.phrases)
    out.phrases = $<HTMLTextAreaElement>("stt-phrases").value.split("\n").map((p) => p.trim())
      .filter((p) => p);
  return out;
}

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

/** Transcribes the chosen file (or the recording) with m. Returns whether
 *  a request was sent. */
export async function runTranscribe(m: ModelInfo): Promise<boolean> {
  clearMessages();
  const file = $<HTMLInputElement>("stt-file").files?.[0] ?? recording;
  if (!file) {
    $("error").textContent = "Choose an audio file or record one first.";
    return false;
  }
  const opts = options(m);
  const list = $("segments");
  list.replaceChildren();
  const words: string[] = [];
  try {
    const t = await transcribe(m.id, file, opts, (s) => {
      const li = document.createElement("li");
      li.textContent = `[${s.start.toFixed(2)}–${s.end.toFixed(2)} s] ${s.text}`;
      list.append(li);
      words.push(s.text.trim());
    });
    $("status").textContent = `"${words.join(" ")}" · ${t.audio_seconds.toFixed(2)} s of audio` +
      (opts.translate ? " · in English" : "");
  } catch (e) {
    showError(e);
  }
  return true;
}

/** Wires the recorder; a file chosen afterwards wins over a recording. */
export function initStt(): void {
  $("record-button").addEventListener("click", () => void toggleRecording());
  $("stt-file").addEventListener("change", () => (recording = null));
}
