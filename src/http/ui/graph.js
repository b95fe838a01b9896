/*
 * ringcast status page: the graph of a stream's last hour, drawn from
 * GET /history as plain SVG (no library).  Two bands share the time axis:
 * bitrate in and out above, clients below; upstream errors, reconnects,
 * failovers, starts and stops are vertical marks across both.  The SVG is
 * stretched to the card's width (preserveAspectRatio="none", strokes kept
 * thin by vector-effect in app.css), so it fits a phone as well as a
 * desktop; numbers are HTML beside it, never stretched.  A missing sample
 * (null) breaks the lines: a gap is drawn as a gap, never as zero.
 * Everything is attributes and classes (no inline style), as the page's
 * Content-Security-Policy wants.
 */
"use strict";

window.RingcastGraph = (function () {
  const NS = "http://www.w3.org/2000/svg";
  const H = 100;                      /* viewBox height */
  const RATE_TOP = 3, RATE_BOTTOM = 62; /* the bitrate band */
  const CLIENT_TOP = 70, CLIENT_BOTTOM = 98;
  const MARK_KINDS = ["error", "reconnect", "failover", "start", "stop"];

  function fmtRate(bps) {
    if (bps == null) return "\u2014";
    const u = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s"];
    let i = 0;
    while (bps >= 1000 && i < u.length - 1) { bps /= 1000; i++; }
    return (i ? bps.toFixed(1) : Math.round(bps)) + " " + u[i];
  }

  /* A round number at least V (1, 2 or 5 times a power of ten). */
  function ceilNice(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  function el(name, attrs) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }

  /* "M x y L x y ..." of the runs of points that are not null; a lone
   * point gets a short flat stroke so that it shows. */
  function linePath(points) {
    let d = "", run = [];
    const flush = () => {
      if (run.length === 1) run.push([run[0][0] + 0.8, run[0][1]]);
      run.forEach((p, i) => {
        d += (i ? "L" : "M") + p[0].toFixed(1) + " " + p[1].toFixed(2) + " ";
      });
      run = [];
    };
    for (const p of points) {
      if (p) run.push(p); else flush();
    }
    flush();
    return d.trim();
  }

  /* The same runs closed down to BASE: a filled area (clients). */
  function areaPath(points, base) {
    let d = "", run = [];
    const flush = () => {
      if (!run.length) return;
      const x0 = run[0][0] - 0.5, x1 = run[run.length - 1][0] + 0.5;
      d += "M" + x0.toFixed(1) + " " + base + " ";
      for (const p of run) {
        d += "L" + (p[0] - 0.5).toFixed(1) + " " + p[1].toFixed(2) + " L" +
          (p[0] + 0.5).toFixed(1) + " " + p[1].toFixed(2) + " ";
      }
      d += "L" + x1.toFixed(1) + " " + base + " Z ";
      run = [];
    };
    for (const p of points) {
      if (p) run.push(p); else flush();
    }
    flush();
    return d.trim();
  }

  function windowLabel(seconds) {
    return seconds >= 120 ? Math.round(seconds / 60) + " min" :
      Math.round(seconds) + " s";
  }

  /*
   * Draw history H (the JSON of /history) into FIGURE, the card's
   * <figure class="graph">: its .graph-box gets a new <svg>, its
   * [data-field] spans the numbers.  Returns nothing; the svg carries
   * data-end (the newest interval shown) and data-samples (how many were
   * there) for whoever wants to know what is drawn.
   */
  function draw(figure, h) {
    const n = h.samples.length, iv = h.interval;
    const f = (name) => figure.querySelector('[data-field="' + name + '"]');
    let rmax = 0, cmax = 0, got = 0;
    /* the values now: the newest interval's, or the one before (the
     * newest may not be sampled yet); none for a stream not running */
    const last = h.samples[n - 1] || h.samples[n - 2] || null;
    for (const s of h.samples) {
      if (!s) continue;
      got++;
      rmax = Math.max(rmax, (s.in || 0) * 8, (s.out || 0) * 8);
      cmax = Math.max(cmax, s.clients);
    }
    rmax = ceilNice(rmax);
    cmax = ceilNice(cmax);
    const x = (i) => i + 0.5;
    const ry = (v) => RATE_BOTTOM - (v * 8 / rmax) * (RATE_BOTTOM - RATE_TOP);
    const cy = (c) => CLIENT_BOTTOM - (c / cmax) * (CLIENT_BOTTOM - CLIENT_TOP);
    const pts = (fn) => h.samples.map((s, i) => fn(s, i));
    const svg = el("svg", {
      viewBox: "0 0 " + n + " " + H, preserveAspectRatio: "none",
      role: "img", "data-end": String(h.end), "data-samples": String(got),
      "aria-label": "clients and bitrate of " + h.stream + ", last " +
        windowLabel(n * iv),
    });
    svg.append(
      el("line", { class: "g-grid", x1: 0, x2: n, y1: RATE_BOTTOM, y2: RATE_BOTTOM }),
      el("line", { class: "g-grid", x1: 0, x2: n, y1: CLIENT_BOTTOM, y2: CLIENT_BOTTOM }),
      el("path", { class: "g-clients", d: areaPath(pts((s, i) =>
        s ? [x(i), cy(s.clients)] : null), CLIENT_BOTTOM) }),
      el("path", { class: "g-in", d: linePath(pts((s, i) =>
        s && s.in != null ? [x(i), ry(s.in)] : null)) }),
      el("path", { class: "g-out", d: linePath(pts((s, i) =>
        s && s.out != null ? [x(i), ry(s.out)] : null)) }));
    const counts = {};
    for (const m of h.marks || []) {
      /* in the column of the sample whose interval holds it: sample i
       * (at start + i * interval) covers the interval that ends there */
      const mx = Math.min(n, Math.max(0, (m.time - h.start) / iv + 1));
      const line = el("line", { class: "g-mark m-" + m.kind, x1: mx, x2: mx,
                                y1: 0, y2: H });
      const title = el("title");
      title.textContent = new Date(m.time * 1000).toLocaleTimeString() + " " +
        m.kind + (m.count > 1 ? " \u00d7" + m.count : "") +
        (m.text ? ": " + m.text : "");
      line.append(title);
      svg.append(line);
      counts[m.kind] = (counts[m.kind] || 0) + (m.count || 1);
    }
    const box = figure.querySelector(".graph-box");
    const old = box.querySelector("svg");
    if (old) old.replaceWith(svg); else box.prepend(svg);
    f("g-rmax").textContent = got ? fmtRate(rmax) : "";
    f("g-cmax").textContent = got ? cmax + (cmax === 1 ? " client" : " clients") : "";
    f("g-in").textContent = fmtRate(last && last.in != null ? last.in * 8 : null);
    f("g-out").textContent = fmtRate(last && last.out != null ? last.out * 8 : null);
    f("g-clients").textContent = last ? String(last.clients) : "\u2014";
    f("g-from").textContent = "\u2212" + windowLabel(n * iv);
    const marks = f("g-marks");
    marks.textContent = got || h.marks.length ? "" : "no samples";
    for (const k of MARK_KINDS) {
      if (!counts[k]) continue;
      const span = document.createElement("span");
      span.className = "key m-" + k;
      span.textContent = counts[k] + " " + k + (counts[k] > 1 ? "s" : "");
      marks.append(span);
    }
  }

  return { draw: draw, fmtRate: fmtRate };
})();
