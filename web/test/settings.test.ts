import { describe, expect, it } from "vitest";
import { checkProviderOptions, checkSettings, honoured, stopSequences } from "../src/settings";

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

describe("provider options and stop sequences", () => {
  it("takes an object, and blocks anything else with the reason", () => {
    expect(checkProviderOptions("")).toEqual({});
    expect(checkProviderOptions(' {"top_k": 20} ')).toEqual({ value: { top_k: 20 } });
    expect(checkProviderOptions("{top_k: 20}").error).toContain("not valid JSON");
    expect(checkProviderOptions("[1]").error).toContain("JSON object");
    expect(checkProviderOptions("null").error).toContain("JSON object");
  });

  it("reads one stop sequence per line, spaces kept", () => {
    expect(stopSequences("\n###\n User:\n")).toEqual(["###", " User:"]);
  });

  it("checks the penalties with the server's bounds", () => {
    const c = checkSettings({ repetition_penalty: "0", presence_penalty: "-2", frequency_penalty: "3" });
    expect(Object.keys(c.errors).sort()).toEqual(["frequency_penalty", "repetition_penalty"]);
    expect(c.settings).toEqual({ presence_penalty: -2 });
  });
});
