// sse.ts -- Server-Sent Events, parsed incrementally from a fetch() body.
//
// EventSource cannot POST, so the playground reads /api/inference/stream
// with fetch and feeds the decoded text here piece by piece; events may be
// split anywhere, even inside a line. A line may be very long (a video is
// one event of base64, many megabytes): each piece is searched once, and a
// line is joined only when it ends.

export interface SseEvent {
  event: string; // "" when the event names none
  data: string; // data lines joined with "\n"
}

export class SseParser {
  private partial: string[] = []; // the line so far: no line end in it yet
  private cr = false; // the last line ended with "\r": a "\n" next is part of it
  private event = "";
  private data: string[] = [];

  /** Adds text; returns the events it completed, in order. */
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    let at = 0;
    if (text && this.cr && text[0] === "\n") at = 1; // the rest of "\r\n"
    if (text) this.cr = false;
    const eol = /\r\n|\r|\n/g;
    for (;;) {
      eol.lastIndex = at;
      const m = eol.exec(text);
      if (!m) {
        if (at < text.length) this.partial.push(text.slice(at));
        break;
      }
      this.partial.push(text.slice(at, m.index));
      const line = this.partial.join("");
      this.partial = [];
      at = m.index + m[0].length;
      if (m[0] === "\r" && at === text.length) this.cr = true;
      this.line(line, out);
    }
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === "") {
      if (this.data.length > 0) out.push({ event: this.event, data: this.data.join("\n") });
      this.event = "";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return; // a comment (heartbeat)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
  }
}
