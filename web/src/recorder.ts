// recorder.ts -- the microphone, recorded as raw samples through an
// AudioWorklet (MediaRecorder would give WebM, which the server's audio
// library does not read), then encoded as WAV.

import { encodeWav } from "./wav";

// The worklet copies each block of the first channel to the page.
const WORKLET = `
registerProcessor("switchyard-capture", class extends AudioWorkletProcessor {
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) this.port.postMessage(ch.slice(0));
    return true;
  }
});`;

export class Recorder {
  private frames: Float32Array[] = [];
  private samples = 0;
  private constructor(
    private readonly ctx: AudioContext,
    private readonly stream: MediaStream,
    private readonly node: AudioWorkletNode,
  ) {}

  /** Asks for the microphone and starts recording; onProgress gets the
   *  seconds recorded so far. Rejects with the browser's reason (no device,
   *  permission refused, not a secure page). */
  static async start(onProgress: (seconds: number) => void): Promise<Recorder> {
    if (!navigator.mediaDevices?.getUserMedia)
      throw new Error("this page cannot use a microphone (it needs https or localhost)");
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false },
    });
    const ctx = new AudioContext();
    const url = URL.createObjectURL(new Blob([WORKLET], { type: "application/javascript" }));
    try {
      await ctx.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    const node = new AudioWorkletNode(ctx, "switchyard-capture");
    const r = new Recorder(ctx, stream, node);
    node.port.onmessage = (e: MessageEvent<Float32Array>) => {
      r.frames.push(e.data);
      r.samples += e.data.length;
      onProgress(r.samples / ctx.sampleRate);
    };
    ctx.createMediaStreamSource(stream).connect(node);
    return r;
  }

  /** Stops the microphone; the recording as a WAV file. */
  async stop(): Promise<Blob> {
    for (const t of this.stream.getTracks()) t.stop();
    this.node.port.onmessage = null;
    const rate = this.ctx.sampleRate;
    await this.ctx.close();
    return encodeWav(this.frames, rate);
  }
}
