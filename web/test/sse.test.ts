import { describe, expect, it } from "vitest";
import { SseParser } from "../src/sse";

describe("SseParser", () => {
  it("reads events split anywhere, even inside a line", () => {
    const text = 'event: token\ndata: {"text":"Hel"}\n\nevent: done\r\ndata: {}\r\n\r\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const events = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(events).toEqual([
        { event: "token", data: '{"text":"Hel"}' },
        { event: "done", data: "{}" },
      ]);
    }
  });

  it("joins data lines and skips comments", () => {
    const p = new SseParser();
    expect(p.push(": heartbeat\ndata: a\ndata: b\n\ndata:c\n\n")).toEqual([
      { event: "", data: "a\nb" },
      { event: "", data: "c" },
    ]);
  });

  it("keeps an unfinished event until its blank line", () => {
    const p = new SseParser();
    expect(p.push("data: [DONE]\n")).toEqual([]);
    expect(p.push("\n")).toEqual([{ event: "", data: "[DONE]" }]);
  });
});
