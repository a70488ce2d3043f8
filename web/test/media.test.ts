// The Make panel's pure parts (video and music): what the page offers for
// the length, the request it sends from the form, what it stops before
// sending, the progress line and the Download link's file name.
import { describe, expect, it } from "vitest";
import type { ModelInfo } from "../src/contracts";
import {
  durationsOf,
  fileName,
  isMediaTask,
  lengthsText,
  mediaRequest,
  percent,
  progressText,
  takesSize,
} from "../src/media";

function model(id: string, tasks: string[], settings: string[], durations?: number[]):
    Pick<ModelInfo, "id" | "capabilities"> {
  return { id, capabilities: { tasks, settings, chat: false, vision: false, gated: false,
                               context_length: 0, ...(durations ? { durations } : {}) } };
}

const clip = model("studio:clip", ["text-to-video"], ["width", "height"], [1, 2]);
const anyLength = model("studio:any", ["text-to-video"], ["width", "height"], []);
const composer = model("hf:acme/composer", ["text-to-audio"], ["use_cache", "wait_for_model"]);
const form = (f: Partial<{ prompt: string; duration: string; width: string; height: string }>) =>
  ({ prompt: "a red ball bouncing", duration: "", width: "", height: "", ...f });

describe("durationsOf", () => {
  it("offers the model's lengths, any length, or none when the model decides", () => {
    expect(durationsOf({ durations: [1, 2] })).toEqual({ kind: "list", seconds: [1, 2] });
    expect(durationsOf({ durations: [] })).toEqual({ kind: "any" });
    expect(durationsOf({})).toEqual({ kind: "model" });
  });

  it("says the lengths as people read them", () => {
    expect(lengthsText([1])).toBe("1 second");
    expect(lengthsText([8])).toBe("8 seconds");
    expect(lengthsText([1, 2])).toBe("1 or 2 seconds");
    expect(lengthsText([4, 8, 12])).toBe("4, 8 or 12 seconds");
  });
});

describe("mediaRequest", () => {
  it("sends the prompt, the length chosen and the size for a video", () => {
    expect(mediaRequest(clip, "text-to-video", form({ duration: "1", width: "32", height: " 18" })))
      .toEqual({ errors: [], request: {
        model_id: "studio:clip", task: "text-to-video",
        inputs: { text: "a red ball bouncing", duration: 1 },
        settings: { width: 32, height: 18 } } });
  });

  it("sends neither length nor size when they are left to the model", () => {
    expect(mediaRequest(clip, "text-to-video", form({ prompt: "  waves  " })).request)
      .toEqual({ model_id: "studio:clip", task: "text-to-video", inputs: { text: "waves" } });
  });

  it("takes any whole number of seconds from a model that makes any length", () => {
    expect(mediaRequest(anyLength, "text-to-video", form({ duration: "7" })).request?.inputs)
      .toEqual({ text: "a red ball bouncing", duration: 7 });
    expect(mediaRequest(anyLength, "text-to-video", form({ duration: "0" })).errors)
      .toEqual(["length must be 1 to 600 seconds"]);
    expect(mediaRequest(anyLength, "text-to-video", form({ duration: "2.5s" })).errors)
      .toEqual(["length must be 1 to 600 seconds"]);
  });

  it("refuses a length the model does not make, naming those it does", () => {
    expect(mediaRequest(clip, "text-to-video", form({ duration: "3" })))
      .toEqual({ errors: ["length: this model makes 1 or 2 seconds only"] });
  });

  it("never sends a length or a size to music that decides its own", () => {
    expect(mediaRequest(composer, "text-to-audio",
                        form({ prompt: "a calm piano", duration: "5", width: "9", height: "9" })))
      .toEqual({ errors: [], request: { model_id: "hf:acme/composer", task: "text-to-audio",
                                        inputs: { text: "a calm piano" } } });
  });

  it("stops an empty prompt and half a size before any request, naming them", () => {
    expect(mediaRequest(clip, "text-to-video", form({ prompt: " \n " })))
      .toEqual({ errors: ["prompt: say what video to make"] });
    expect(mediaRequest(composer, "text-to-audio", form({ prompt: "" })).errors)
      .toEqual(["prompt: say what music to make"]);
    expect(mediaRequest(clip, "text-to-video", form({ prompt: "", width: "32" })).errors)
      .toEqual(["prompt: say what video to make",
                "height is empty: give both width and height, or neither"]);
    expect(mediaRequest(clip, "text-to-video", form({ width: "wide", height: "0" })).errors)
      .toEqual(["width must be 1 to 16384", "height must be 1 to 16384"]);
  });

  it("offers a size only for video from a model that takes width and height", () => {
    expect(takesSize(clip.capabilities, "text-to-video")).toBe(true);
    expect(takesSize(model("x", ["text-to-video"], ["width"]).capabilities, "text-to-video"))
      .toBe(false);
    expect(takesSize(clip.capabilities, "text-to-audio")).toBe(false);
  });
});

describe("progress", () => {
  it("says the provider's state and its percent, whole and within 0 to 100", () => {
    expect(progressText({ state: "in_progress", progress: 50 })).toBe("in_progress 50%");
    expect(progressText({ state: "queued", progress: 0 })).toBe("queued 0%");
    expect(progressText({ state: "in_progress", progress: 33.4 })).toBe("in_progress 33%");
    expect(percent(140)).toBe(100);
    expect(percent(-3)).toBe(0);
    expect(percent(Number.NaN)).toBe(0);
  });
});

describe("fileName", () => {
  it("names the download by the task and the file's type", () => {
    expect(fileName("text-to-video", "video/mp4")).toBe("switchyard-video.mp4");
    expect(fileName("text-to-video", "video/quicktime")).toBe("switchyard-video.mov");
    expect(fileName("text-to-video", "video/webm")).toBe("switchyard-video.webm");
    expect(fileName("text-to-audio", "audio/wav")).toBe("switchyard-audio.wav");
    expect(fileName("text-to-audio", "audio/x-wav")).toBe("switchyard-audio.wav");
    expect(fileName("text-to-audio", "audio/mpeg")).toBe("switchyard-audio.mp3");
    expect(fileName("text-to-audio", "audio/flac; rate=44100")).toBe("switchyard-audio.flac");
    expect(fileName("text-to-audio", "audio/mp4")).toBe("switchyard-audio.m4a");
    expect(fileName("text-to-audio", "audio/opus")).toBe("switchyard-audio.opus");
    expect(fileName("text-to-video", "application/octet-stream")).toBe("switchyard-video.bin");
    expect(fileName("text-to-video", "")).toBe("switchyard-video.bin");
  });

  it("knows the media tasks", () => {
    expect(isMediaTask("text-to-video")).toBe(true);
    expect(isMediaTask("text-to-audio")).toBe(true);
    expect(isMediaTask("text-to-speech")).toBe(false);
  });
});
