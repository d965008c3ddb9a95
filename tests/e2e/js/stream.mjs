// Stream one 16 kHz mono PCM16 WAV through the official AssemblyAI JS SDK (StreamingTranscriber)
// and print every event as one JSON line on stdout. Used by tests/e2e/test_serve_process.py.
//
// Environment: HS_URL (wss://HOST:PORT/v3/ws), HS_KEY (API key), HS_WAV (path),
// HS_AUTH=key|token (token: mint a temporary token with the SDK first, then connect with ?token=),
// NODE_EXTRA_CA_CERTS (the test's self-signed certificate).
import { readFileSync } from "node:fs";
import { AssemblyAI, StreamingTranscriber } from "assemblyai";

const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

function pcmFromWav(path) {
  const buf = readFileSync(path);
  let off = 12; // RIFF header
  while (off + 8 <= buf.length) {
    const id = buf.toString("ascii", off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === "data") return buf.subarray(off + 8, off + 8 + size);
    off += 8 + size + (size % 2);
  }
  throw new Error("no data chunk in " + path);
}

const url = process.env.HS_URL;
const key = process.env.HS_KEY;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

try {
  const options = { websocketBaseUrl: url, sampleRate: 16000, formatTurns: true, connectTimeout: 10000 };
  if (process.env.HS_AUTH === "token") {
    const base = new URL(url);
    const client = new AssemblyAI({ apiKey: key, streamingBaseUrl: `https://${base.host}` });
    options.token = await client.streaming.createTemporaryToken({ expires_in_seconds: 60 });
    out({ event: "token", length: options.token.length });
  } else {
    options.apiKey = key;
  }
  const t = new StreamingTranscriber(options);
  t.on("open", (e) => out({ event: "begin", id: e.id, expires_at: e.expires_at }));
  t.on("turn", (e) => out({ event: "turn", turn_order: e.turn_order, end_of_turn: e.end_of_turn,
                            turn_is_formatted: e.turn_is_formatted, transcript: e.transcript }));
  t.on("error", (e) => out({ event: "error", message: String(e && e.message ? e.message : e) }));
  t.on("close", (code, reason) => out({ event: "close", code, reason }));
  await t.connect();
  // The SDK has no Termination event; watch the frames on its socket to see it arrive.
  t.socket.addEventListener("message", ({ data }) => {
    const msg = JSON.parse(data.toString());
    if (msg.type === "Termination") out({ event: "termination", audio_duration_seconds: msg.audio_duration_seconds });
  });
  const pcm = pcmFromWav(process.env.HS_WAV);
  const step = 3200; // 100 ms
  for (let i = 0; i < pcm.length; i += step) {
    t.sendAudio(pcm.subarray(i, i + step));
    await sleep(25); // 4x real time: quick, and within any sensible rate limit
  }
  const terminated = await t.close(true, 120000);
  out({ event: "closed", terminated });
  process.exit(0);
} catch (err) {
  out({ event: "fatal", message: String(err && err.stack ? err.stack : err) });
  process.exit(1);
}
