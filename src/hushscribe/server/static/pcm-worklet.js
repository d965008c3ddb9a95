// AudioWorklet: microphone samples (context rate, usually 16 kHz because the page asks for it) ->
// 16 kHz mono PCM16 little-endian, posted to the page in 100 ms chunks (3200 bytes).
// Runs in the audio rendering thread; `sampleRate` is the AudioContext's rate.
const TARGET_RATE = 16000;
const CHUNK_SAMPLES = 1600; // 100 ms at 16 kHz (the protocol accepts 50-1000 ms per message)

class PcmWorklet extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / TARGET_RATE; // input samples per output sample
    this.pos = 0; // fractional read position into the pending input
    this.pending = new Float32Array(0);
    this.out = new Int16Array(CHUNK_SAMPLES);
    this.fill = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    // Mix down to mono.
    const n = input[0].length;
    const mono = new Float32Array(n);
    for (const ch of input) for (let i = 0; i < n; i++) mono[i] += ch[i] / input.length;
    let src = mono;
    if (this.pending.length) {
      src = new Float32Array(this.pending.length + n);
      src.set(this.pending);
      src.set(mono, this.pending.length);
    }
    // Linear-interpolation resampler (a no-op copy when the context already runs at 16 kHz).
    while (this.pos + 1 < src.length || (this.step === 1 && this.pos < src.length)) {
      const i = Math.floor(this.pos);
      const frac = this.pos - i;
      const a = src[i];
      const b = i + 1 < src.length ? src[i + 1] : a;
      const v = Math.max(-1, Math.min(1, a + (b - a) * frac));
      this.out[this.fill++] = v < 0 ? v * 0x8000 : v * 0x7fff;
      if (this.fill === CHUNK_SAMPLES) {
        const chunk = this.out;
        this.port.postMessage(chunk.buffer, [chunk.buffer]);
        this.out = new Int16Array(CHUNK_SAMPLES);
        this.fill = 0;
      }
      this.pos += this.step;
    }
    const keep = Math.floor(this.pos);
    this.pending = src.slice(keep);
    this.pos -= keep;
    return true;
  }
}

registerProcessor("pcm-worklet", PcmWorklet);
