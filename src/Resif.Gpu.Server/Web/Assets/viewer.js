// Resif.Gpu browser viewer: catalog, waterfall of any window reduced on the server to the canvas size, pipeline
// panel, trace on click. Talks to /api/arrays, /api/operations and /api/view (see Web/ViewerEndpoints.cs).
"use strict";

const $ = (id) => document.getElementById(id);
const MARGIN = { left: 74, right: 10, top: 10, bottom: 40 };
// Sensible starting values for required parameters, so "Add step" then "Apply" works on the demo array.
const PRESETS = {
  bandpass: { freqmin: 2, freqmax: 20 }, bandstop: { freqmin: 45, freqmax: 55 }, lowpass: { freq: 20 }, highpass: { freq: 2 },
  decimate: { factor: 10 }, resample: { rate: 100 }, fkfilter: { va: 1000, vb: 1200, vc: 2000, vd: 2500 },
  stalta: { sta: 0.05, lta: 0.5 }, rms: { window: 0.1 }, beam: { smin: -0.001, smax: 0.001, ns: 81, window: 0.5 },
};

const state = { arrays: [], operations: [], array: null, raw: null, result: null, applied: false, token: sessionStorage.getItem("resif-token") || "" };

function showError(text) {
  const box = $("error");
  box.textContent = text;
  box.hidden = !text;
}

// Work in progress (fetch and draw), on <body data-pending>: tells a user, and the browser test, when the page has settled.
let pending = 0;
const setPending = (delta) => { pending += delta; document.body.dataset.pending = pending; };

async function busy(work) {
  setPending(1);
  try {
    return await work();
  } finally {
    setPending(-1);
  }
}

async function api(path, body) {
  const headers = body ? { "Content-Type": "application/json" } : {};
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const response = await fetch(path, body ? { method: "POST", headers, body: JSON.stringify(body) } : { headers });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const e = await response.json();
      detail = `${response.status}: ${e.field}: ${e.message}`;
    } catch { /* not JSON: keep the status line */ }
    throw new Error(detail);
  }
  return response;
}

function formatBytes(n) {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

const fmt = (x) => Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : +x.toPrecision(4) + "";

// ---- catalog -------------------------------------------------------------------------------------------------

const loadCatalog = () => busy(async () => {
  state.arrays = await (await api("/api/arrays")).json();
  state.operations = await (await api("/api/operations")).json();
  const body = $("catalog").tBodies[0];
  body.replaceChildren(...state.arrays.map((a) => {
    const row = document.createElement("tr");
    row.dataset.name = a.name;
    const cells = [a.name, a.shape.join(" × "), `${fmt(a.durationSeconds)} s`,
      `${fmt(a.channelFirst)} – ${fmt(a.channelLast)} ${a.channelUnits}`, a.units, formatBytes(a.sizeBytes)];
    row.replaceChildren(...cells.map((text) => Object.assign(document.createElement("td"), { textContent: text })));
    row.addEventListener("click", () => selectArray(a.name));
    return row;
  }));
  $("op-choice").replaceChildren(...state.operations.map((o) => Object.assign(document.createElement("option"), { value: o.name, textContent: o.name, title: o.description })));
  $("op-choice").value = "bandpass";
  $("status").textContent = `${state.arrays.length} array(s)`;
});

function selectArray(name) {
  state.array = state.arrays.find((a) => a.name === name);
  for (const row of $("catalog").tBodies[0].rows) row.classList.toggle("selected", row.dataset.name === name);
  $("current-array").textContent = name;
  resetWindow();
}

// ---- window --------------------------------------------------------------------------------------------------

function windowOf() {
  return { ch0: +$("ch0").value, ch1: +$("ch1").value, t0: +$("t0").value, t1: +$("t1").value };
}

function setWindow(w) {
  const a = state.array;
  const channels = a.shape[0], duration = a.durationSeconds;
  let span = Math.min(Math.max(w.ch1 - w.ch0, 1), channels);
  let ch0 = Math.round(Math.min(Math.max(w.ch0, 0), channels - span));
  const length = Math.min(Math.max(w.t1 - w.t0, 1 / (a.samplingRate || 1000)), duration);
  const t0 = Math.min(Math.max(w.t0, 0), duration - length);
  $("ch0").value = ch0;
  $("ch1").value = Math.round(ch0 + span);
  $("t0").value = +t0.toFixed(6);
  $("t1").value = +(t0 + length).toFixed(6);
  return refresh();
}

function resetWindow() {
  return setWindow({ ch0: 0, ch1: state.array.shape[0], t0: 0, t1: state.array.durationSeconds });
}

function zoom(factor) {
  const w = windowOf();
  const tc = (w.t0 + w.t1) / 2, th = (w.t1 - w.t0) / 2 * factor, cc = (w.ch0 + w.ch1) / 2, ch = (w.ch1 - w.ch0) / 2 * factor;
  return setWindow({ ch0: cc - ch, ch1: cc + ch, t0: tc - th, t1: tc + th });
}

function pan(dt, dc) {
  const w = windowOf();
  const st = (w.t1 - w.t0) * dt, sc = Math.round((w.ch1 - w.ch0) * dc);
  return setWindow({ ch0: w.ch0 + sc, ch1: w.ch1 + sc, t0: w.t0 + st, t1: w.t1 + st });
}

function viewRequest(operations, canvas, channels) {
  const w = windowOf();
  const plot = plotArea(canvas);
  return {
    array: state.array.name,
    channels: channels || { start: w.ch0, stop: w.ch1 },
    time: { start: w.t0, end: w.t1 },
    operations,
    width: plot.width,
    height: plot.height,
  };
}

async function fetchView(request) {
  const started = performance.now();
  const response = await api("/api/view", request);
  const buffer = await response.arrayBuffer();
  const headerLength = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
  const offset = Math.ceil((4 + headerLength) / 4) * 4;
  header.values = new Float32Array(buffer, offset, header.grid[0] * header.grid[1]);
  header.bytesSent = buffer.byteLength;
  header.roundTripSeconds = (performance.now() - started) / 1000;
  return header;
}

function describe(view) {
  const ms = (seconds) => `${(seconds * 1000).toFixed(1)} ms`;
  return `server ${ms(view.serverSeconds)} (round trip ${ms(view.roundTripSeconds)}) · ${formatBytes(view.bytesSent)} sent · ` +
    `read ${formatBytes(view.inputBytes)} · result ${view.shape.join(" × ")} (${formatBytes(view.resultBytes)}) shown as ${view.grid.join(" × ")} · ${view.backend}`;
}

const refresh = () => busy(async () => {
  if (!state.array) return;
  showError("");
  try {
    state.raw = await fetchView(viewRequest([], $("raw")));
    draw($("raw"), state.raw);
    $("raw-info").textContent = describe(state.raw);
    if (state.applied) await applyPipeline();
  } catch (e) {
    showError(e.message);
  }
});

// ---- pipeline ------------------------------------------------------------------------------------------------

function addStep(name) {
  const descriptor = state.operations.find((o) => o.name === name);
  const item = document.createElement("li");
  item.dataset.op = name;
  const title = Object.assign(document.createElement("strong"), { textContent: name, title: descriptor.description });
  const remove = Object.assign(document.createElement("button"), { textContent: "✕", title: "remove this step" });
  remove.addEventListener("click", () => item.remove());
  item.append(title, " ", remove, document.createElement("br"));
  for (const p of descriptor.parameters) {
    const label = Object.assign(document.createElement("label"), { title: p.description });
    let input;
    if (p.choices) {
      input = document.createElement("select");
      input.append(...p.choices.map((c) => Object.assign(document.createElement("option"), { value: c, textContent: c })));
    } else if (p.kind === "flag") {
      input = Object.assign(document.createElement("input"), { type: "checkbox" });
    } else {
      input = Object.assign(document.createElement("input"), { type: "text", placeholder: p.default === null ? "required" : "" });
    }
    input.dataset.param = p.name;
    input.dataset.kind = p.kind;
    const preset = PRESETS[name]?.[p.name];
    if (p.kind === "flag") input.checked = p.default === "true";
    else input.value = preset !== undefined ? preset : p.default ?? "";
    label.append(p.name + " ", input);
    item.append(label);
  }
  $("steps").append(item);
  return item;
}

function pipeline() {
  return [...$("steps").children].map((item) => {
    const parameters = {};
    for (const input of item.querySelectorAll("[data-param]")) {
      if (input.dataset.kind === "flag") parameters[input.dataset.param] = input.checked ? "true" : "false";
      else if (input.value.trim() !== "") parameters[input.dataset.param] = input.value.trim();
    }
    return { name: item.dataset.op, parameters };
  });
}

const applyPipeline = () => busy(async () => {
  showError("");
  try {
    state.result = await fetchView(viewRequest(pipeline(), $("result")));
    state.applied = true;
    draw($("result"), state.result);
    $("result-info").textContent = describe(state.result);
    $("copy-python").disabled = $("copy-cli").disabled = false;
  } catch (e) {
    showError(e.message);
  }
});

async function copy(text) {
  $("snippet").textContent = text;
  try {
    await navigator.clipboard.writeText(text);
    $("status").textContent = "copied to the clipboard";
  } catch {
    $("status").textContent = "select the text below to copy it";
  }
}

// ---- drawing -------------------------------------------------------------------------------------------------

function plotArea(canvas) {
  return { left: MARGIN.left, top: MARGIN.top, width: canvas.width - MARGIN.left - MARGIN.right, height: canvas.height - MARGIN.top - MARGIN.bottom };
}

// The clip level: the given percentile of |x| over the cells (so one spike does not wash out the picture).
function clipLevel(values, percentile) {
  const magnitudes = Float32Array.from(values, Math.abs).sort();
  const level = magnitudes[Math.min(magnitudes.length - 1, Math.floor(percentile / 100 * (magnitudes.length - 1)))];
  return level > 0 ? level : 1;
}

// Signed data: blue (negative), white (0), red (positive), linear. Non-negative data (spectra, power, ratios):
// dark blue to yellow over the 2 decades below the clip level, since spectra span orders of magnitude.
const DECADES = 2;

function colour(x, clip, signed) {
  if (signed) {
    const v = Math.max(-1, Math.min(1, x / clip));
    const fade = Math.round(255 * (1 - Math.abs(v)));
    return v >= 0 ? [255, fade, fade] : [fade, fade, 255];
  }
  const v = x > 0 ? Math.max(0, Math.min(1, 1 + Math.log10(x / clip) / DECADES)) : 0;
  return [Math.round(255 * Math.min(1, 2 * v)), Math.round(40 + 200 * v), Math.round(120 * (1 - v))];
}

function draw(canvas, view) {
  const ctx = canvas.getContext("2d");
  const plot = plotArea(canvas);
  const [rows, columns] = view.grid;
  const values = view.values;
  const signed = values.some((x) => x < 0);
  const clip = clipLevel(values, +$("clip").value);
  const image = new ImageData(columns, rows);
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = colour(values[i], clip, signed);
    image.data.set([r, g, b, 255], 4 * i);
  }
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const bitmap = new OffscreenCanvas(columns, rows);
  bitmap.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, plot.left, plot.top, plot.width, plot.height);
  drawAxes(ctx, plot, view);
  if (view.dims[0] === "ft_distance" && view.dims[1] === "ft_time") drawVelocityLines(ctx, plot, view);
  canvas.dataset.plot = [plot.left, plot.top, plot.width, plot.height].join(",");
  canvas.dataset.clip = clip;
}

function axisRange(axis) {
  const c = axis.centres;
  return [c[0], c[c.length - 1]];
}

function drawAxes(ctx, plot, view) {
  ctx.fillStyle = "#222";
  ctx.strokeStyle = "#222";
  ctx.font = "11px sans-serif";
  const [y, x] = view.axes;
  const ticks = (axis, length, place) => {
    const n = axis.centres.length;
    for (let k = 0; k <= 4; k++) {
      const i = Math.round(k / 4 * (n - 1));
      const text = axis.labels ? axis.labels[i] : fmt(axis.centres[i]);
      place((i + 0.5) / n * length, text);
    }
  };
  ticks(x, plot.width, (p, text) => {
    ctx.fillRect(plot.left + p, plot.top + plot.height, 1, 4);
    ctx.textAlign = "center";
    ctx.fillText(text, plot.left + p, plot.top + plot.height + 15);
  });
  ticks(y, plot.height, (p, text) => {
    ctx.fillRect(plot.left - 4, plot.top + p, 4, 1);
    ctx.textAlign = "right";
    ctx.fillText(text, plot.left - 6, plot.top + p + 4);
  });
  ctx.textAlign = "center";
  ctx.fillText(`${x.dim} (${x.units})`, plot.left + plot.width / 2, plot.top + plot.height + 32);
  ctx.save();
  ctx.translate(12, plot.top + plot.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`${y.dim} (${y.units})`, 0, 0);
  ctx.restore();
  ctx.strokeRect(plot.left, plot.top, plot.width, plot.height);
}

// FK spectrum: rows are wavenumber k (1/m), columns frequency f (Hz); a wave of apparent velocity v lies on k = f / v.
function drawVelocityLines(ctx, plot, view) {
  const [k0, k1] = axisRange(view.axes[0]), [f0, f1] = axisRange(view.axes[1]);
  const velocities = $("fk-velocities").value.split(",").map(Number).filter((v) => v > 0);
  const toX = (f) => plot.left + (f - f0) / (f1 - f0) * plot.width;
  const toY = (k) => plot.top + (k - k0) / (k1 - k0) * plot.height;
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.left, plot.top, plot.width, plot.height);
  ctx.clip();
  ctx.setLineDash([5, 4]);
  ctx.strokeStyle = "#fff";
  ctx.fillStyle = "#fff";
  for (const v of velocities) {
    for (const sign of [1, -1]) {
      ctx.beginPath();
      ctx.moveTo(toX(f0), toY(sign * f0 / v));
      ctx.lineTo(toX(f1), toY(sign * f1 / v));
      ctx.stroke();
      ctx.fillText(`${sign * v} m/s`, toX(f1 * 0.8), toY(sign * f1 * 0.8 / v) - 4);
    }
  }
  ctx.restore();
}

function drawTrace(view, channel) {
  const canvas = $("trace");
  const ctx = canvas.getContext("2d");
  const plot = plotArea(canvas);
  const values = view.values;
  const peak = values.reduce((m, x) => Math.max(m, Math.abs(x)), 0) || 1;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = "#1d3557";
  ctx.beginPath();
  values.forEach((x, i) => {
    const px = plot.left + (i + 0.5) / values.length * plot.width, py = plot.top + plot.height / 2 * (1 - x / peak);
    if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
  });
  ctx.stroke();
  drawAxes(ctx, plot, { ...view, axes: [{ dim: "x", units: view.units, centres: [peak, -peak] }, view.axes[1]] });
  $("trace-info").textContent = `channel ${channel} · peak |x| ${fmt(peak)} ${view.units} · ${describe(view)}`;
}

// ---- mouse on the raw view: drag to zoom, click for a trace -------------------------------------------------

function cellAt(canvas, view, event) {
  const plot = plotArea(canvas);
  const box = canvas.getBoundingClientRect();
  const x = (event.clientX - box.left - canvas.clientLeft - plot.left) / plot.width, y = (event.clientY - box.top - canvas.clientTop - plot.top) / plot.height;
  if (x < 0 || x > 1 || y < 0 || y > 1) return null;
  const [rows, columns] = view.grid;
  return { row: Math.min(rows - 1, Math.floor(y * rows)), column: Math.min(columns - 1, Math.floor(x * columns)), x, y };
}

function installMouse() {
  const canvas = $("raw");
  let pressed = null;
  canvas.addEventListener("mousedown", (e) => { pressed = state.raw && cellAt(canvas, state.raw, e); });
  canvas.addEventListener("mouseup", (e) => busy(async () => {
    const released = state.raw && cellAt(canvas, state.raw, e);
    if (!pressed || !released) return;
    const view = state.raw, sel = view.selection;
    const channelOf = (row) => sel.channelStart + view.axes[0].firstIndex[row] * sel.channelStep;
    const timeOf = (fraction) => sel.firstSampleSeconds + fraction * (sel.lastSampleSeconds - sel.firstSampleSeconds);
    if (Math.abs(released.x - pressed.x) > 0.02 && Math.abs(released.y - pressed.y) > 0.02) {
      const rows = [pressed.row, released.row].sort((a, b) => a - b);
      await setWindow({ ch0: channelOf(rows[0]), ch1: channelOf(rows[1]) + sel.channelStep,
        t0: timeOf(Math.min(pressed.x, released.x)), t1: timeOf(Math.max(pressed.x, released.x)) });
    } else {
      const channel = channelOf(released.row);
      try {
        drawTrace(await fetchView(viewRequest([], $("trace"), { start: channel, stop: channel + 1 })), channel);
      } catch (err) {
        showError(err.message);
      }
    }
    pressed = null;
  }));
}

// ---- wiring --------------------------------------------------------------------------------------------------

function start() {
  $("token").value = state.token;
  $("token-apply").addEventListener("click", () => {
    state.token = $("token").value.trim();
    sessionStorage.setItem("resif-token", state.token);
    loadCatalog().then(() => showError(""), (e) => showError(e.message));
  });
  $("go").addEventListener("click", () => setWindow(windowOf()));
  $("zoom-in").addEventListener("click", () => zoom(0.5));
  $("zoom-out").addEventListener("click", () => zoom(2));
  $("pan-left").addEventListener("click", () => pan(-0.5, 0));
  $("pan-right").addEventListener("click", () => pan(0.5, 0));
  $("pan-up").addEventListener("click", () => pan(0, -0.5));
  $("pan-down").addEventListener("click", () => pan(0, 0.5));
  $("reset").addEventListener("click", () => state.array && resetWindow());
  $("clip").addEventListener("change", () => {
    if (state.raw) draw($("raw"), state.raw);
    if (state.result) draw($("result"), state.result);
  });
  $("op-add").addEventListener("click", () => addStep($("op-choice").value));
  $("apply").addEventListener("click", () => state.array ? applyPipeline() : showError("choose an array first"));
  $("clear").addEventListener("click", () => { $("steps").replaceChildren(); state.applied = false; });
  $("copy-python").addEventListener("click", () => copy(state.result.python));
  $("copy-cli").addEventListener("click", () => copy(state.result.cli));
  installMouse();
  loadCatalog().catch((e) => showError(e.message));
}

start();
