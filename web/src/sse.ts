// sse.ts -- Server-Sent Events, parsed incrementally from a fetch() body.
//
// EventSource cannot POST, so the playground reads /api/inference/stream
// with fetch and feeds the decoded text here piece by piece; events may be
// split anywhere, even inside a line.

export interface SseEvent {
  event: string; // "" when the event names none
  data: string; // data lines joined with "\n"
}

export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];

  /** Adds text; returns the events it completed, in order. */
  push(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const nl = this.buffer.search(/\r\n|\r|\n/);
      // A lone "\r" at the end may be half of "\r\n": wait for the next piece.
      if (nl < 0 || (nl === this.buffer.length - 1 && this.buffer[nl] === "\r")) break;
      const line = this.buffer.slice(0, nl);
      const eol = this.buffer.startsWith("\r\n", nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + eol);
      if (line === "") {
        if (this.data.length > 0) out.push({ event: this.event, data: this.data.join("\n") });
        this.event = "";
        this.data = [];
        continue;
      }
      if (line.startsWith(":")) continue; // a comment (heartbeat)
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") this.event = value;
      else if (field === "data") this.data.push(value);
    }
    return out;
  }
}
