import { describe, expect, it } from "vitest";
import { checkSettings, honoured } from "../src/settings";

describe("checkSettings", () => {
  it("accepts values inside the server's bounds and leaves empty ones out", () => {
    const c = checkSettings({ temperature: "0.7", top_p: "1", max_new_tokens: "64", seed: "" });
    expect(c.errors).toEqual({});
    expect(c.settings).toEqual({ temperature: 0.7, top_p: 1, max_new_tokens: 64 });
  });

  it("names the field and its range for values the server would refuse", () => {
    const c = checkSettings({
      temperature: "2.5",
      top_p: "0",
      top_k: "-1",
      max_new_tokens: "1.5",
      seed: "abc",
    });
    expect(Object.keys(c.errors).sort()).toEqual(
      ["max_new_tokens", "seed", "temperature", "top_k", "top_p"],
    );
    expect(c.errors.temperature).toContain("from 0 to 2");
    expect(c.errors.top_p).toContain("above 0");
    expect(c.errors.max_new_tokens).toContain("whole number");
    expect(c.settings).toEqual({});
  });

  it("knows which settings a model honours", () => {
    expect(honoured(["temperature"], "temperature")).toBe(true);
    expect(honoured(["temperature"], "top_k")).toBe(false);
    expect(honoured(undefined, "top_k")).toBe(true);
  });
});
