// hushscribe demo page: microphone -> AudioWorklet (16 kHz PCM16, 100 ms chunks) -> /v3/ws.
// Plain JavaScript, no dependencies. The page never sees an API key: it asks this server for a
// short-lived single-use token (/demo/token) and passes it as ?token= (browsers cannot set headers
// on WebSockets).
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  start: $("start"), stop: $("stop"), clear: $("clear"), status: $("status"), error: $("error"),
  transcript: $("transcript"),
};
const OPTION_IDS = ["redact_pii", "redact_pii_sub", "redact_pii_policies", "redact_pii_partials",
  "include_partial_turns", "format_turns", "speech_model"];

// Close codes and what they mean for a person (AssemblyAI's codes, docs/protocol.md).
const CLOSE_WORDS = {
  1000: "The session ended.",
  1006: "The connection to the server was lost.",
  1008: "The server did not accept the session's token. Reload the page and try again.",
  3005: "The server could not transcribe the audio (engine error).",
  3006: "The server refused an option.",
  3007: "The server refused the audio format.",
  3008: "The session reached its maximum duration.",
  3009: "The server is busy (too many sessions). Try again in a moment.",
};

let session = null; // {ws, ctx, stream, node, stopping}
let turnEls = new Map(); // turn_order -> element (per session)
let sessionNo = 0;

function setStatus(text, kind) {
  ui.status.textContent = text;
  ui.status.className = "status " + kind;
}

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = !text;
}

function setRunning(running) {
  ui.start.disabled = running;
  ui.stop.disabled = !running;
  for (const id of OPTION_IDS) $(id).disabled = running;
}

function queryString(token) {
  const q = new URLSearchParams({ sample_rate: "16000", encoding: "pcm_s16le", token });
  q.set("speech_model", $("speech_model").value);
  // Multilingual sessions: ask for each final's language, shown as a badge before the turn.
  if ($("speech_model").value === "universal-streaming-multilingual") q.set("language_detection", "true");
  q.set("format_turns", String($("format_turns").checked));
  q.set("include_partial_turns", String($("include_partial_turns").checked));
  if ($("redact_pii").checked) {
    q.set("redact_pii", "true");
    q.set("redact_pii_sub", $("redact_pii_sub").value);
    const policies = $("redact_pii_policies").value.split(/[\s,]+/).filter(Boolean);
    if (policies.length) q.set("redact_pii_policies", policies.join(","));
    if ($("redact_pii_partials").checked) q.set("redact_pii_partials", "true");
  }
  return q.toString();
}

// What the redactor put in a word: a [POLICY_NAME] label or a run of '#' (hash substitution, punctuation
// kept inside: ###-###-####). Punctuation around it stays outside the highlight.
const PII_PART = /^([^\[#]*)(\[[A-Z0-9_]+\]|#(?:\S*#)?)(.*)$/;

function renderTurn(el, msg) {
  const final = msg.end_of_turn;
  el.className = "turn " + (final ? "final" : "partial");
  el.dataset.turnOrder = String(msg.turn_order);
  el.dataset.formatted = String(Boolean(msg.turn_is_formatted));
  el.replaceChildren();
  if (final && msg.language_code) {
    const badge = document.createElement("span");
    badge.className = "lang";
    badge.textContent = msg.language_code;
    badge.title = `detected language (confidence ${Number(msg.language_confidence ?? 0).toFixed(2)})`;
    el.append(badge, " ");
  }
  // Finals: the whole transcript. Partials: every word so far (the transcript holds only the
  // finalized prefix), so the grey text follows speech.
  const words = final ? msg.transcript.split(/\s+/) : msg.words.map((w) => w.text);
  words.filter(Boolean).forEach((word, i) => {
    if (i) el.append(" ");
    const m = PII_PART.exec(word);
    if (m) {
      const mark = document.createElement("mark");
      mark.className = "pii";
      mark.textContent = m[2];
      mark.title = "hidden personal information";
      el.append(m[1], mark, m[3]);
    } else {
      el.append(word);
    }
  });
}

function onTurn(msg) {
  const key = sessionNo + ":" + msg.turn_order;
  let el = turnEls.get(key);
  if (!el) {
    if (!msg.end_of_turn && msg.words.length === 0) return;
    el = document.createElement("p");
    turnEls.set(key, el);
    ui.transcript.append(el);
  }
  // With format_turns the formatted final follows the unformatted one: it replaces it.
  if (el.classList.contains("final") && !msg.end_of_turn) return;
  renderTurn(el, msg);
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

function onMessage(ev) {
  let msg;
  try { msg = JSON.parse(ev.data); } catch { return; }
  if (msg.type === "Begin") {
    setStatus("Listening — speak now. Press Stop when you are done.", "live");
  } else if (msg.type === "Turn") {
    onTurn(msg);
  } else if (msg.type === "Termination") {
    setStatus(`Stopped. ${Math.round(msg.audio_duration_seconds)} s of audio transcribed.`, "idle");
  } else if (msg.type === "Error") {
    showError(`Server error ${msg.error_code ?? ""}: ${msg.error}`.replace("  ", " "));
  }
}

async function fetchToken() {
  const r = await fetch("/demo/token", { headers: { "X-Hushscribe-Demo": "1" }, cache: "no-store" });
  if (!r.ok) {
    let detail = "";
    try { detail = (await r.json()).error; } catch { /* not JSON */ }
    throw new Error(`The server did not hand out a session token (HTTP ${r.status}${detail ? ": " + detail : ""}).`);
  }
  return (await r.json()).token;
}

async function openMicrophone() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new Error("This browser cannot use the microphone here. Open the page over HTTPS or from " +
      "localhost (browsers allow the microphone only on secure pages).");
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
  } catch (e) {
    if (e.name === "NotAllowedError") throw new Error("Microphone access was refused. Allow it in the browser's address bar and press Start again.");
    if (e.name === "NotFoundError") throw new Error("No microphone was found. Plug one in and press Start again.");
    throw new Error(`The microphone could not be opened (${e.name}: ${e.message}).`);
  }
}

async function start() {
  showError("");
  setRunning(true);
  sessionNo += 1;
  const s = { stopping: false };
  session = s;
  try {
    setStatus("Asking for the microphone…", "busy");
    s.stream = await openMicrophone();
    setStatus("Getting a session token from the server…", "busy");
    const token = await fetchToken();
    s.ctx = new AudioContext({ sampleRate: 16000 });
    await s.ctx.audioWorklet.addModule("/static/pcm-worklet.js");
    const source = s.ctx.createMediaStreamSource(s.stream);
    s.node = new AudioWorkletNode(s.ctx, "pcm-worklet");
    // Connected to the destination so the graph runs from the first buffer; the worklet outputs silence.
    source.connect(s.node).connect(s.ctx.destination);

    setStatus("Connecting to the server…", "busy");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/v3/ws?${queryString(token)}`);
    ws.binaryType = "arraybuffer";
    s.ws = ws;
    s.node.port.onmessage = (ev) => { if (ws.readyState === WebSocket.OPEN && !s.stopping) ws.send(ev.data); };
    ws.onmessage = onMessage;
    ws.onerror = () => { if (!s.stopping) showError("The connection to the server failed."); };
    ws.onclose = (ev) => {
      const normal = ev.code === 1000;
      if (!normal) {
        const words = CLOSE_WORDS[ev.code] || `The connection closed unexpectedly (code ${ev.code}).`;
        if (!ui.error.textContent) showError(words + (ev.reason && ev.reason !== "Session Ended" ? ` (${ev.reason})` : ""));
        else ui.error.textContent = words + " " + ui.error.textContent;
        setStatus("Disconnected.", "failed");
      } else if (!ui.status.textContent.startsWith("Stopped")) {
        setStatus("Stopped.", "idle");
      }
      release(s);
    };
  } catch (e) {
    showError(e.message || String(e));
    setStatus("Not connected.", "failed");
    release(s);
  }
}

function stop() {
  const s = session;
  if (!s) return;
  s.stopping = true;
  ui.stop.disabled = true;
  if (s.ws && s.ws.readyState === WebSocket.OPEN) {
    setStatus("Finishing the last sentence…", "busy");
    s.ws.send(JSON.stringify({ type: "Terminate" })); // the server flushes the open turn, then closes
  } else {
    release(s);
    setStatus("Stopped.", "idle");
  }
  if (s.stream) s.stream.getTracks().forEach((t) => t.stop());
}

function release(s) {
  if (s.stream) s.stream.getTracks().forEach((t) => t.stop());
  if (s.ctx && s.ctx.state !== "closed") s.ctx.close().catch(() => {});
  if (session === s) {
    session = null;
    setRunning(false);
  }
}

ui.start.addEventListener("click", start);
ui.stop.addEventListener("click", stop);
ui.clear.addEventListener("click", () => { ui.transcript.replaceChildren(); turnEls = new Map(); });
$("redact_pii").addEventListener("change", () => {
  for (const el of document.querySelectorAll(".sub")) el.classList.toggle("dim", !$("redact_pii").checked);
});
$("redact_pii").dispatchEvent(new Event("change"));
