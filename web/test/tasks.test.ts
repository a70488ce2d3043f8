import { describe, expect, it } from "vitest";
import { defaultTask, goalTask, panelTasks } from "../src/tasks";

describe("the task chooser's tasks", () => {
  it("offers the tasks with a panel, text generation first", () => {
    expect(panelTasks(["feature-extraction", "text-generation", "image-text-to-text"]))
      .toEqual(["text-generation", "feature-extraction"]);
    expect(defaultTask(["feature-extraction", "text-generation"])).toBe("text-generation");
    expect(defaultTask(["automatic-speech-recognition"])).toBe("automatic-speech-recognition");
    expect(defaultTask(["image-text-to-text"])).toBe("");
  });
});

describe("the task a goal opens a model with", () => {
  it("offers video and music in the Make panel", () => {
    expect(panelTasks(["text-to-audio", "text-to-video"])).toEqual(["text-to-video",
                                                                     "text-to-audio"]);
    expect(defaultTask(["text-to-video"])).toBe("text-to-video");
    expect(defaultTask(["text-to-audio"])).toBe("text-to-audio");
  });

  it("is the goal's first task the model does, when the page has its panel", () => {
    expect(goalTask(["text-to-video"], ["text-to-video"])).toBe("text-to-video");
    expect(goalTask(["feature-extraction"], ["text-generation", "feature-extraction"]))
      .toBe("feature-extraction");
    expect(goalTask(["text-generation", "image-text-to-text"], ["image-text-to-text"]))
      .toBeUndefined();
    expect(goalTask(["text-to-audio"], ["text-generation"])).toBeUndefined();
  });
});
