import { describe, expect, it } from "vitest";
import { encodeWav } from "../src/wav";

describe("encodeWav", () => {
  it("writes a mono 16-bit PCM WAV with the frames joined and clamped", async () => {
    const blob = encodeWav([new Float32Array([0, 1, -1]), new Float32Array([0.5, 2])], 16000);
    const v = new DataView(await blob.arrayBuffer());
    const text = (at: number, n: number) =>
      String.fromCharCode(...new Uint8Array(v.buffer, at, n));
    expect(text(0, 4)).toBe("RIFF");
    expect(text(8, 4)).toBe("WAVE");
    expect(v.getUint32(4, true)).toBe(36 + 10);
    expect(v.getUint16(20, true)).toBe(1); // PCM
    expect(v.getUint16(22, true)).toBe(1); // mono
    expect(v.getUint32(24, true)).toBe(16000);
    expect(v.getUint16(34, true)).toBe(16);
    expect(text(36, 4)).toBe("data");
    expect(v.getUint32(40, true)).toBe(10);
    const samples = [0, 1, 2, 3, 4].map((i) => v.getInt16(44 + 2 * i, true));
    expect(samples).toEqual([0, 32767, -32768, 16383, 32767]);
    expect(blob.type).toBe("audio/wav");
  });
});
