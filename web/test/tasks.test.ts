import { describe, expect, it } from "vitest";
import { defaultTask, panelTasks } from "../src/tasks";

describe("the task chooser's tasks", () => {
  it("offers the tasks with a panel, text generation first", () => {
    expect(panelTasks(["feature-extraction", "text-generation", "image-text-to-text"]))
      .toEqual(["text-generation", "feature-extraction"]);
    expect(defaultTask(["feature-extraction", "text-generation"])).toBe("text-generation");
    expect(defaultTask(["automatic-speech-recognition"])).toBe("automatic-speech-recognition");
    expect(defaultTask(["image-text-to-text"])).toBe("");
  });
});
