/*
 * ringcast status page: streams from /status, kept live by /events
 * (Server-Sent Events), and each stream's last hour from /history, drawn
 * by graph.js and fetched again once every history interval; the channel
 * lists (`sources`) of /status in their own panel, hidden without any.
 * Plain DOM, no library; every value from the daemon is set with
 * textContent or a property, never parsed as HTML.
 * An events token, when the daemon wants one, is read from the page's
 * fragment: /ui#token=TOKEN (the fragment never leaves the browser).
 */
"use strict";

(function () {
  const STATUS_POLL_MS = 5000;      /* full refresh, events or not */
  const REFRESH_AFTER_EVENT_MS = 400;
  const EVENTS_KEPT = 50;           /* lines in "Recent events" */
  const PREVIEW_RETRIES = 5;        /* a stream that just started may */
  const PREVIEW_RETRY_MS = 2000;    /* list too little for the browser */
  const HISTORY_MIN_MS = 1000;      /* graphs: at most once a second, */
  const HISTORY_MAX_MS = 60000;     /* at least once a minute, */
  const HISTORY_AFTER_MS = 500;     /* just after the supervisor sampled */
  const EVENT_NAMES = [
    "stream_started", "stream_ended", "upstream_connected", "upstream_error",
    "upstream_unhealthy", "upstream_healthy", "client_connected",
    "client_disconnected", "process_exited", "config_reloaded",
    "config_rejected", "events_missed", "source_refreshed", "source_failed",
  ];

  const $ = (id) => document.getElementById(id);
  const streams = new Map();        /* name -> { card, data, rate } */
  const sources = new Map();        /* channel list name -> { card, data } */
  const engines = new Map();        /* engine URL -> its card */
  let daemon = null;
  let previewing = null;            /* { name, retries } */
  let refreshTimer = null;
  let refreshDue = 0;               /* when refreshTimer fires (ms) */
  let statusAt = 0;
  let historyTimer = null;
  let historyStarted = false;

  function tokenFromFragment() {
    const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function field(card, name) {
    return card.querySelector('[data-field="' + name + '"]');
  }

  function fmtDuration(s) {
    s = Math.max(0, Math.floor(s));
    const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24;
    const m = Math.floor(s / 60) % 60, sec = s % 60;
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + m + "m";
    if (m) return m + "m " + sec + "s";
    return sec + "s";
  }

  /* How long ago, in the largest whole unit: "5 min ago". */
  function fmtAgo(ms) {
    const s = Math.floor(Math.max(0, ms) / 1000);
    if (s < 5) return "just now";
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return Math.floor(s / 86400) + " d ago";
  }

  const fmtRate = window.RingcastGraph.fmtRate;

  function urls(name) {
    const n = encodeURIComponent(name);
    return {
      ts: location.origin + "/stream/" + n,
      hls: location.origin + "/hls/" + n + "/index.m3u8",
    };
  }

  function notice(text) {
    const el = $("notice");
    el.textContent = text || "";
    el.hidden = !text;
  }

  async function copy(input, button) {
    const done = () => {
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = "Copy"; }, 1500);
    };
    input.select();
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(input.value);
        done();
        return;
      }
    } catch (e) { /* fall back to the selection */ }
    try {
      if (document.execCommand("copy")) done();
    } catch (e) { /* the text stays selected for a manual copy */ }
  }

  function newCard(name) {
    const card = $("card").content.firstElementChild.cloneNode(true);
    const u = urls(name);
    card.dataset.stream = name;
    card.querySelector(".name").textContent = name;
    field(card, "ts-url").value = u.ts;
    field(card, "hls-url").value = u.hls;
    field(card, "ts-link").href = u.ts;
    field(card, "hls-link").href = u.hls;
    card.querySelectorAll(".copyrow").forEach((row) => {
      const input = row.querySelector("input");
      input.addEventListener("focus", () => input.select());
      row.querySelector(".copy").addEventListener("click",
        () => copy(input, row.querySelector(".copy")));
    });
    card.querySelector(".preview").addEventListener("click",
      () => preview(name));
    return card;
  }

  function render(name) {
    const s = streams.get(name);
    const d = s.data, card = s.card;
    const state = field(card, "state");
    state.textContent = d.state;
    state.dataset.state = d.state;
    const health = field(card, "health");
    const running = d.pid > 0;
    health.textContent = !running ? "\u2014" : d.healthy ? "healthy" : "unhealthy";
    health.className = !running ? "" : d.healthy ? "ok" : "bad";
    field(card, "clients").textContent = String(d.clients);
    field(card, "bitrate").textContent = running ? fmtRate(s.rate) : "\u2014";
    const up = running ? d.uptime + (Date.now() - s.upAt) / 1000 : 0;
    field(card, "uptime").textContent = running ? fmtDuration(up) : "\u2014";
    const upstream = field(card, "upstream");
    upstream.textContent = d.url || "\u2014";
    upstream.title = d.url || "";
    const err = field(card, "error");
    err.textContent = d.last_error || "";
    err.parentElement.hidden = !d.last_error;
    renderPlayers(name, card);
  }

  /* The stream's players: who, how, since when, at what rate and how far
   * behind the live edge (a lag above 5 s is marked). */
  function renderPlayers(name, card) {
    const list = ((daemon && daemon.players) || []).filter(
      (p) => p.stream === name);
    const body = field(card, "players");
    const rows = list.map((p) => {
      const tr = document.createElement("tr");
      const cells = [p.address, p.route, p.user || "\u2014",
        fmtDuration(p.seconds),
        fmtRate(p.rate_bps), p.lag == null ? "\u2014" : p.lag.toFixed(1) + " s",
        p.user_agent || "\u2014"];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 5 && p.lag != null && p.lag > 5) td.className = "lagging";
        tr.appendChild(td);
      });
      return tr;
    });
    body.replaceChildren(...rows);
    field(card, "players-count").textContent = "(" + list.length + ")";
    field(card, "players-box").hidden = list.length === 0;
  }

  function newSourceCard(name) {
    const card = $("source-card").content.firstElementChild.cloneNode(true);
    card.dataset.source = name;
    card.querySelector(".name").textContent = name;
    return card;
  }

  /* A channel list: its last good refresh, what it kept and skipped, and
   * the error of the last refresh when that one failed. */
  function renderSource(name) {
    const s = sources.get(name);
    const d = s.data, card = s.card;
    const state = field(card, "state");
    state.textContent = d.error ? "failed" : d.refreshed ? "ok" : "pending";
    state.dataset.state = state.textContent;
    const t = field(card, "refreshed");
    const when = d.refreshed ? Date.parse(d.refreshed) : NaN;
    if (isNaN(when)) {
      t.textContent = "never";
      t.removeAttribute("datetime");
      t.title = "";
    } else {
      t.dateTime = d.refreshed;
      t.title = new Date(when).toLocaleString();
      t.textContent = fmtAgo(Date.now() - when);
    }
    field(card, "channels").textContent = String(d.channels);
    field(card, "skipped").textContent = String(d.skipped);
    const err = field(card, "error");
    err.textContent = d.error || "";
    err.parentElement.hidden = !d.error;
  }

  function applySources(list) {
    const seen = new Set();
    for (const [name, d] of Object.entries(list || {})) {
      seen.add(name);
      let s = sources.get(name);
      if (!s) {
        s = { card: newSourceCard(name), data: d };
        sources.set(name, s);
        $("sources").appendChild(s.card);
      }
      s.data = d;
      renderSource(name);
    }
    for (const [name, s] of sources) {
      if (!seen.has(name)) {
        s.card.remove();
        sources.delete(name);
      }
    }
    $("sources-panel").hidden = sources.size === 0;
  }

  /* The engines of /status "acestream": state (a managed engine's own,
   * else its health), kind, what its streams say of peers and speed
   * (KB/s, summed over the streams on it), and a managed engine's pid,
   * port and restarts. */
  function engineFigures(st, url) {
    const f = { peers: 0, down: 0, up: 0 };
    for (const d of Object.values(st.streams || {})) {
      const a = d.acestream;
      if (!a || a.engine !== url) continue;
      f.peers += a.peers || 0;
      f.down += a.speed_down || 0;
      f.up += a.speed_up || 0;
    }
    return f;
  }

  function renderEngine(card, e, f) {
    const state = field(card, "state");
    state.textContent = e.draining ? "drained" : e.state || e.health;
    state.dataset.state = e.health === "up" ? "ok" :
      e.health === "down" ? "failed" : "pending";
    field(card, "kind").textContent = e.managed ? "managed" : "configured";
    field(card, "streams").textContent = String(e.streams);
    field(card, "peers").textContent = String(f.peers);
    field(card, "down").textContent = f.down + " KB/s";
    field(card, "up").textContent = f.up + " KB/s";
    field(card, "version").textContent = e.version || "\u2014";
    for (const k of ["pid", "port", "restarts"]) {
      field(card, k + "-box").hidden = e[k] == null;
      field(card, k).textContent = e[k] == null ? "" : String(e[k]);
    }
    const err = field(card, "error");
    err.textContent = e.error || "";
    err.parentElement.hidden = !e.error;
  }

  function applyEngines(st) {
    const list = (st.acestream && st.acestream.engines) || [];
    const box = $("engines");
    const cards = list.map((e) => {
      let card = engines.get(e.url);
      if (!card) {
        card = $("engine-card").content.firstElementChild.cloneNode(true);
        card.dataset.engine = e.url;
        card.querySelector(".name").textContent = e.url;
        card.querySelector(".name").title = e.url;
        engines.set(e.url, card);
      }
      renderEngine(card, e, engineFigures(st, e.url));
      return card;
    });
    for (const [url, card] of engines)
      if (!list.some((e) => e.url === url)) engines.delete(url);
    box.replaceChildren(...cards);
    $("engines-panel").hidden = list.length === 0;
  }

  function applyStatus(st) {
    const now = Date.now();
    const seen = new Set();
    daemon = st;
    for (const [name, d] of Object.entries(st.streams || {})) {
      seen.add(name);
      let s = streams.get(name);
      if (!s) {
        s = { card: newCard(name), data: d, rate: null, bytes: null, at: 0,
              upAt: now };
        streams.set(name, s);
        $("streams").appendChild(s.card);
      }
      if (s.bytes != null && d.pid > 0 && d.bytes_in >= s.bytes && now > s.at)
        s.rate = (d.bytes_in - s.bytes) * 8000 / (now - s.at);
      else if (d.pid <= 0)
        s.rate = null;
      s.bytes = d.bytes_in;
      s.at = now;
      s.upAt = now;
      s.data = d;
    }
    for (const [name, s] of streams) {
      if (!seen.has(name)) {
        s.card.remove();
        streams.delete(name);
      }
    }
    statusAt = now;
    for (const name of streams.keys()) render(name);
    $("empty").hidden = streams.size > 0;
    applySources(st.sources);
    applyEngines(st);
    summary();
  }

  function summary() {
    if (!daemon) return;
    const up = daemon.uptime + (Date.now() - statusAt) / 1000;
    $("summary").textContent = "ringcastd " + daemon.version + ", up " +
      fmtDuration(up) + ", " + daemon.clients + " client" +
      (daemon.clients === 1 ? "" : "s") + ", " + streams.size + " stream" +
      (streams.size === 1 ? "" : "s");
  }

  function scheduleRefresh(ms) {
    clearTimeout(refreshTimer);
    refreshDue = Date.now() + ms;
    refreshTimer = setTimeout(refresh, ms);
  }

  async function refresh() {
    scheduleRefresh(STATUS_POLL_MS);
    try {
      const r = await fetch("/status", { cache: "no-store" });
      if (!r.ok) throw new Error("HTTP " + r.status);
      applyStatus(await r.json());
    } catch (e) {
      $("summary").textContent = "cannot read /status: " + e.message;
    }
    if (!historyStarted) {
      historyStarted = true;
      refreshGraphs();
    }
  }

  /* One stream's graph; its history's interval (ms), or 0. */
  async function refreshGraph(name) {
    try {
      const r = await fetch("/history?stream=" + encodeURIComponent(name),
        { cache: "no-store" });
      if (!r.ok) return 0;
      const h = await r.json();
      const s = streams.get(name);
      if (!s || !Array.isArray(h.samples) || !h.samples.length) return 0;
      const fig = field(s.card, "graph");
      window.RingcastGraph.draw(fig, h);
      fig.hidden = false;
      return h.interval * 1000;
    } catch (e) {
      return 0;       /* the next round tries again */
    }
  }

  /* Every graph, then again just after the supervisor's next sample. */
  async function refreshGraphs() {
    clearTimeout(historyTimer);
    const intervals = await Promise.all([...streams.keys()].map(refreshGraph));
    const known = intervals.filter((ms) => ms > 0);
    const every = known.length ? Math.max(HISTORY_MIN_MS, ...known) :
      STATUS_POLL_MS;
    const wait = every - Date.now() % every + HISTORY_AFTER_MS;
    historyTimer = setTimeout(refreshGraphs, Math.min(HISTORY_MAX_MS, wait));
  }

  /* After an event; a refresh already due sooner stays (a steady flow
   * of events must not keep postponing it). */
  function refreshSoon() {
    if (refreshDue > Date.now() + REFRESH_AFTER_EVENT_MS)
      scheduleRefresh(REFRESH_AFTER_EVENT_MS);
  }

  /* Apply what an event says at once; /status follows shortly after. */
  function applyEvent(ev) {
    const s = ev.stream != null ? streams.get(ev.stream) : null;
    if (s) {
      const d = s.data;
      switch (ev.event) {
        case "stream_started":
          d.state = "starting"; d.pid = ev.pid; d.url = ev.url;
          d.uptime = 0; s.upAt = Date.now(); d.healthy = false;
          s.bytes = null; s.rate = null;
          break;
        case "stream_ended":
          d.state = ev.reason === "eof" ? "ended" : "stopped";
          d.pid = 0; d.healthy = false;
          break;
        case "upstream_connected":
          d.state = "running"; d.healthy = true; d.url = ev.url;
          break;
        case "upstream_error":
          d.state = "retrying"; d.last_error = ev.error;
          break;
        case "upstream_unhealthy": d.healthy = false; break;
        case "upstream_healthy": d.healthy = true; break;
        case "client_connected": d.clients += 1; break;
        case "client_disconnected": d.clients = Math.max(0, d.clients - 1); break;
      }
      render(ev.stream);
    }
    if (ev.event === "config_rejected")
      notice("Reload rejected: " + ev.error);
    else if (ev.event === "config_reloaded")
      notice("");
    logEvent(ev);
    refreshSoon();
  }

  function logEvent(ev) {
    const li = document.createElement("li");
    const t = document.createElement("time");
    const when = ev.time ? new Date(ev.time) : new Date();
    t.dateTime = when.toISOString();
    t.textContent = when.toLocaleTimeString();
    const what = document.createElement("span");
    what.className = "what";
    let text = ev.event;
    if (ev.stream) text += " " + ev.stream;
    if (ev.source) text += " " + ev.source;
    if (ev.reason) text += " (" + ev.reason + ")";
    if (ev.client) text += " " + ev.client;
    if (ev.error) text += ": " + ev.error;
    what.textContent = text;
    li.append(t, what);
    const list = $("events");
    list.prepend(li);
    while (list.children.length > EVENTS_KEPT) list.lastElementChild.remove();
  }

  function follow() {
    if (!window.EventSource) return;
    const token = tokenFromFragment();
    const url = "/events" + (token ? "?access_token=" + encodeURIComponent(token) : "");
    const es = new EventSource(url);
    const live = $("live");
    es.onopen = () => {
      live.textContent = "live";
      live.dataset.state = "live";
      refresh();        /* anything missed while not connected */
    };
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        live.textContent = "no live updates";
        live.dataset.state = "error";
        notice("Live updates are unavailable (/events refused the page; if" +
          " the daemon sets events_token, open this page as /ui#token=TOKEN)." +
          " The page still refreshes every few seconds.");
      } else {
        live.textContent = "reconnecting";
        live.dataset.state = "error";
      }
    };
    const handler = (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      applyEvent(ev);
    };
    for (const name of EVENT_NAMES) es.addEventListener(name, handler);
    es.onmessage = handler;   /* events without a known name */
  }

  function urlsText(u) {
    return "Open " + u.hls + " (HLS) or " + u.ts + " (MPEG-TS) in VLC, mpv" +
      " or a player page with hls.js; the Copy buttons put them on the" +
      " clipboard.";
  }

  function startVideo(u) {
    const video = $("video");
    video.src = u.hls;
    video.play().catch(() => { /* autoplay refused: controls remain */ });
  }

  function preview(name) {
    const u = urls(name);
    const video = $("video"), msg = $("player-msg");
    $("player-title").textContent = "Preview: " + name;
    $("player").hidden = false;
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      previewing = { name: name, retries: 0 };
      msg.hidden = true;
      video.hidden = false;
      startVideo(u);
    } else {
      previewing = null;
      video.removeAttribute("src");
      video.load();
      video.hidden = true;
      msg.hidden = false;
      msg.textContent = "This browser does not play HLS by itself. " +
        urlsText(u);
    }
    $("player").scrollIntoView({ behavior: "smooth", block: "start" });
  }

  /* A live stream that has just started lists a segment or two, which
   * some native players refuse: try again a few times, then say why. */
  function previewFailed() {
    const video = $("video"), msg = $("player-msg"), p = previewing;
    if (!p || $("player").hidden || !video.error) return;
    const u = urls(p.name);
    const why = video.error.message || "media error " + video.error.code;
    msg.hidden = false;
    if (p.retries < PREVIEW_RETRIES) {
      p.retries++;
      msg.textContent = "The browser could not play " + p.name + " (" +
        why + "); trying again.";
      setTimeout(() => { if (previewing === p) startVideo(u); },
        PREVIEW_RETRY_MS);
    } else {
      msg.textContent = "The browser could not play " + p.name + " (" +
        why + "). " + urlsText(u);
    }
  }

  function closePreview() {
    const video = $("video");
    previewing = null;
    video.pause();
    video.removeAttribute("src");
    video.load();
    $("player").hidden = true;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("player-close").addEventListener("click", closePreview);
    $("video").addEventListener("error", previewFailed);
    $("video").addEventListener("playing", () => {
      if (previewing) $("player-msg").hidden = true;
    });
    refresh();
    follow();
    setInterval(() => {
      for (const name of streams.keys()) render(name);
      for (const name of sources.keys()) renderSource(name);
      summary();
    }, 1000);
  });
})();
