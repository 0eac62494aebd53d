/**
 * The report's only script: the request waterfall, drawn on a canvas. It reads the columnar data
 * embedded in `#waterfall-data` (src/report/waterfall-data.ts), packs each group's requests into
 * lanes, and on every redraw draws only the bars inside the visible time range, batched by colour,
 * so a 100,000-request trace pans and zooms smoothly. Wheel zooms around the cursor, drag pans,
 * double-click resets. The number of bars drawn is published in `data-bars` on the canvas.
 *
 * Plain ES2017 in a string: it runs in the browser, not in Node, and must not depend on a build
 * step (the report is one self-contained file).
 */
export const WATERFALL_SCRIPT = String.raw`
(function () {
  'use strict';
  var source = document.getElementById('waterfall-data');
  var canvas = document.getElementById('waterfall');
  if (!source || !canvas) return;
  var data = JSON.parse(source.textContent);
  var tip = document.getElementById('waterfall-tip');
  var modeSelect = document.getElementById('waterfall-group');
  var info = document.getElementById('waterfall-range');
  var ctx = canvas.getContext('2d');
  var COLORS = ['#2e9e4f', '#3b7dd8', '#e08a1e', '#d64541', '#8e44ad', '#c9a227'];
  var OUTCOMES = ['ok', 'http error', 'failed', 'retry', 'redirect'];
  var GUTTER = 150, AXIS = 22;
  var n = data.d.length;
  var cls = new Uint8Array(n);
  var byColour = [[], [], [], [], [], []];
  for (var i = 0; i < n; i++) {
    var s = data.s[i], o = data.o[i], c = 0;
    if (o === 2) c = 4; else if (o === 3) c = 5; else if (o === 4 || (s >= 300 && s < 400)) c = 1;
    else if (s >= 500) c = 3; else if (s >= 400) c = 2;
    cls[i] = c;
    byColour[c].push(i);
  }
  var view = { from: 0, to: Math.max(data.span, 1) };
  var layout = null;

  // Greedy lane packing per group: a request takes the first lane free at its dispatch time, so a
  // group needs about as many lanes as its peak concurrency. Records arrive sorted by dispatch.
  function pack(mode) {
    var group = data.groups[mode];
    var lanesOf = group.names.map(function () { return []; });
    var laneIn = new Uint32Array(n);
    for (var i = 0; i < n; i++) {
      var ends = lanesOf[group.idx[i]];
      var lane = 0;
      while (lane < ends.length && ends[lane] > data.d[i]) lane++;
      ends[lane] = data.e[i];
      laneIn[i] = lane;
    }
    var first = [], total = 0;
    for (var g = 0; g < group.names.length; g++) { first.push(total); total += Math.max(1, lanesOf[g].length); }
    var row = new Uint32Array(n);
    var rows = [];
    for (var r = 0; r < total; r++) rows.push([]);
    for (var j = 0; j < n; j++) { row[j] = first[group.idx[j]] + laneIn[j]; rows[row[j]].push(j); }
    var rowH = Math.max(2, Math.min(14, Math.floor(560 / Math.max(1, total))));
    return { group: group, first: first, total: total, row: row, rows: rows, rowH: rowH };
  }

  function fmt(ms) {
    if (ms >= 60000) return (ms / 60000).toFixed(2) + ' min';
    if (ms >= 1000) return (ms / 1000).toFixed(2) + ' s';
    return ms.toFixed(1) + ' ms';
  }

  function tickStep(span) {
    var raw = span / 8, mag = Math.pow(10, Math.floor(Math.log10(raw || 1))), m = raw / mag;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag;
  }

  function draw() {
    var dpr = window.devicePixelRatio || 1;
    var width = canvas.parentElement.clientWidth || 900;
    var height = AXIS + layout.total * layout.rowH;
    canvas.style.width = width + 'px';
    canvas.style.height = height + 'px';
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    var plotW = width - GUTTER, span = view.to - view.from, k = plotW / span, rowH = layout.rowH;
    var g, y;
    for (g = 0; g < layout.group.names.length; g++) {
      var lanes = (g + 1 < layout.first.length ? layout.first[g + 1] : layout.total) - layout.first[g];
      y = AXIS + layout.first[g] * rowH;
      ctx.fillStyle = g % 2 ? '#f3f5f8' : '#ffffff';
      ctx.fillRect(0, y, width, lanes * rowH);
      if (lanes * rowH >= 10) {
        ctx.fillStyle = '#333';
        ctx.font = '11px system-ui, sans-serif';
        ctx.fillText(layout.group.names[g].slice(0, 22), 4, y + Math.min(lanes * rowH, 14) - 3);
      }
    }
    ctx.fillStyle = '#555';
    ctx.font = '11px system-ui, sans-serif';
    var step = tickStep(span);
    for (var t = Math.ceil(view.from / step) * step; t <= view.to; t += step) {
      var tx = GUTTER + (t - view.from) * k;
      ctx.fillRect(tx, AXIS - 6, 1, 6);
      ctx.fillText(fmt(t), tx + 2, 12);
    }
    var bars = 0;
    for (var c = 0; c < COLORS.length; c++) {
      var list = byColour[c];
      ctx.fillStyle = COLORS[c];
      for (var q = 0; q < list.length; q++) {
        var i = list[q], d = data.d[i], e = data.e[i];
        if (e < view.from || d > view.to) continue;
        var x1 = GUTTER + Math.max(0, (d - view.from) * k), x2 = GUTTER + Math.min(plotW, (e - view.from) * k);
        y = AXIS + layout.row[i] * rowH;
        var h = data.h[i];
        // Waiting for headers is drawn faint; the body transfer (headers to done) solid.
        if (h >= 0 && h > d) {
          var xh = GUTTER + Math.min(plotW, Math.max(0, (h - view.from) * k));
          ctx.globalAlpha = 0.4;
          ctx.fillRect(x1, y, Math.max(1, xh - x1), Math.max(1, rowH - 1));
          ctx.globalAlpha = 1;
          if (x2 > xh) ctx.fillRect(xh, y, Math.max(1, x2 - xh), Math.max(1, rowH - 1));
        } else {
          ctx.fillRect(x1, y, Math.max(1, x2 - x1), Math.max(1, rowH - 1));
        }
        bars++;
      }
    }
    if (rowH >= 5) {
      // Time queued in the frontier before dispatch: a thin grey line leading into the bar.
      ctx.fillStyle = '#9aa3ad';
      for (var w = 0; w < n; w++) {
        var qa = data.q[w], da = data.d[w];
        if (qa < 0 || qa >= da || da < view.from || qa > view.to) continue;
        var qx = GUTTER + Math.max(0, (qa - view.from) * k), dx = GUTTER + Math.min(plotW, (da - view.from) * k);
        ctx.fillRect(qx, AXIS + layout.row[w] * rowH + Math.floor(rowH / 2), Math.max(1, dx - qx), 1);
      }
    }
    canvas.setAttribute('data-bars', String(bars));
    if (info) info.textContent = fmt(view.from) + ' to ' + fmt(view.to) + ', ' + bars + ' bars drawn';
  }

  function relayout() {
    layout = pack(modeSelect ? modeSelect.value : 'slot');
    draw();
  }

  function timeAt(clientX) {
    var rect = canvas.getBoundingClientRect();
    var plotW = rect.width - GUTTER;
    return view.from + ((clientX - rect.left - GUTTER) / plotW) * (view.to - view.from);
  }

  canvas.addEventListener('wheel', function (event) {
    event.preventDefault();
    var at = timeAt(event.clientX);
    var factor = event.deltaY < 0 ? 0.8 : 1.25;
    var from = at - (at - view.from) * factor, to = at + (view.to - at) * factor;
    var full = Math.max(data.span, 1);
    if (to - from > full) { from = 0; to = full; }
    if (to - from < 0.05) return;
    view.from = Math.max(0, from);
    view.to = Math.min(full, Math.max(view.from + 0.05, to));
    draw();
  }, { passive: false });

  var dragX = null;
  canvas.addEventListener('mousedown', function (event) { dragX = event.clientX; });
  window.addEventListener('mouseup', function () { dragX = null; });
  canvas.addEventListener('dblclick', function () { view.from = 0; view.to = Math.max(data.span, 1); draw(); });
  canvas.addEventListener('mousemove', function (event) {
    var rect = canvas.getBoundingClientRect();
    if (dragX !== null) {
      var shift = ((dragX - event.clientX) / (rect.width - GUTTER)) * (view.to - view.from);
      var full = Math.max(data.span, 1), len = view.to - view.from;
      view.from = Math.min(full - len, Math.max(0, view.from + shift));
      view.to = view.from + len;
      dragX = event.clientX;
      draw();
      return;
    }
    if (!tip) return;
    var row = Math.floor((event.clientY - rect.top - AXIS) / layout.rowH);
    var t = timeAt(event.clientX), hit = -1, items = layout.rows[row] || [];
    for (var a = 0; a < items.length; a++) { var x = items[a]; if (data.d[x] <= t && data.e[x] >= t) { hit = x; break; } }
    if (hit < 0) { tip.hidden = true; return; }
    tip.hidden = false;
    tip.style.left = (event.clientX - rect.left + 12) + 'px';
    tip.style.top = (event.clientY - rect.top + 12) + 'px';
    tip.textContent = data.u[hit] + '\n' + (data.s[hit] ? 'status ' + data.s[hit] + ', ' : '') + OUTCOMES[data.o[hit]] +
      '\n' + 'dispatched ' + fmt(data.d[hit]) + ', done after ' + fmt(data.e[hit] - data.d[hit]) +
      (data.h[hit] >= 0 ? ', headers after ' + fmt(data.h[hit] - data.d[hit]) : '') +
      (data.q[hit] >= 0 ? '\nqueued ' + fmt(data.d[hit] - data.q[hit]) + ' before dispatch' : '');
  });
  canvas.addEventListener('mouseleave', function () { if (tip) tip.hidden = true; });
  if (modeSelect) modeSelect.addEventListener('change', relayout);
  var reset = document.getElementById('waterfall-reset');
  if (reset) reset.addEventListener('click', function () { view.from = 0; view.to = Math.max(data.span, 1); draw(); });
  window.addEventListener('resize', draw);
  relayout();
})();
`;
