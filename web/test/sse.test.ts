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

describe("SseParser with a long line", () => {
  it("reads an event of megabytes sent in small pieces, quickly", () => {
    const data = "A".repeat(8 << 20);
    const text = `event: video\ndata: {"video":"${data}"}\r\n\r\nevent: done\ndata: {}\n\n`;
    const p = new SseParser();
    const events = [];
    const started = performance.now();
    for (let i = 0; i < text.length; i += 16384) events.push(...p.push(text.slice(i, i + 16384)));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(events.map((e) => e.event)).toEqual(["video", "done"]);
    expect(events[0].data).toBe(`{"video":"${data}"}`);
  });

  it("takes a \\r at the end of a piece as a line end, and a \\n after it as the same one", () => {
    const p = new SseParser();
    expect(p.push("data: a\r")).toEqual([]);
    expect(p.push("")).toEqual([]);
    expect(p.push("\n\r")).toEqual([{ event: "", data: "a" }]);
    expect(p.push("data: b\n\n")).toEqual([{ event: "", data: "b" }]);
  });
});
