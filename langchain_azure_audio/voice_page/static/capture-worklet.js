// Microphone capture: whatever the device rate, posts 24 kHz mono pcm16 frames of 40 ms.
import { StreamResampler, floatToPcm16 } from "./resampler.js";

const TARGET_RATE = 24000;
const FRAME = 960; // 40 ms at 24 kHz

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.resampler = new StreamResampler(sampleRate, TARGET_RATE);
    this.pending = new Float32Array(0);
    this.peak = 0;
    this.running = true;
    this.port.onmessage = (e) => {
      if (e.data && e.data.type === "stop") this.running = false;
    };
  }

  process(inputs) {
    if (!this.running) return false;
    const input = inputs[0];
    if (!input || input.length === 0 || !input[0]) return true;
    // Mix down to mono.
    let mono = input[0];
    if (input.length > 1) {
      mono = new Float32Array(input[0].length);
      for (const channel of input) for (let i = 0; i < channel.length; i++) mono[i] += channel[i] / input.length;
    }
    for (let i = 0; i < mono.length; i++) this.peak = Math.max(this.peak, Math.abs(mono[i]));
    const resampled = this.resampler.process(mono);
    const joined = new Float32Array(this.pending.length + resampled.length);
    joined.set(this.pending);
    joined.set(resampled, this.pending.length);
    let offset = 0;
    while (joined.length - offset >= FRAME) {
      const pcm = floatToPcm16(joined.subarray(offset, offset + FRAME));
      this.port.postMessage({ type: "frame", pcm: pcm.buffer, peak: this.peak }, [pcm.buffer]);
      this.peak = 0;
      offset += FRAME;
    }
    this.pending = joined.slice(offset);
    return true;
  }
}

registerProcessor("voice-capture", CaptureProcessor);
