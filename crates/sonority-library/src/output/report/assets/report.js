/* sonority report. Reads the JSON blob in #report-data and builds the page.
 * Every string that comes from the data is inserted with textContent (never parsed as markup), and
 * no request leaves the page (the Content-Security-Policy blocks them anyway). */
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var report = {
    ready: false,
    readyMs: null,
    paintedMs: null,
    pointsDrawn: 0,
    trackCount: 0,
    current: null,
    playingIntent: false,
    playing: false,
    playError: null,
    errors: []
  };
  window.sonorityReport = report;
  window.addEventListener('error', function (e) {
    report.errors.push(String(e.message || e));
  });

  var data;
  try {
    data = JSON.parse(document.getElementById('report-data').textContent);
  } catch (e) {
    report.errors.push('cannot read the report data: ' + e);
    return;
  }
  var tracks = data.tracks || [];
  var clusters = data.clusters || [];
  var families = data.families || [];
  report.trackCount = tracks.length;
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;

  /* ---------- helpers ---------- */

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG_NS, tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
      }
    }
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function byId(id) { return document.getElementById(id); }
  function swatch(color) {
    var s = el('span', 'swatch');
    s.style.background = color;
    return s;
  }
  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function fmt(v, digits) {
    if (!isNum(v)) return '–';
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
    return v.toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 3 : digits });
  }
  function fmtClock(s) {
    if (!isNum(s)) return '';
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mm = h > 0 && m < 10 ? '0' + m : String(m);
    return (h > 0 ? h + ':' : '') + mm + ':' + (sec < 10 ? '0' : '') + sec;
  }
  function fmtLong(s) {
    if (!isNum(s) || s <= 0) return '0 min';
    if (s < 60) return Math.round(s) + ' s';
    var h = Math.floor(s / 3600), m = Math.round((s % 3600) / 60);
    if (m === 60) { h += 1; m = 0; }
    return h > 0 ? h + ' h ' + m + ' min' : m + ' min';
  }
  function fmtDate(unix) {
    if (!isNum(unix)) return '–';
    var d = new Date(unix * 1000);
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }
  function label(t) {
    return t.artist ? t.artist + ' – ' + t.title : t.title;
  }
  function plural(n, word, many) { return n.toLocaleString('en-US') + ' ' + (n === 1 ? word : many || word + 's'); }
  function hideSection(id) { var s = byId(id); if (s) s.hidden = true; var a = byId('nav-' + id); if (a) a.hidden = true; }

  /* ---------- header ---------- */

  (function header() {
    var run = data.run || {};
    var realClusters = clusters.filter(function (c) { return !c.noise; }).length;
    byId('subtitle').textContent = [
      plural(tracks.length, 'track')
    ].concat(families.length ? [plural(families.length, 'family', 'families'), plural(realClusters, 'playlist')] : [plural(realClusters, 'cluster')]).concat([
      fmtLong(run.total_duration_s),
      run.algorithm,
      'clustering #' + run.clustering_id + ' of ' + fmtDate(run.created_at)
    ]).join(' · ');
  })();

  /* ---------- player ---------- */

  var audio = byId('audio');
  var nowText = byId('now-text');
  var statusEl = byId('status');
  var queue = [];
  var queuePos = 0;
  var rowsByTrack = {};

  function setStatus(text) { statusEl.textContent = text || ''; }
  function showNow(i) {
    nowText.textContent = '';
    var t = tracks[i];
    var c = clusters[t.cluster];
    nowText.appendChild(el('span', 'label', label(t)));
    var where = (c ? ' · ' + c.name : '') + (queue.length > 1 ? ' · ' + (queuePos + 1) + ' of ' + queue.length : '');
    nowText.appendChild(el('span', 'where', where));
    nowText.title = label(t) + where;
    var sw = byId('now-swatch');
    sw.style.background = c ? c.color : 'transparent';
    sw.hidden = false;
  }
  function markRow(i, on) {
    var rows = rowsByTrack[i];
    if (!rows) return;
    for (var r = 0; r < rows.length; r++) rows[r].classList.toggle('playing', on);
  }
  function playTrack(i, list, pos) {
    if (i === null || i === undefined || !tracks[i]) return;
    if (report.current !== null) markRow(report.current, false);
    queue = list && list.length ? list : [i];
    queuePos = pos || 0;
    report.current = i;
    report.playingIntent = true;
    report.playError = null;
    setStatus('');
    audio.src = tracks[i].src;
    showNow(i);
    markRow(i, true);
    drawMap();
    var p;
    try { p = audio.play(); } catch (e) { p = null; report.playError = String(e); }
    if (p && typeof p.then === 'function') {
      p.then(function () { report.playing = true; }, function (e) {
        if (report.current !== i) return;
        report.playError = e && e.name ? e.name : String(e);
        if (e && e.name === 'NotAllowedError') setStatus('The browser blocked autoplay: press ▶ in the player.');
      });
    }
  }
  function step(delta) {
    var next = queuePos + delta;
    if (next >= 0 && next < queue.length) playTrack(queue[next], queue, next);
  }
  audio.addEventListener('ended', function () {
    if (queuePos + 1 < queue.length) step(1); else report.playingIntent = false;
  });
  audio.addEventListener('playing', function () { report.playing = true; });
  audio.addEventListener('pause', function () { report.playing = false; });
  audio.addEventListener('error', function () {
    if (report.current === null) return;
    var t = tracks[report.current];
    report.playError = 'MediaError ' + (audio.error ? audio.error.code : '?');
    var shown = t.src;
    try { shown = decodeURI(t.src); } catch (e) { /* keep the encoded form */ }
    setStatus('Cannot play ' + shown + ': the file is missing or this browser cannot decode its format.');
    if (queuePos + 1 < queue.length) setTimeout(function () { step(1); }, 1200);
  });
  byId('prev').addEventListener('click', function () { step(-1); });
  byId('next').addEventListener('click', function () { step(1); });

  /* ---------- map ---------- */

  var canvas = byId('map');
  var ctx = canvas.getContext('2d');
  var tooltip = byId('tooltip');
  /* What the map shows alone: null, {cluster: i} or {family: f}. */
  var focus = null;
  function inFocus(ci) {
    if (focus === null) return true;
    if (focus.family !== undefined) return clusters[ci] && clusters[ci].family === focus.family;
    return focus.cluster === ci;
  }
  var hover = null;
  var px = new Float32Array(tracks.length);
  var py = new Float32Array(tracks.length);
  var grid = null;
  var CELL = 12;
  var radius = tracks.length > 8000 ? 1.6 : tracks.length > 2000 ? 2.4 : tracks.length > 300 ? 3.5 : 5.5;
  var cssW = 0, cssH = 0;
  var byCluster = clusters.map(function () { return []; });
  for (var ti = 0; ti < tracks.length; ti++) {
    if (byCluster[tracks[ti].cluster]) byCluster[tracks[ti].cluster].push(ti);
  }

  function layout() {
    var rect = canvas.getBoundingClientRect();
    cssW = Math.max(100, rect.width);
    cssH = Math.max(100, rect.height);
    var dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    var pad = 14;
    var cols = Math.ceil(cssW / CELL) + 1, rows = Math.ceil(cssH / CELL) + 1;
    grid = { cols: cols, rows: rows, cells: new Array(cols * rows) };
    baseValid = false;
    for (var i = 0; i < tracks.length; i++) {
      var x = pad + tracks[i].x * (cssW - 2 * pad);
      var y = pad + (1 - tracks[i].y) * (cssH - 2 * pad);
      px[i] = x; py[i] = y;
      var key = Math.floor(x / CELL) + Math.floor(y / CELL) * cols;
      (grid.cells[key] || (grid.cells[key] = [])).push(i);
    }
  }
  /* The points are drawn once into an offscreen canvas (again only on resize or a change of
   * focus); hovering and playing only copy it and draw their rings on top. */
  var base = document.createElement('canvas');
  var baseValid = false;
  function drawBase() {
    var dpr = window.devicePixelRatio || 1;
    base.width = canvas.width;
    base.height = canvas.height;
    var b = base.getContext('2d');
    b.setTransform(dpr, 0, 0, dpr, 0, 0);
    var drawn = 0;
    var tau = Math.PI * 2;
    for (var c = 0; c < clusters.length; c++) {
      var members = byCluster[c];
      b.globalAlpha = inFocus(c) ? 0.85 : 0.12;
      b.fillStyle = clusters[c].color;
      b.beginPath();
      for (var m = 0; m < members.length; m++) {
        var i = members[m];
        b.moveTo(px[i] + radius, py[i]);
        b.arc(px[i], py[i], radius, 0, tau);
      }
      b.fill();
      drawn += members.length;
    }
    report.pointsDrawn = drawn;
    baseValid = true;
  }
  function drawMap() {
    if (!cssW) return;
    if (!baseValid) drawBase();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(base, 0, 0);
    var dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    var tau = Math.PI * 2;
    function ring(i, color, r, w) {
      ctx.beginPath();
      ctx.arc(px[i], py[i], r, 0, tau);
      ctx.strokeStyle = color;
      ctx.lineWidth = w;
      ctx.stroke();
    }
    if (hover !== null) ring(hover, dark ? '#ffffff' : '#1d232b', radius + 3, 1.5);
    if (report.current !== null) {
      ring(report.current, dark ? '#ffffff' : '#1d232b', radius + 6, 2.5);
      ring(report.current, clusters[tracks[report.current].cluster].color, radius + 3, 2);
    }
  }
  function nearest(x, y) {
    if (!grid) return null;
    var reach = Math.max(radius + 4, 7);
    var best = null, bestD = reach * reach;
    var c0 = Math.floor((x - reach) / CELL), c1 = Math.floor((x + reach) / CELL);
    var r0 = Math.floor((y - reach) / CELL), r1 = Math.floor((y + reach) / CELL);
    for (var r = Math.max(0, r0); r <= Math.min(grid.rows - 1, r1); r++) {
      for (var c = Math.max(0, c0); c <= Math.min(grid.cols - 1, c1); c++) {
        var cell = grid.cells[c + r * grid.cols];
        if (!cell) continue;
        for (var k = 0; k < cell.length; k++) {
          var i = cell[k];
          if (!inFocus(tracks[i].cluster)) continue;
          var dx = px[i] - x, dy = py[i] - y, d = dx * dx + dy * dy;
          if (d <= bestD) { bestD = d; best = i; }
        }
      }
    }
    return best;
  }
  function eventPoint(e) {
    var rect = canvas.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }
  canvas.addEventListener('mousemove', function (e) {
    var p = eventPoint(e);
    var i = nearest(p[0], p[1]);
    if (i !== hover) { hover = i; drawMap(); }
    if (i === null) { tooltip.hidden = true; canvas.style.cursor = 'crosshair'; return; }
    canvas.style.cursor = 'pointer';
    var t = tracks[i], c = clusters[t.cluster];
    var fam = c && c.family !== null && c.family !== undefined ? families[c.family] : null;
    tooltip.textContent = '';
    tooltip.appendChild(el('div', 'tt-title', label(t)));
    var dur = isNum(t.duration_s) ? ' · ' + fmtClock(t.duration_s) : '';
    if (fam) {
      var fl = el('div', 'tt-cluster tt-family');
      fl.appendChild(swatch(fam.color));
      fl.appendChild(el('span', null, 'family: ' + fam.name));
      tooltip.appendChild(fl);
    }
    var line = el('div', 'tt-cluster');
    line.appendChild(swatch(c.color));
    line.appendChild(el('span', null, (fam ? 'playlist: ' + (c.own_name || c.name) : c.name) + dur));
    tooltip.appendChild(line);
    tooltip.hidden = false;
    var tw = tooltip.offsetWidth, th = tooltip.offsetHeight;
    var left = p[0] + 14, top = p[1] + 14;
    if (left + tw > cssW) left = p[0] - tw - 14;
    if (top + th > cssH) top = p[1] - th - 14;
    tooltip.style.left = Math.max(0, left) + 'px';
    tooltip.style.top = Math.max(0, top) + 'px';
  });
  canvas.addEventListener('mouseleave', function () {
    tooltip.hidden = true;
    if (hover !== null) { hover = null; drawMap(); }
  });
  canvas.addEventListener('click', function (e) {
    var p = eventPoint(e);
    var i = nearest(p[0], p[1]);
    if (i !== null) playTrack(i);
  });
  byId('axis-x').textContent = (data.map && data.map.x_label || '') + ' →';
  byId('axis-y').textContent = '↑ ' + (data.map && data.map.y_label || '');
  byId('map-method').textContent = data.map ? data.map.method : '';
  if (families.length) {
    byId('map-colouring').textContent = 'coloured by family, each playlist in a shade of its family’s colour: nearby points sound alike. Hover to see a track and its playlist, click to play it; click a family below to show it alone.';
  }

  /* Shows cluster `c` (or, with `isFamily`, family `c`) alone on the map; again to undo. */
  function setFocus(c, isFamily) {
    var same = focus !== null && (isFamily ? focus.family === c : focus.cluster === c);
    focus = same ? null : isFamily ? { family: c } : { cluster: c };
    var fc = focus && focus.cluster !== undefined ? focus.cluster : null;
    var ff = focus && focus.family !== undefined ? focus.family : null;
    var buttons = document.querySelectorAll('#legend button');
    for (var b = 0; b < buttons.length; b++) {
      var bf = buttons[b].getAttribute('data-family'), bc = buttons[b].getAttribute('data-cluster');
      var pressed = bf !== null ? Number(bf) === ff : Number(bc) === fc;
      buttons[b].setAttribute('aria-pressed', String(pressed));
    }
    var cards = document.querySelectorAll('.card');
    for (var k = 0; k < cards.length; k++) {
      cards[k].classList.toggle('focus', Number(cards[k].getAttribute('data-cluster')) === fc);
    }
    var fcards = document.querySelectorAll('.family');
    for (var q = 0; q < fcards.length; q++) {
      fcards[q].classList.toggle('focus', Number(fcards[q].getAttribute('data-family')) === ff);
    }
    baseValid = false;
    drawMap();
  }
  (function legend() {
    var box = byId('legend');
    if (families.length) {
      box.classList.add('families');
      families.forEach(function (f, fi) {
        var b = el('button');
        b.type = 'button';
        b.setAttribute('data-family', String(fi));
        b.setAttribute('aria-pressed', 'false');
        b.title = 'Show only this family on the map (' + plural(f.clusters.length, 'playlist') + ')';
        b.appendChild(swatch(f.color));
        b.appendChild(el('span', null, f.name));
        var shades = el('span', 'shades');
        f.clusters.forEach(function (ci) {
          var d = el('span', 'shade');
          d.style.background = clusters[ci].color;
          shades.appendChild(d);
        });
        b.appendChild(shades);
        b.appendChild(el('span', 'count', f.size));
        b.addEventListener('click', function () { setFocus(fi, true); });
        box.appendChild(b);
      });
      /* Playlists in no family (and noise) keep a button of their own. */
      clusters.forEach(function (c, i) {
        if (c.family !== null && c.family !== undefined) return;
        box.appendChild(clusterButton(c, i));
      });
      return;
    }
    clusters.forEach(function (c, i) { box.appendChild(clusterButton(c, i)); });
  })();
  function clusterButton(c, i) {
    var b = el('button');
    b.type = 'button';
    b.setAttribute('data-cluster', String(i));
    b.setAttribute('aria-pressed', 'false');
    b.title = 'Show only this cluster on the map';
    b.appendChild(swatch(c.color));
    b.appendChild(el('span', null, c.name));
    b.appendChild(el('span', 'count', c.size));
    b.addEventListener('click', function () { setFocus(i); });
    return b;
  }

  /* ---------- heatmap ---------- */

  function divergingColor(z) {
    var v = Math.max(-1, Math.min(1, z / 2.5));
    var mid = dark ? [48, 52, 60] : [247, 247, 247];
    var hi = [178, 24, 43], lo = [33, 102, 172];
    var end = v >= 0 ? hi : lo, a = Math.abs(v);
    var rgb = mid.map(function (m, k) { return Math.round(m + (end[k] - m) * a); });
    return 'rgb(' + rgb.join(',') + ')';
  }
  (function heatmap() {
    var h = data.heatmap;
    if (!h || !h.rows || !h.rows.length || !h.dims.length) { hideSection('heatmap-section'); return; }
    var cw = 40, ch = 28, left = 230, top = 150, right = 130;
    var w = left + h.dims.length * cw + right, hgt = top + h.rows.length * ch + 60;
    var s = svg('svg', { class: 'chart', width: w, height: hgt, viewBox: '0 0 ' + w + ' ' + hgt, role: 'img' });
    s.appendChild(svg('title', null, 'Clusters × most distinguishing features (z-scores)'));
    h.dims.forEach(function (d, j) {
      var x = left + j * cw + cw / 2, y = top - 8;
      var t = svg('text', { x: x, y: y, transform: 'rotate(-50 ' + x + ' ' + y + ')', 'text-anchor': 'start' }, d.length > 26 ? d.slice(0, 25) + '…' : d);
      t.appendChild(svg('title', null, d + ' (' + h.groups[j] + ')'));
      s.appendChild(t);
    });
    h.rows.forEach(function (ci, r) {
      var c = clusters[ci], y = top + r * ch;
      s.appendChild(svg('circle', { cx: 10, cy: y + ch / 2, r: 6, fill: c.color }));
      var name = c.name.length > 30 ? c.name.slice(0, 29) + '…' : c.name;
      var t = svg('text', { x: 22, y: y + ch / 2 + 4 }, name);
      t.appendChild(svg('title', null, c.name));
      s.appendChild(t);
      h.z[r].forEach(function (z, j) {
        var x = left + j * cw;
        var rect = svg('rect', { x: x + 1, y: y + 1, width: cw - 2, height: ch - 2, rx: 3, fill: divergingColor(z) });
        rect.appendChild(svg('title', null, c.name + ' · ' + h.dims[j] + ': z = ' + (z >= 0 ? '+' : '') + fmt(z, 2)));
        s.appendChild(rect);
        var strong = Math.abs(z) > 1.4;
        var txt = svg('text', { x: x + cw / 2, y: y + ch / 2 + 4, 'text-anchor': 'middle' }, (z >= 0 ? '+' : '−') + Math.abs(z).toFixed(1));
        txt.style.fontSize = '10px';
        txt.style.pointerEvents = 'none';
        if (strong) txt.style.fill = '#ffffff';
        s.appendChild(txt);
      });
    });
    // Colour scale.
    var ly = top + h.rows.length * ch + 22, lx = left, lw = Math.min(240, h.dims.length * cw);
    for (var k = 0; k < 24; k++) {
      var z = -2.5 + (5 * (k + 0.5)) / 24;
      s.appendChild(svg('rect', { x: lx + (k * lw) / 24, y: ly, width: lw / 24 + 0.5, height: 10, fill: divergingColor(z) }));
    }
    s.appendChild(svg('text', { x: lx, y: ly + 24, class: 'muted' }, '−2.5σ (below average)'));
    s.appendChild(svg('text', { x: lx + lw, y: ly + 24, 'text-anchor': 'end', class: 'muted' }, '+2.5σ (above)'));
    byId('heatmap').appendChild(s);
  })();

  /* ---------- k sweep ---------- */

  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) { var pad = Math.abs(lo) * 0.1 || 1; lo -= pad; hi += pad; }
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log(span / n) / Math.LN10));
    var err = (n * step) / span;
    if (err <= 0.15) step *= 10; else if (err <= 0.35) step *= 5; else if (err <= 0.75) step *= 2;
    var start = Math.floor(lo / step) * step, end = Math.ceil(hi / step) * step, ticks = [];
    for (var v = start; v <= end + step * 0.5; v += step) ticks.push(Math.round(v / step) * step);
    return ticks;
  }
  function lineChart(opt) {
    var W = 440, H = 270, L = 64, R = 18, T = 34, B = 44;
    var pts = opt.points.filter(function (p) { return isNum(p.y); });
    var s = svg('svg', { class: 'chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
    s.appendChild(svg('title', null, opt.title));
    s.appendChild(svg('text', { x: L, y: 18 }, opt.title)).style.fontWeight = '600';
    if (!pts.length) { s.appendChild(svg('text', { x: L, y: H / 2, class: 'muted' }, 'no values')); return s; }
    var ks = opt.points.map(function (p) { return p.k; });
    var kmin = Math.min.apply(null, ks), kmax = Math.max.apply(null, ks);
    if (kmax === kmin) { kmin -= 1; kmax += 1; }
    var ys = pts.map(function (p) { return p.y; });
    var ticks = niceTicks(Math.min.apply(null, ys), Math.max.apply(null, ys), 4);
    var y0 = ticks[0], y1 = ticks[ticks.length - 1];
    function X(k) { return L + ((k - kmin) / (kmax - kmin)) * (W - L - R); }
    function Y(v) { return T + (1 - (v - y0) / (y1 - y0 || 1)) * (H - T - B); }
    ticks.forEach(function (v) {
      s.appendChild(svg('line', { x1: L, x2: W - R, y1: Y(v), y2: Y(v), class: 'grid' }));
      s.appendChild(svg('text', { x: L - 6, y: Y(v) + 4, 'text-anchor': 'end', class: 'muted' }, fmt(v, 3)));
    });
    ks.forEach(function (k) {
      s.appendChild(svg('line', { x1: X(k), x2: X(k), y1: H - B, y2: H - B + 4, class: 'axis' }));
      s.appendChild(svg('text', { x: X(k), y: H - B + 16, 'text-anchor': 'middle', class: 'muted' }, k));
    });
    s.appendChild(svg('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis' }));
    s.appendChild(svg('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', class: 'muted' }, 'k (number of clusters)'));
    if (opt.chosen !== null && opt.chosen !== undefined) {
      s.appendChild(svg('line', { x1: X(opt.chosen), x2: X(opt.chosen), y1: T - 4, y2: H - B, class: 'chosen' }));
      var anchor = X(opt.chosen) > W - 110 ? 'end' : 'start';
      s.appendChild(svg('text', { x: X(opt.chosen) + (anchor === 'end' ? -5 : 5), y: T + 6, 'text-anchor': anchor, class: 'chosen-label' }, 'chosen k = ' + opt.chosen));
    }
    var d = pts.map(function (p, i) { return (i ? 'L' : 'M') + X(p.k).toFixed(1) + ' ' + Y(p.y).toFixed(1); }).join(' ');
    s.appendChild(svg('path', { d: d, class: 'series' }));
    pts.forEach(function (p) {
      var dot = svg('circle', { cx: X(p.k), cy: Y(p.y), r: 3.5, class: 'dot' });
      dot.appendChild(svg('title', null, 'k = ' + p.k + ': ' + opt.name + ' ' + fmt(p.y, 4)));
      s.appendChild(dot);
    });
    if (opt.elbow !== null && opt.elbow !== undefined) {
      var e = pts.filter(function (p) { return p.k === opt.elbow; })[0];
      if (e) {
        s.appendChild(svg('circle', { cx: X(e.k), cy: Y(e.y), r: 8, class: 'elbow' }));
        s.appendChild(svg('text', { x: X(e.k) + 11, y: Y(e.y) - 9, class: 'elbow-label' }, 'elbow (knee) k = ' + e.k));
      }
    }
    return s;
  }
  (function sweep() {
    var sw = data.sweep;
    if (!sw || !sw.points || !sw.points.length) { hideSection('sweep-section'); return; }
    var box = byId('sweep');
    byId('sweep-rule').textContent = sw.rule
      ? 'k was chosen by the ' + sw.rule.replace(/_/g, ' ') + ' rule' + (sw.chosen_k ? ' (k = ' + sw.chosen_k + ')' : '') + '.'
      : '';
    var charts = el('div', 'charts');
    charts.appendChild(lineChart({
      title: 'Inertia (within-cluster sum of squares)', name: 'inertia',
      points: sw.points.map(function (p) { return { k: p.k, y: p.inertia }; }),
      chosen: sw.chosen_k, elbow: sw.elbow_k
    }));
    charts.appendChild(lineChart({
      title: 'Mean silhouette (higher is better)', name: 'silhouette',
      points: sw.points.map(function (p) { return { k: p.k, y: p.silhouette }; }),
      chosen: sw.chosen_k, elbow: null
    }));
    box.appendChild(charts);
    var hasBic = sw.points.some(function (p) { return isNum(p.bic); });
    var table = el('table', 'data');
    var head = el('tr');
    ['k', 'inertia', 'silhouette', 'Calinski-Harabasz', 'Davies-Bouldin'].concat(hasBic ? ['BIC'] : []).forEach(function (h) {
      head.appendChild(el('th', null, h));
    });
    table.appendChild(el('thead')).appendChild(head);
    var body = table.appendChild(el('tbody'));
    sw.points.forEach(function (p) {
      var tr = el('tr', p.k === sw.chosen_k ? 'chosen' : null);
      [String(p.k), fmt(p.inertia, 1), fmt(p.silhouette, 4), fmt(p.calinski_harabasz, 1), fmt(p.davies_bouldin, 3)]
        .concat(hasBic ? [fmt(p.bic, 1)] : [])
        .forEach(function (v) { tr.appendChild(el('td', null, v)); });
      body.appendChild(tr);
    });
    box.appendChild(table);
  })();

  /* ---------- cluster cards ---------- */

  var genreColors = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];
  var PAGE = 200;
  function renderTracks(list, c, from) {
    var members = c.tracks;
    var end = Math.min(members.length, from + PAGE);
    var frag = document.createDocumentFragment();
    for (var n = from; n < end; n++) {
      (function (i, pos) {
        var t = tracks[i];
        var li = el('li');
        var b = el('button', 'icon', '▶');
        b.type = 'button';
        b.title = 'Play';
        b.setAttribute('aria-label', 'Play ' + label(t));
        b.addEventListener('click', function () { playTrack(i, members, pos); });
        li.appendChild(b);
        li.appendChild(el('span', 't-label', label(t)));
        li.appendChild(el('span', 't-dur', fmtClock(t.duration_s)));
        li.setAttribute('data-track', String(i));
        (rowsByTrack[i] || (rowsByTrack[i] = [])).push(li);
        if (report.current === i) li.classList.add('playing');
        frag.appendChild(li);
      })(members[n], n);
    }
    list.appendChild(frag);
    if (end < members.length) {
      var more = el('button', 'more', 'Show ' + Math.min(PAGE, members.length - end) + ' more of ' + (members.length - end));
      more.type = 'button';
      more.addEventListener('click', function () { more.remove(); renderTracks(list, c, end); });
      list.appendChild(more);
    }
  }
  function genreMix(box, genres) {
    if (!genres || !genres.length) return;
    box.appendChild(el('h4', null, 'Genres'));
    var total = genres.reduce(function (a, g) { return a + g.count; }, 0);
    var bar = el('div', 'genre-bar');
    var gl = el('ul', 'genre-list');
    genres.forEach(function (g, k) {
      var seg = el('span');
      seg.style.width = (100 * g.count / total) + '%';
      seg.style.background = genreColors[k % genreColors.length];
      seg.title = g.genre + ': ' + g.count;
      bar.appendChild(seg);
      var li = el('li');
      var sw = el('span', 'swatch');
      sw.style.background = genreColors[k % genreColors.length];
      li.appendChild(sw);
      li.appendChild(el('span', null, g.genre + ' ' + g.count));
      gl.appendChild(li);
    });
    box.appendChild(bar);
    box.appendChild(gl);
  }
  /* "dark — spectral centroid 1,150 Hz (library 2,030 Hz)", one line per word. */
  function wordList(box, title, words) {
    if (!words || !words.length) return;
    box.appendChild(el('h4', null, title));
    var ul = el('ul', 'words');
    words.forEach(function (w) {
      var li = el('li');
      li.title = w.dim + ': ' + fmt(w.z, 2) + ' standard deviations from the ' + w.reference_label + ' average';
      var lead = w.word + ' — ';
      if (w.text.indexOf(lead) === 0) {
        li.appendChild(el('span', 'word', w.word));
        li.appendChild(document.createTextNode(' — '));
        li.appendChild(el('span', 'explain', w.text.slice(lead.length)));
      } else {
        li.appendChild(el('span', 'explain', w.text));
      }
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }
  function playAllButton(list, text) {
    var all = el('button', 'primary', text);
    all.type = 'button';
    all.disabled = !list.length;
    all.addEventListener('click', function () { playTrack(list[0], list, 0); });
    return all;
  }
  function clusterCard(c, ci) {
    var card = el('article', 'card');
    card.id = 'cluster-' + ci;
    card.setAttribute('data-cluster', String(ci));
    card.style.setProperty('--c', c.color);
    var inFamily = c.family !== null && c.family !== undefined && families[c.family];
    var h3 = el('h3');
    h3.appendChild(swatch(c.color));
    h3.appendChild(el('span', null, inFamily && c.own_name ? c.own_name : c.name));
    if (inFamily) h3.title = c.name;
    card.appendChild(h3);
    card.appendChild(el('p', 'meta', plural(c.size, 'track') + ' · ' + fmtLong(c.duration_s) + (c.noise ? ' · in no cluster' : (inFamily ? ' · playlist ' : ' · cluster ') + c.id)));
    var actions = el('div', 'actions');
    actions.appendChild(playAllButton(c.tracks, '▶ Play all'));
    var show = el('button', null, 'Show on map');
    show.type = 'button';
    show.addEventListener('click', function () {
      if (!(focus && focus.cluster === ci)) setFocus(ci);
      byId('map-section').scrollIntoView({ block: 'start' });
    });
    actions.appendChild(show);
    card.appendChild(actions);
    wordList(card, inFamily ? 'Within its family' : 'Why this name', c.words);
    if (c.top && c.top.length) {
      card.appendChild(el('h4', null, 'Stands out by'));
      var ul = el('ul', 'features');
      c.top.forEach(function (f) {
        var li = el('li');
        li.title = f.dim + ' (' + f.group + '): ' + fmt(f.z, 2) + ' standard deviations from the library average';
        if (f.word) li.appendChild(el('span', 'word', f.word));
        li.appendChild(el('span', 'dim', f.dim));
        li.appendChild(el('span', 'z ' + (f.z >= 0 ? 'pos' : 'neg'), (f.z >= 0 ? '+' : '−') + Math.abs(f.z).toFixed(1) + 'σ'));
        ul.appendChild(li);
      });
      card.appendChild(ul);
    }
    genreMix(card, c.genres);
    var details = el('details', 'tracks');
    details.appendChild(el('summary', null, 'Tracks (' + c.tracks.length + ')'));
    var list = el('ol', 'tracklist');
    details.appendChild(list);
    var rendered = false;
    details.addEventListener('toggle', function () {
      if (details.open && !rendered) { rendered = true; renderTracks(list, c, 0); }
    });
    card.appendChild(details);
    return card;
  }
  function familyCard(f, fi) {
    var box = el('article', 'family');
    box.id = 'family-' + fi;
    box.setAttribute('data-family', String(fi));
    box.style.setProperty('--c', f.color);
    var head = el('div', 'family-head');
    var h3 = el('h3');
    h3.appendChild(swatch(f.color));
    h3.appendChild(el('span', null, f.name));
    head.appendChild(h3);
    head.appendChild(el('p', 'meta', plural(f.clusters.length, 'playlist') + ' · ' + plural(f.size, 'track') + ' · ' + fmtLong(f.duration_s) + ' · family ' + f.id));
    var all = [];
    f.clusters.forEach(function (ci) { all = all.concat(clusters[ci].tracks); });
    var actions = el('div', 'actions');
    actions.appendChild(playAllButton(all, '▶ Play the family'));
    var show = el('button', null, 'Show on map');
    show.type = 'button';
    show.addEventListener('click', function () {
      if (!(focus && focus.family === fi)) setFocus(fi, true);
      byId('map-section').scrollIntoView({ block: 'start' });
    });
    actions.appendChild(show);
    head.appendChild(actions);
    var side = el('div', 'family-facts');
    wordList(side, 'Why this name', f.words);
    genreMix(side, f.genres);
    head.appendChild(side);
    box.appendChild(head);
    var grid = el('div', 'cards');
    f.clusters.forEach(function (ci) { grid.appendChild(clusterCard(clusters[ci], ci)); });
    box.appendChild(grid);
    return box;
  }
  (function cards() {
    var box = byId('cards');
    if (!families.length) {
      box.className = 'cards';
      clusters.forEach(function (c, ci) { box.appendChild(clusterCard(c, ci)); });
      return;
    }
    box.className = 'family-list';
    byId('clusters-title').textContent = 'Families and playlists';
    byId('nav-clusters-section').textContent = 'Families';
    byId('clusters-hint').textContent = 'Playlists that sound alike are grouped into families; each name’s words are explained by what was measured. Tracks are listed nearest the playlist’s centre first; “Play all” plays them in that order.';
    families.forEach(function (f, fi) { box.appendChild(familyCard(f, fi)); });
    var rest = el('div', 'cards');
    clusters.forEach(function (c, ci) {
      if (c.family === null || c.family === undefined) rest.appendChild(clusterCard(c, ci));
    });
    if (rest.childNodes.length) {
      box.appendChild(el('h3', 'rest-title', 'In no family'));
      box.appendChild(rest);
    }
  })();

  /* ---------- genre table ---------- */

  function genreTable(g, rows, head0, who) {
    var table = el('table', 'data');
    var head = el('tr');
    head.appendChild(el('th', null, head0));
    g.genres.forEach(function (name) { head.appendChild(el('th', null, name)); });
    head.appendChild(el('th', null, 'other'));
    head.appendChild(el('th', null, 'untagged'));
    table.appendChild(el('thead')).appendChild(head);
    var body = table.appendChild(el('tbody'));
    rows.forEach(function (row) {
      var c = who(row);
      if (!c) return;
      var tr = el('tr');
      var name = el('td', 'name');
      name.appendChild(swatch(c.color));
      name.appendChild(el('span', null, c.name));
      tr.appendChild(name);
      var sum = row.counts.reduce(function (a, b) { return a + b; }, 0) + row.other;
      row.counts.concat([row.other]).forEach(function (n) {
        var td = el('td', null, n || '·');
        if (n && sum) td.style.background = 'rgba(59,111,182,' + (0.08 + 0.5 * n / sum).toFixed(3) + ')';
        tr.appendChild(td);
      });
      tr.appendChild(el('td', null, row.untagged || '·'));
      body.appendChild(tr);
    });
    return table;
  }
  (function genres() {
    var g = data.genres;
    if (!g || !g.genres.length) { hideSection('genres-section'); return; }
    var box = byId('genres');
    var fg = data.family_genres;
    if (fg && fg.rows && fg.rows.length) {
      byId('genres-title').textContent = 'Families, playlists and genres';
      byId('genres-hint').textContent = 'Tracks per genre tag in each family, then in each playlist.';
      var ft = genreTable(fg, fg.rows, 'family', function (row) { return families[row.family]; });
      ft.id = 'family-genres';
      box.appendChild(ft);
    }
    box.appendChild(genreTable(g, g.rows, fg && fg.rows && fg.rows.length ? 'playlist' : 'cluster', function (row) { return clusters[row.cluster]; }));
  })();

  /* ---------- artists that sound alike ---------- */

  (function artists() {
    var a = data.artists;
    if (!a) { hideSection('artists-section'); return; }
    var box = byId('artists');
    if (!a.length) {
      box.appendChild(el('p', 'empty', 'No artist has two tracks or more.'));
      return;
    }
    var table = el('table', 'data artists');
    var head = el('tr');
    ['artist', 'tracks', 'sounds most like'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = table.appendChild(el('tbody'));
    a.forEach(function (row) {
      var tr = el('tr');
      tr.appendChild(el('td', 'artist', row.artist));
      tr.appendChild(el('td', null, row.tracks));
      var td = el('td', 'similar');
      if (!row.similar.length) td.appendChild(el('span', 'muted', '–'));
      row.similar.forEach(function (s, k) {
        var span = el('span', 'neighbour', s.artist);
        span.title = plural(s.tracks, 'track') + ', mean distance ' + fmt(s.distance, 3);
        span.appendChild(el('span', 'muted', ' ' + fmt(s.distance, 2)));
        td.appendChild(span);
        if (k + 1 < row.similar.length) td.appendChild(document.createTextNode(' · '));
      });
      tr.appendChild(td);
      body.appendChild(tr);
    });
    box.appendChild(table);
  })();

  /* ---------- run and quality ---------- */

  (function run() {
    var r = data.run || {}, q = data.quality;
    var box = byId('run');
    function facts(title, items) {
      box.appendChild(el('h3', null, title));
      var dl = el('dl', 'facts');
      items.forEach(function (it) {
        dl.appendChild(el('dt', null, it[0]));
        var dd = el('dd', null, it[1]);
        if (it[2]) dd.appendChild(el('span', 'note', it[2]));
        dl.appendChild(dd);
      });
      box.appendChild(dl);
    }
    facts('Run', [
      ['clustering', '#' + r.clustering_id + ', saved ' + fmtDate(r.created_at)],
      ['algorithm', r.algorithm],
      ['clusters (k)', String(r.k)],
      ['tracks', String(r.tracks) + (r.noise ? ' (' + r.noise + ' in no cluster)' : '')],
      ['total duration', fmtLong(r.total_duration_s)],
      ['analysis version', r.analysis_version],
      ['map', (data.map && data.map.method) || '–'],
      ['report generated', fmtDate(data.generated_at)]
    ]);
    if (q) {
      facts('Quality', [
        ['silhouette', fmt(q.silhouette, 4), 'from −1 to 1, higher is better' + (q.silhouette_rows ? ' (on ' + q.silhouette_rows + ' tracks)' : '')],
        ['Calinski-Harabasz', fmt(q.calinski_harabasz, 1), 'higher is better'],
        ['Davies-Bouldin', fmt(q.davies_bouldin, 3), 'lower is better'],
        ['inertia', fmt(q.inertia, 1), 'sum of squared distances to the centres'],
        ['BIC', fmt(q.bic, 1), q.bic === null || q.bic === undefined ? 'mixtures only' : 'lower is better'],
        ['noise', String(isNum(q.noise) ? q.noise : 0), 'tracks in no cluster']
      ]);
    }
    [['Feature selection', r.selection], ['Parameters', r.params]].forEach(function (p) {
      if (p[1] === null || p[1] === undefined) return;
      var d = el('details');
      d.appendChild(el('summary', null, p[0] + ' (JSON)'));
      d.appendChild(el('pre', 'json', JSON.stringify(p[1], null, 2)));
      box.appendChild(d);
    });
    if (data.notes && data.notes.length) {
      box.appendChild(el('h3', null, 'Notes'));
      var ul = el('ul', 'notes');
      data.notes.forEach(function (n) { ul.appendChild(el('li', null, n)); });
      box.appendChild(ul);
    }
  })();

  /* ---------- start ---------- */

  layout();
  drawMap();
  var pending = false;
  window.addEventListener('resize', function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; layout(); drawMap(); });
  });

  /* Test hooks: where a track's point is on the screen (client coordinates). */
  report.pointOnScreen = function (i) {
    var rect = canvas.getBoundingClientRect();
    return { x: rect.left + px[i], y: rect.top + py[i] };
  };
  report.play = function (i) { playTrack(i); };
  report.readyMs = performance.now();
  report.ready = true;
  document.body.setAttribute('data-ready', '1');
  requestAnimationFrame(function () {
    requestAnimationFrame(function () { report.paintedMs = performance.now(); });
  });
})();
