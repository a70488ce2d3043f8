// wav.ts -- recorded samples as a WAV file (16-bit PCM, mono), the one
// format every speech engine here reads; the server resamples it.

/** Joins Float32 frames ([-1, 1]) and encodes them as a mono 16-bit WAV. */
export function encodeWav(frames: Float32Array[], sampleRate: number): Blob {
  const n = frames.reduce((sum, f) => sum + f.length, 0);
  const buf = new ArrayBuffer(44 + n * 2);
  const v = new DataView(buf);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i));
  };
  ascii(0, "RIFF");
  v.setUint32(4, 36 + n * 2, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  v.setUint32(16, 16, true); // fmt chunk size
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true); // bytes per second
  v.setUint16(32, 2, true); // bytes per frame
  v.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  v.setUint32(40, n * 2, true);
  let at = 44;
  for (const f of frames)
    for (const x of f) {
      const clamped = Math.max(-1, Math.min(1, x));
      v.setInt16(at, clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff, true);
      at += 2;
    }
  return new Blob([buf], { type: "audio/wav" });
}
