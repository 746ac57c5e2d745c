// The live status view: the gateway sends a status report over /status/live every second; rates are the
// differences of two reports. Everything is drawn with the DOM and a canvas, no library.
(() => {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const $ = id => document.getElementById(id);
  const history = [];           // { inRate, outRate } per report, the last 60
  const closeNames = { 1000: "normal", 1001: "going away", 1005: "no status", 1006: "abnormal", 1008: "policy", 1009: "too big",
    1011: "internal error", 1012: "restart", 1013: "try later", 1014: "bad gateway" };
  let previous = null;

  const format = (n, decimals = 1) => n >= 1e6 ? (n / 1e6).toFixed(1) + "M" : n >= 1e4 ? (n / 1e3).toFixed(1) + "k" : n >= 10 ? Math.round(n).toString() : (Math.round(n * 10 ** decimals) / 10 ** decimals).toString();
  const since = iso => { const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)); return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3600)}h ${Math.floor(s % 3600 / 60)}m`; };

  function row(cells, attributes) {
    const tr = document.createElement("tr");
    for (const [name, value] of Object.entries(attributes || {})) tr.setAttribute(name, value);
    for (const cell of cells) {
      const td = document.createElement("td");
      const [text, className] = Array.isArray(cell) ? cell : [cell, ""];
      td.textContent = text;
      if (className) td.className = className;
      tr.appendChild(td);
    }
    return tr;
  }

  function fill(tableId, rows, empty, columns) {
    const body = $(tableId).tBodies[0];
    body.replaceChildren(...(rows.length ? rows : [row([[empty, "muted"], ...Array(columns - 1).fill("")])]));
  }

  function render(report) {
    const dt = previous ? Math.max(0.001, (Date.parse(report.time) - Date.parse(previous.time)) / 1000) : 1;
    const rate = (now, before) => previous ? Math.max(0, (now - before) / dt) : 0;
    const inRate = rate(report.clientToBackend.messages, previous?.clientToBackend.messages ?? 0);
    const outRate = rate(report.backendToClient.messages, previous?.backendToClient.messages ?? 0);
    const bytesRate = rate(report.clientToBackend.bytes + report.backendToClient.bytes, (previous?.clientToBackend.bytes ?? 0) + (previous?.backendToClient.bytes ?? 0));
    previous = report;
    history.push({ inRate, outRate });
    if (history.length > 60) history.shift();

    $("live-status").textContent = report.draining ? "the gateway is shutting down" : `updated ${new Date(report.time).toLocaleTimeString()}`;
    $("live-active").textContent = report.activeSessions;
    $("live-rate-in").textContent = format(inRate);
    $("live-rate-out").textContent = format(outRate);
    $("live-bytes").textContent = format(bytesRate);
    $("live-ended").textContent = report.endedSessions;

    fill("live-backends", report.clusters.flatMap(c => c.backends.map(b => row([c.id, b.id,
      b.draining ? ["draining", "down"] : b.healthy ? ["up", "up"] : [b.breakerOpen ? "breaker open" : b.health, "down"],
      [b.activeSessions, "num"]]))), "no backends", 4);
    fill("live-closes", report.closeStatuses.map(c => row([c.side, `${c.status} ${closeNames[c.status] ?? ""}`.trim(), [c.count, "num"]])), "no session has ended yet", 3);
    fill("live-sessions", report.sessions.map(s => row([
      [s.id, "id"], s.route, s.backend ?? "", since(s.started), s.subProtocol ?? "",
      [s.clientToBackend.messages, "num c2b-messages"], [s.backendToClient.messages, "num b2c-messages"],
      [format(s.clientToBackend.bytes), "num"], [format(s.backendToClient.bytes), "num"]], { "data-session-id": s.id })), "no live session", 9);
    draw();
  }

  function draw() {
    const canvas = $("chart");
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    canvas.width = width * ratio; canvas.height = height * ratio;
    const g = canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    const left = 36, bottom = height - 18, top = 8, right = width - 6;
    const max = Math.max(1, ...history.map(h => Math.max(h.inRate, h.outRate)));
    const magnitude = Math.pow(10, Math.floor(Math.log10(max / 4)));
    const step = [1, 2, 2.5, 5, 10].map(m => m * magnitude).find(s => s * 4 >= max); // four round steps up the axis
    const scale = step * 4;
    g.font = "11px system-ui, sans-serif"; g.fillStyle = "#6b7280"; g.strokeStyle = "#e5e7eb"; g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = bottom - (bottom - top) * i / 4;
      g.beginPath(); g.moveTo(left, y); g.lineTo(right, y); g.stroke();
      g.fillText(format(scale * i / 4, 2), 2, y + 4);
    }
    g.fillText("-60 s", left, height - 4); g.fillText("now", right - 22, height - 4);
    const x = i => left + (right - left) * (i + 60 - history.length) / 59;
    const y = v => bottom - (bottom - top) * v / scale;
    // Echoed traffic makes both lines equal: the wider one underneath stays visible.
    for (const [key, color, lineWidth] of [["inRate", "#2563eb", 5], ["outRate", "#ea580c", 2]]) {
      g.strokeStyle = color; g.lineWidth = lineWidth; g.lineJoin = "round"; g.beginPath();
      history.forEach((h, i) => i === 0 ? g.moveTo(x(i), y(h[key])) : g.lineTo(x(i), y(h[key])));
      g.stroke();
    }
  }

  function connect() {
    const feed = new WebSocket(`${scheme}://${location.host}/status/live`);
    feed.onopen = () => { $("live-status").textContent = "connected"; };
    feed.onmessage = e => render(JSON.parse(e.data));
    feed.onclose = e => { $("live-status").textContent = `feed closed (${e.code}); reconnecting…`; previous = null; setTimeout(connect, 2000); };
  }
  window.addEventListener("resize", draw);
  connect();
})();
