// The voice page: microphone -> server (WebSocket) -> agent -> audio back, played gaplessly.
// Everything the page measures is on window.voicePage (tests and curious users read it there).

const SOURCE_RATE = 24000;
const $ = (id) => document.getElementById(id);

const stats = {
  sampleRate: null,
  sentFrames: 0,
  sentSamples: 0,
  receivedSamples: 0,
  receivedByItem: {},
  playedSamples: 0,
  playedByItem: {},
  drained: 0,
  stops: [],
  interruptions: [],
  toolCalls: [],
  messages: [],
  errors: [],
};
const voicePage = { state: "idle", mode: "ws", stats, config: null };
window.voicePage = voicePage;

let ws = null;
let ctx = null;
let stream = null;
let captureNode = null;
let playbackNode = null;
let sourceNode = null;
let audioItem = null;
let lastReported = { item: null, ms: -1 };
let pendingFrames = [];
let pc = null;
let dataChannel = null;
const entries = new Map(); // item_id / call_id -> <li>

// ---------------------------------------------------------------- page helpers

function setState(state, text) {
  voicePage.state = state;
  document.body.dataset.state = state;
  if (text) $("status").textContent = text;
}

function setTalking(on) {
  const button = $("talk");
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.querySelector(".label").textContent = on ? "Stop talking" : "Start talking";
  $("text-input").disabled = !on || voicePage.mode !== "ws";
  $("send").disabled = !on || voicePage.mode !== "ws";
  $("mode").disabled = on;
}

function addEntry(key, cls, who, text) {
  const li = document.createElement("li");
  li.className = cls;
  if (who) {
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = who;
    li.append(name);
  }
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text || "";
  li.append(body);
  $("log").append(li);
  if (key) entries.set(key, li);
  li.scrollIntoView({ block: "nearest" });
  return li;
}

function entryText(key, cls, who) {
  let li = entries.get(key);
  if (!li) li = addEntry(key, cls, who, "");
  return li.querySelector(".text");
}

function note(text) {
  addEntry(null, "note", "", text);
}

function showUsage(total, responses) {
  if (!total) return;
  $("u-responses").textContent = String(responses);
  $("u-input").textContent = String(total.input_tokens);
  $("u-input-audio").textContent = String(total.input_audio_tokens);
  $("u-output").textContent = String(total.output_tokens);
  $("u-output-audio").textContent = String(total.output_audio_tokens);
  $("u-cached").textContent = String(total.cached_tokens);
}

function toolStarted(callId, name, args) {
  const li = addEntry(callId, "tool", "Tool", "");
  const text = li.querySelector(".text");
  const code = document.createElement("code");
  code.textContent = `${name}(${JSON.stringify(args)})`;
  const state = document.createElement("span");
  state.className = "tool-state";
  state.textContent = " running…";
  text.append(code, state);
  stats.toolCalls.push({ call_id: callId, name, args, output: null });
}

function toolFinished(callId, name, output, error, durationMs) {
  let li = entries.get(callId);
  if (!li) {
    toolStarted(callId, name, {});
    li = entries.get(callId);
  }
  const state = li.querySelector(".tool-state");
  const took = durationMs != null ? ` (${Math.round(durationMs)} ms)` : "";
  state.textContent = error ? ` failed${took}: ${output}` : ` → ${output}${took}`;
  const call = stats.toolCalls.find((c) => c.call_id === callId);
  if (call) Object.assign(call, { output, error });
}

// ---------------------------------------------------------------- audio

async function startAudio() {
  // ?sampleRate=16000 runs the page's audio at another rate (as a device with that rate would).
  const wanted = Number(new URLSearchParams(location.search).get("sampleRate")) || undefined;
  ctx = new AudioContext({ latencyHint: "interactive", sampleRate: wanted });
  stats.sampleRate = ctx.sampleRate;
  await ctx.resume();
  stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  await ctx.audioWorklet.addModule("/static/capture-worklet.js");
  await ctx.audioWorklet.addModule("/static/playback-worklet.js");
  sourceNode = ctx.createMediaStreamSource(stream);
  captureNode = new AudioWorkletNode(ctx, "voice-capture", { numberOfInputs: 1, numberOfOutputs: 1 });
  const mute = ctx.createGain();
  mute.gain.value = 0; // keeps the capture node pulled without playing the microphone back
  sourceNode.connect(captureNode).connect(mute).connect(ctx.destination);
  captureNode.port.onmessage = (e) => onFrame(e.data);
  playbackNode = new AudioWorkletNode(ctx, "voice-playback", { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
  playbackNode.connect(ctx.destination);
  playbackNode.port.onmessage = (e) => onPlayback(e.data);
}

function onFrame(msg) {
  if (msg.type !== "frame") return;
  $("level").style.width = `${Math.min(100, Math.round(msg.peak * 140))}%`;
  if (!ws) return;
  if (ws.readyState !== WebSocket.OPEN || voicePage.state === "connecting") {
    pendingFrames.push(msg.pcm);
    if (pendingFrames.length > 250) pendingFrames.shift(); // keep at most 10 s
    return;
  }
  for (const frame of pendingFrames.splice(0)) sendFrame(frame);
  sendFrame(msg.pcm);
}

function sendFrame(buffer) {
  ws.send(buffer);
  stats.sentFrames += 1;
  stats.sentSamples += buffer.byteLength / 2;
}

function reportPlayback(item, playedSamples, force) {
  if (!item) return;
  const ms = (playedSamples / SOURCE_RATE) * 1000;
  stats.playedByItem[item] = playedSamples;
  if (!force && lastReported.item === item && lastReported.ms === ms) return;
  lastReported = { item, ms };
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify({ type: "playback", item_id: item, played_ms: ms }));
  }
}

let onStopped = null;

function onPlayback(msg) {
  if (msg.type === "progress") {
    stats.playedSamples = msg.totalPlayed;
    reportPlayback(msg.item, msg.playedSamples, false);
    $("stop-answer").disabled = msg.queued === 0;
  } else if (msg.type === "drained") {
    stats.playedSamples = msg.totalPlayed;
    stats.drained += 1;
    $("stop-answer").disabled = true;
  } else if (msg.type === "stopped") {
    stats.playedSamples = msg.totalPlayed;
    const stop = {
      item: msg.item,
      reason: msg.reason,
      playedMs: (msg.playedSamples / SOURCE_RATE) * 1000,
      droppedMs: (msg.droppedSamples / SOURCE_RATE) * 1000,
      receivedMs: ((stats.receivedByItem[msg.item] || 0) / SOURCE_RATE) * 1000,
      at: performance.now(),
    };
    stats.stops.push(stop);
    reportPlayback(msg.item, msg.playedSamples, true);
    $("stop-answer").disabled = true;
    if (onStopped) {
      const callback = onStopped;
      onStopped = null;
      callback(stop);
    }
  }
}

function stopPlayback(reason) {
  if (playbackNode) playbackNode.port.postMessage({ type: "stop", reason });
}

function playAudio(buffer) {
  const samples = buffer.byteLength / 2;
  stats.receivedSamples += samples;
  if (audioItem) stats.receivedByItem[audioItem] = (stats.receivedByItem[audioItem] || 0) + samples;
  if (playbackNode) playbackNode.port.postMessage({ type: "push", item: audioItem, pcm: buffer }, [buffer]);
}

// ---------------------------------------------------------------- server messages (WebSocket mode)

function onServerMessage(msg) {
  stats.messages.push(msg.type);
  switch (msg.type) {
    case "ready":
      setState("listening", "Listening… speak whenever you like.");
      break;
    case "speech_started":
      // The user talks over the answer: silence it now (the server truncates at what was heard).
      stopPlayback("speech_started");
      setState("hearing", "Hearing you…");
      if (msg.item_id) entryText(msg.item_id, "user", "You").textContent = "…";
      break;
    case "speech_stopped":
      setState("thinking", "Thinking…");
      break;
    case "input_transcript":
      entryText(msg.item_id, "user", "You").textContent = msg.text || "(nothing heard)";
      break;
    case "audio_item":
      audioItem = msg.item_id;
      setState("speaking", "Answering… (speak to interrupt)");
      break;
    case "transcript_delta": {
      const el = entryText(msg.item_id, "agent", "Agent");
      el.textContent += msg.text;
      break;
    }
    case "transcript_done":
      entryText(msg.item_id, "agent", "Agent").textContent = msg.text;
      break;
    case "tool_started":
      toolStarted(msg.call_id, msg.name, msg.args);
      break;
    case "tool_finished":
      toolFinished(msg.call_id, msg.name, msg.output, msg.error, msg.duration_ms);
      break;
    case "interrupted": {
      stopPlayback("interrupted");
      stats.interruptions.push({ item: msg.item_id, audioEndMs: msg.audio_end_ms, at: performance.now() });
      const li = entries.get(msg.item_id);
      if (li) li.classList.add("cut");
      break;
    }
    case "response_done":
      showUsage(msg.total_usage, msg.responses);
      if (voicePage.state !== "hearing") setState("listening", "Listening…");
      break;
    case "reconnected":
      note("The session moved to a new connection.");
      break;
    case "error":
      stats.errors.push(msg);
      note(`Error: ${msg.message}`);
      break;
    default:
      break;
  }
}

async function startWebSocket() {
  await startAudio();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${scheme}://${location.host}/ws`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (e) => {
    if (typeof e.data === "string") onServerMessage(JSON.parse(e.data));
    else playAudio(e.data);
  };
  ws.onclose = () => {
    if (voicePage.state !== "idle") {
      note("The conversation ended.");
      stop();
    }
  };
  ws.onerror = () => setState("error", "The connection to the server failed.");
}

// ---------------------------------------------------------------- WebRTC mode

async function startWebRTC() {
  const secret = await (await fetch("/api/client-secret", { method: "POST" })).json();
  if (!secret.value) throw new Error(secret.error || "no ephemeral key");
  stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
  pc = new RTCPeerConnection();
  const speaker = new Audio();
  speaker.autoplay = true;
  pc.ontrack = (e) => { speaker.srcObject = e.streams[0]; };
  pc.addTrack(stream.getAudioTracks()[0], stream);
  dataChannel = pc.createDataChannel("oai-events");
  dataChannel.onmessage = (e) => onServiceEvent(JSON.parse(e.data));
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const answer = await fetch(secret.calls_url, {
    method: "POST",
    body: offer.sdp,
    headers: { Authorization: `Bearer ${secret.value}`, "Content-Type": "application/sdp" },
  });
  if (!answer.ok) throw new Error(`the service refused the call (HTTP ${answer.status})`);
  const location_ = answer.headers.get("Location") || "";
  const callId = location_.split("/").filter(Boolean).pop();
  await pc.setRemoteDescription({ type: "answer", sdp: await answer.text() });
  if (!callId) throw new Error("the service sent no call id (Location header)");
  const joined = await fetch(`/api/calls/${encodeURIComponent(callId)}`, { method: "POST" });
  if (!joined.ok) throw new Error("the server could not join the call to run the tools");
  setState("listening", "Listening… (WebRTC)");
}

const webrtcTotals = { responses: 0, input_tokens: 0, output_tokens: 0, input_audio_tokens: 0, output_audio_tokens: 0, cached_tokens: 0 };

function onServiceEvent(ev) {
  stats.messages.push(ev.type);
  switch (ev.type) {
    case "input_audio_buffer.speech_started":
      setState("hearing", "Hearing you…");
      break;
    case "conversation.item.input_audio_transcription.completed":
      entryText(ev.item_id, "user", "You").textContent = (ev.transcript || "").trim();
      break;
    case "response.output_audio_transcript.delta":
      entryText(ev.item_id, "agent", "Agent").textContent += ev.delta;
      break;
    case "response.output_audio_transcript.done":
      entryText(ev.item_id, "agent", "Agent").textContent = ev.transcript;
      break;
    case "response.function_call_arguments.done":
      toolStarted(ev.call_id, ev.name, JSON.parse(ev.arguments || "{}"));
      break;
    case "conversation.item.done":
    case "conversation.item.added":
      if (ev.item && ev.item.type === "function_call_output") toolFinished(ev.item.call_id, "", ev.item.output, null, null);
      break;
    case "response.done": {
      const u = (ev.response && ev.response.usage) || {};
      const i = u.input_token_details || {};
      const o = u.output_token_details || {};
      webrtcTotals.responses += 1;
      webrtcTotals.input_tokens += u.input_tokens || 0;
      webrtcTotals.output_tokens += u.output_tokens || 0;
      webrtcTotals.input_audio_tokens += i.audio_tokens || 0;
      webrtcTotals.output_audio_tokens += o.audio_tokens || 0;
      webrtcTotals.cached_tokens += i.cached_tokens || 0;
      showUsage(webrtcTotals, webrtcTotals.responses);
      setState("listening", "Listening… (WebRTC)");
      break;
    }
    case "error":
      note(`Error: ${(ev.error && ev.error.message) || "service error"}`);
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------- start / stop

async function start() {
  setTalking(true);
  setState("connecting", "Connecting…");
  try {
    if (voicePage.mode === "webrtc") await startWebRTC();
    else await startWebSocket();
  } catch (err) {
    const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
    stats.errors.push({ message: String(err) });
    stop();
    setState("error", denied ? "The microphone was not allowed: allow it in the address bar and try again." : `Could not start: ${err.message || err}`);
  }
}

function stop() {
  setTalking(false);
  if (voicePage.state !== "error") setState("idle", "Stopped. Press “Start talking” to talk again.");
  if (ws) { try { ws.close(); } catch (_) {} ws = null; }
  if (pc) { pc.close(); pc = null; dataChannel = null; }
  if (captureNode) captureNode.port.postMessage({ type: "stop" });
  if (stream) stream.getTracks().forEach((t) => t.stop());
  if (ctx) ctx.close();
  ctx = stream = captureNode = playbackNode = sourceNode = null;
  pendingFrames = [];
  $("level").style.width = "0";
  $("stop-answer").disabled = true;
  voicePage.state = "idle";
}

function stopAnswer() {
  // The user silenced the answer by hand: stop, then tell the server exactly what was heard.
  onStopped = (stopInfo) => {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: "interrupt", item_id: stopInfo.item, played_ms: stopInfo.playedMs }));
    }
  };
  stopPlayback("button");
}

// A second voice into the microphone path (demos and tests: talk over the answer on cue).
// `audio` is a wav/mp3 file as an ArrayBuffer or base64 string; resolves when it has been heard.
voicePage.speakIntoMic = async (audio) => {
  if (!ctx || !captureNode) throw new Error("not talking");
  let bytes = audio;
  if (typeof audio === "string") bytes = Uint8Array.from(atob(audio), (c) => c.charCodeAt(0)).buffer;
  const buffer = await ctx.decodeAudioData(bytes);
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(captureNode);
  const ended = new Promise((resolve) => { source.onended = resolve; });
  source.start();
  await ended;
};

async function init() {
  $("talk").addEventListener("click", () => (voicePage.state === "idle" || voicePage.state === "error" ? start() : stop()));
  $("stop-answer").addEventListener("click", stopAnswer);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") stopAnswer(); });
  $("mode").addEventListener("change", (e) => { voicePage.mode = e.target.value; });
  $("text-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("text-input").value.trim();
    if (!text || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: "text", text }));
    addEntry(null, "user", "You", text);
    $("text-input").value = "";
  });
  try {
    const config = await (await fetch("/api/config")).json();
    voicePage.config = config;
    const tools = config.tools.length ? `tools: ${config.tools.join(", ")}` : "no tools";
    $("backend").textContent = `${config.backend === "emulator" ? "Local emulator" : "Azure OpenAI"} · ${config.deployment} · voice ${config.voice} · ${tools}`;
    $("mode-box").hidden = !config.webrtc;
  } catch (_) {
    $("backend").textContent = "";
  }
  document.body.dataset.ready = "true";
}

init();
