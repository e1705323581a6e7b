// Streaming resampler (windowed sinc) for the voice page's audio worklets.
// Keeps its state between blocks, so a stream cut into any block sizes resamples without seams.
// Downsampling low-passes at the output's Nyquist frequency first (no aliasing of the
// microphone's 8-24 kHz band into speech).

export class StreamResampler {
  /**
   * @param {number} inRate  input sample rate (Hz)
   * @param {number} outRate output sample rate (Hz)
   * @param {number} zeros   zero crossings of the sinc on each side (quality vs. cost)
   */
  constructor(inRate, outRate, zeros = 8) {
    this.inRate = inRate;
    this.outRate = outRate;
    this.step = inRate / outRate; // input samples per output sample
    this.cutoff = Math.min(1, outRate / inRate) * 0.92; // fraction of the input Nyquist
    this.half = Math.ceil(zeros / this.cutoff); // kernel half-width, input samples
    this.passthrough = inRate === outRate;
    this.buffer = new Float32Array(this.half); // leading zeros: the kernel's history
    this.pos = this.half; // where the next output sample sits, in buffer coordinates
  }

  /** Resample one block; returns the output samples it completes (Float32Array). */
  process(input) {
    if (this.passthrough) return Float32Array.from(input);
    const joined = new Float32Array(this.buffer.length + input.length);
    joined.set(this.buffer);
    joined.set(input, this.buffer.length);
    const out = [];
    const half = this.half;
    const cutoff = this.cutoff;
    while (this.pos + half < joined.length) {
      const center = this.pos;
      const first = Math.ceil(center - half);
      const last = Math.floor(center + half);
      let sum = 0;
      let weights = 0;
      for (let i = first; i <= last; i++) {
        const d = i - center;
        const x = d * cutoff;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const window = 0.5 + 0.5 * Math.cos((Math.PI * d) / (half + 1)); // Hann
        const w = sinc * window;
        sum += joined[i] * w;
        weights += w;
      }
      out.push(weights ? sum / weights : 0);
      this.pos += this.step;
    }
    const keepFrom = Math.max(0, Math.floor(this.pos - half) - 1);
    this.buffer = joined.slice(keepFrom);
    this.pos -= keepFrom;
    return Float32Array.from(out);
  }
}

/** Float samples in [-1, 1] to little-endian pcm16. */
export function floatToPcm16(samples) {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    out[i] = s < 0 ? Math.round(s * 32768) : Math.round(s * 32767);
  }
  return out;
}
