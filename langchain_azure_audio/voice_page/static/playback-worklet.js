// Gapless playback of 24 kHz pcm16 at the device rate, with exact played-sample counts.
// Chunks are queued back to back and read by one continuous interpolating cursor, so there is
// no seam between network pieces; "stop" empties the queue within one render quantum (~3 ms)
// and reports how much of the item was actually played.
const SOURCE_RATE = 24000;
const PREBUFFER = 1440; // 60 ms at 24 kHz before starting from silence
const MAX_WAIT_QUANTA = 40; // start anyway after ~100 ms with something queued

class PlaybackProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = []; // {item, data: Float32Array, offset}
    this.queued = 0;
    this.frac = 0;
    this.step = SOURCE_RATE / sampleRate;
    this.playing = false;
    this.waited = 0;
    this.playedByItem = new Map();
    this.currentItem = null;
    this.totalPlayed = 0;
    this.underruns = 0;
    this.quanta = 0;
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  onMessage(msg) {
    if (msg.type === "push") {
      const pcm = new Int16Array(msg.pcm);
      const data = new Float32Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) data[i] = pcm[i] / 32768;
      this.queue.push({ item: msg.item, data, offset: 0 });
      this.queued += data.length;
    } else if (msg.type === "stop") {
      const item = this.currentItem;
      const dropped = this.queued;
      this.queue = [];
      this.queued = 0;
      this.frac = 0;
      this.playing = false;
      this.port.postMessage({
        type: "stopped",
        item,
        playedSamples: item ? this.playedByItem.get(item) || 0 : 0,
        droppedSamples: dropped,
        totalPlayed: this.totalPlayed,
        reason: msg.reason || "",
      });
    }
  }

  peek(k) {
    let n = k;
    for (const chunk of this.queue) {
      const left = chunk.data.length - chunk.offset;
      if (n < left) return chunk.data[chunk.offset + n];
      n -= left;
    }
    return null;
  }

  advance() {
    const chunk = this.queue[0];
    chunk.offset += 1;
    this.queued -= 1;
    this.totalPlayed += 1;
    if (chunk.item !== this.currentItem) this.currentItem = chunk.item;
    this.playedByItem.set(chunk.item, (this.playedByItem.get(chunk.item) || 0) + 1);
    if (chunk.offset >= chunk.data.length) this.queue.shift();
  }

  process(_inputs, outputs) {
    const out = outputs[0][0];
    const wasPlaying = this.playing;
    if (!this.playing && this.queued > 0) {
      this.waited += 1;
      if (this.queued >= PREBUFFER || this.waited >= MAX_WAIT_QUANTA) this.playing = true;
    }
    if (this.playing) {
      for (let n = 0; n < out.length; n++) {
        if (this.queued === 0) {
          out[n] = 0;
          continue;
        }
        const s0 = this.peek(0);
        const s1 = this.queued > 1 ? this.peek(1) : s0;
        out[n] = s0 + (s1 - s0) * this.frac;
        this.frac += this.step;
        while (this.frac >= 1 && this.queued > 0) {
          this.advance();
          this.frac -= 1;
        }
      }
      for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
      if (this.queued === 0) {
        this.playing = false;
        this.waited = 0;
        this.frac = 0;
        this.port.postMessage({ type: "drained", item: this.currentItem, totalPlayed: this.totalPlayed });
      }
    }
    this.quanta += 1;
    if ((this.playing || wasPlaying) && this.quanta % 8 === 0) {
      this.port.postMessage({
        type: "progress",
        item: this.currentItem,
        playedSamples: this.currentItem ? this.playedByItem.get(this.currentItem) || 0 : 0,
        totalPlayed: this.totalPlayed,
        queued: this.queued,
      });
    }
    return true;
  }
}

registerProcessor("voice-playback", PlaybackProcessor);
