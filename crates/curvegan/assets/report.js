// curvegan's run report: draws the page from the JSON in #data (see the Rust module
// curvegan::run::view::report for its format). Plain DOM and inline SVG, nothing loaded from outside.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('data').textContent);
  var SVG = 'http://www.w3.org/2000/svg'; // an XML namespace name, never fetched
  var COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
    '#7f7f7f', '#bcbd22', '#17becf'];
  // The losses in the colours of losses.png (D_LOSS_COLOR and G_LOSS_COLOR of the figures).
  var LOSS_COLOURS = { D_loss: '#1f77b4', G_loss: '#e36c0a' };
  var STATE_KEY = 'curvegan-report:' + location.pathname;
  var state = loadState();

  function num(v) {
    if (v === null || v === undefined) return NaN;
    if (typeof v === 'string') return { inf: Infinity, '-inf': -Infinity }[v] || NaN;
    return v;
  }
  function fmt(v) {
    v = num(v);
    if (!isFinite(v)) return isNaN(v) ? 'NaN' : (v > 0 ? '∞' : '−∞');
    var a = Math.abs(v);
    if (v === 0) return '0';
    if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
    return String(Number(v.toPrecision(5)));
  }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }
  function table(id, header, rows) {
    var head = header && el('thead', {}, [el('tr', {}, header.map(function (h) { return el('th', { text: h }); }))]);
    return el('table', id ? { id: id } : {}, [head, el('tbody', {}, rows)]);
  }
  function cell(text, attrs) {
    attrs = attrs || {};
    attrs.text = text;
    return el('td', attrs);
  }
  function section(title, id, children) {
    return el('section', { id: id }, [el('h2', { text: title })].concat(children));
  }
  function duration(s) {
    if (!isFinite(s)) return '—';
    if (s < 60) return s.toFixed(2) + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + Math.round(s - 60 * m) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }
  function loadState() {
    try { return JSON.parse(sessionStorage.getItem(STATE_KEY)) || {}; } catch (e) { return {}; }
  }
  function saveState() {
    try {
      state.scroll = window.scrollY;
      sessionStorage.setItem(STATE_KEY, JSON.stringify(state));
    } catch (e) { /* storage may be off for files; the page works without it */ }
  }

  // ---- charts -------------------------------------------------------------------------
  // A chart of series {name, color, step[], value[], band?: {lo[], hi[]}} over the steps,
  // with dashed reference lines {label, value} named in the legend (never over the lines).
  // Hover shows the nearest point of every series. Two boxes per chart:
  // - log scale: on by default when every value is positive and they span more than
  //   LOG_SPAN (two decades), a scale on which both ends read;
  // - smooth: an exponential moving average over the steps (time constant SMOOTH_SHARE of
  //   the steps shown), the raw values still drawn faintly; on by default for the losses and
  //   D's outputs (a value per step, noisy), off for metrics (one value per evaluation).
  // The SVG is drawn at the width it is shown, one unit a pixel, so its text has the size
  // the style sheet gives it (12 px); it is redrawn when the window is resized.
  var H = 280, L = 64, R = 24, T = 12, B = 40;
  var LOG_SPAN = 100, SMOOTH_SHARE = 0.02;
  var redraws = [];

  function ticks(lo, hi, n) {
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / n)));
    var err = span / n / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var out = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(t);
    return out;
  }

  // The finite values of every series.
  function finite(series) {
    var out = [];
    series.forEach(function (s) { s.value.forEach(function (v) { v = num(v); if (isFinite(v)) out.push(v); }); });
    return out;
  }
  // Log scale by default: every finite value positive, spanning more than LOG_SPAN.
  function logByDefault(series) {
    var v = finite(series);
    if (!v.length || v.some(function (x) { return x <= 0; })) return false;
    return Math.max.apply(null, v) / Math.min.apply(null, v) > LOG_SPAN;
  }
  // The exponential moving average of a series over its steps: time constant tau steps.
  function ema(s, tau) {
    var out = [], m = NaN, prev = 0;
    s.step.forEach(function (x, i) {
      var v = num(s.value[i]);
      if (!isFinite(v)) { out.push(v); return; }
      m = isNaN(m) ? v : m + (1 - Math.exp(-(x - prev) / tau)) * (v - m);
      prev = x;
      out.push(m);
    });
    return out;
  }
  function toggleBox(cls, text, checked, disabled) {
    var box = el('input', { type: 'checkbox', class: cls });
    box.checked = checked;
    box.disabled = !!disabled;
    return { box: box, label: el('label', { class: 'log' }, [box, document.createTextNode(' ' + text)]) };
  }
  function remembered(kind, id, fallback) {
    var m = state[kind];
    return m && typeof m[id] === 'boolean' ? m[id] : fallback;
  }

  function chart(opts) {
    var id = opts.id;
    var box = el('div', { class: 'chart', 'data-chart': id });
    var head = el('div', { class: 'chart-head' }, [el('h3', { text: opts.title })]);
    var positive = finite(opts.series).some(function (v) { return v > 0; });
    var logDefault = logByDefault(opts.series);
    var log = toggleBox('log-toggle', 'log scale', positive && remembered('log', id, logDefault), !positive);
    var smooth = toggleBox('smooth-toggle', 'smooth', remembered('smooth', id, !!opts.smooth));
    box.setAttribute('data-log-default', String(logDefault));
    head.appendChild(el('span', { class: 'boxes' }, [smooth.label, log.label]));
    box.appendChild(head);
    var holder = el('div', { class: 'plot' });
    box.appendChild(holder);
    var legend = el('div', { class: 'legend' }, opts.series.map(function (s) {
      return el('span', {}, [el('i', { style: 'background:' + s.color }), document.createTextNode(s.name)]);
    }).concat((opts.refs || []).map(function (r) {
      return el('span', { class: 'ref-label' }, [el('i', { class: 'ref-swatch' }), document.createTextNode(r.label + ' = ' + fmt(r.value))]);
    })));
    if (opts.note) legend.appendChild(el('span', { class: 'band-note', text: opts.note }));
    box.appendChild(legend);
    var width = 0;
    function draw(force) {
      var w = Math.max(320, Math.round(holder.clientWidth || 640));
      if (w === width && !force) return;
      width = w;
      holder.textContent = '';
      holder.appendChild(plot(opts, log.box.checked, smooth.box.checked, w));
    }
    [['log', log.box], ['smooth', smooth.box]].forEach(function (k) {
      k[1].addEventListener('change', function () {
        state[k[0]] = state[k[0]] || {};
        state[k[0]][id] = k[1].checked;
        draw(true);
      });
    });
    redraws.push(draw);
    return box;
  }

  function plot(opts, log, smooth, W) {
    var series = opts.series, refs = opts.refs || [];
    var xs = [], ys = [];
    var ok = function (v) { return isFinite(v) && (!log || v > 0); };
    var f = log ? Math.log10 : function (v) { return v; };
    series.forEach(function (s) {
      s.step.forEach(function (x, i) {
        [num(s.value[i])].concat(s.band ? [s.band.lo[i], s.band.hi[i]] : []).forEach(function (v) {
          if (ok(v)) { xs.push(x); ys.push(v); }
        });
      });
    });
    refs.forEach(function (r) { if (ok(r.value)) ys.push(r.value); });
    var s0 = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'plot-svg', role: 'img' });
    if (!xs.length) {
      var t = svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' });
      t.textContent = 'no values yet';
      s0.appendChild(t);
      return s0;
    }
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    var y0 = Math.min.apply(null, ys.map(f)), y1 = Math.max.apply(null, ys.map(f));
    if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
    var pad = (y1 - y0) * 0.05;
    y0 -= pad; y1 += pad;
    var px = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    // A value below a log axis (a band's lower edge at or under 0) sits on its floor.
    var py = function (v) { return T + (y1 - (log && !(v > 0) ? y0 : f(v))) / (y1 - y0) * (H - T - B); };
    // Axes and grid.
    var g = svg('g', { class: 'axes' });
    ticks(x0, x1, Math.max(3, Math.round(W / 110))).forEach(function (x) {
      g.appendChild(svg('line', { x1: px(x), x2: px(x), y1: T, y2: H - B, class: 'grid' }));
      var t = svg('text', { x: px(x), y: H - B + 18, 'text-anchor': 'middle' });
      t.textContent = fmt(x);
      g.appendChild(t);
    });
    var yt = log
      ? (function () {
        var out = [];
        for (var k = Math.ceil(y0); k <= Math.floor(y1); k++) out.push(Math.pow(10, k));
        if (out.length < 2) return ticks(Math.pow(10, y0), Math.pow(10, y1), 4).filter(function (v) { return v > 0; });
        return out;
      })()
      : ticks(y0, y1, 5);
    yt.forEach(function (v) {
      g.appendChild(svg('line', { x1: L, x2: W - R, y1: py(v), y2: py(v), class: 'grid' }));
      var t = svg('text', { x: L - 6, y: py(v) + 4, 'text-anchor': 'end' });
      t.textContent = fmt(v);
      g.appendChild(t);
    });
    g.appendChild(svg('rect', { x: L, y: T, width: W - L - R, height: H - T - B, class: 'frame' }));
    var xl = svg('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle', class: 'label' });
    xl.textContent = opts.xlabel || 'step';
    g.appendChild(xl);
    s0.appendChild(g);
    refs.forEach(function (r) {
      if (ok(r.value)) s0.appendChild(svg('line', { x1: L, x2: W - R, y1: py(r.value), y2: py(r.value), class: 'ref' }));
    });
    var path = function (step, value) {
      var d = '', pen = false;
      step.forEach(function (x, i) {
        var v = num(value[i]);
        if (!ok(v)) { pen = false; return; }
        d += (pen ? 'L' : 'M') + px(x).toFixed(1) + ' ' + py(v).toFixed(1);
        pen = true;
      });
      return d;
    };
    var tau = SMOOTH_SHARE * (x1 - x0);
    series.forEach(function (s) {
      if (!s.band) return;
      // Smoothed with the line, when it is.
      var edge = function (v) { return smooth ? ema({ step: s.step, value: v }, tau) : v; };
      var lo = edge(s.band.lo), hi = edge(s.band.hi), top = '', bottom = '';
      s.step.forEach(function (x, i) {
        if (!isFinite(lo[i]) || !isFinite(hi[i])) return;
        top += (top ? 'L' : 'M') + px(x).toFixed(1) + ' ' + py(hi[i]).toFixed(1);
        bottom = 'L' + px(x).toFixed(1) + ' ' + py(lo[i]).toFixed(1) + bottom;
      });
      if (top) s0.appendChild(svg('path', { d: top + bottom + 'Z', fill: s.color, class: 'band' }));
    });
    var shown = series.map(function (s) { return smooth ? ema(s, tau) : s.value; });
    series.forEach(function (s, k) {
      if (smooth) s0.appendChild(svg('path', { d: path(s.step, s.value), stroke: s.color, class: 'raw' }));
      s0.appendChild(svg('path', { d: path(s.step, shown[k]), stroke: s.color, class: 'line', 'data-series': s.name }));
      if (s.step.length <= 60) {
        s.step.forEach(function (x, i) {
          var v = num(s.value[i]);
          if (ok(v)) s0.appendChild(svg('circle', { cx: px(x), cy: py(v), r: 2.5, fill: s.color }));
        });
      }
    });
    // Hover: the nearest point of each series to the pointer's step.
    var cursor = svg('line', { y1: T, y2: H - B, class: 'cursor', visibility: 'hidden' });
    s0.appendChild(cursor);
    var marks = series.map(function (s) {
      var c = svg('circle', { r: 4, fill: 'none', stroke: s.color, 'stroke-width': 2, visibility: 'hidden' });
      s0.appendChild(c);
      return c;
    });
    var tip = el('div', { class: 'tip', hidden: '' });
    var area = svg('rect', { x: L, y: T, width: W - L - R, height: H - T - B, class: 'hover' });
    s0.appendChild(area);
    area.addEventListener('mousemove', function (ev) {
      var m = s0.getScreenCTM();
      if (!m) return;
      var p = s0.createSVGPoint();
      p.x = ev.clientX; p.y = ev.clientY;
      var at = p.matrixTransform(m.inverse());
      var x = x0 + (at.x - L) / (W - L - R) * (x1 - x0);
      var lines = [], first = null;
      series.forEach(function (s, k) {
        var i = nearest(s.step, x);
        var v = i < 0 ? NaN : num(s.value[i]);
        if (i < 0 || !ok(v)) { marks[k].setAttribute('visibility', 'hidden'); return; }
        if (first === null) first = s.step[i];
        marks[k].setAttribute('cx', px(s.step[i]));
        marks[k].setAttribute('cy', py(smooth ? shown[k][i] : v));
        marks[k].setAttribute('visibility', 'visible');
        var extra = (smooth ? ' (smoothed ' + fmt(shown[k][i]) + ')' : '') +
          (s.band ? ' (± ' + fmt(s.band.sd[i]) + ', ' + s.band.n[i] + ' runs)' : '');
        lines.push([s.color, s.name + ': ' + fmt(v) + extra + (s.step[i] !== first ? ' (step ' + s.step[i] + ')' : '')]);
      });
      if (first === null) return;
      cursor.setAttribute('x1', px(first));
      cursor.setAttribute('x2', px(first));
      cursor.setAttribute('visibility', 'visible');
      tip.textContent = '';
      tip.appendChild(el('b', { text: (opts.xlabel || 'step') + ' ' + fmt(first) }));
      lines.forEach(function (l) {
        tip.appendChild(el('div', {}, [el('i', { style: 'background:' + l[0] }), document.createTextNode(l[1])]));
      });
      tip.hidden = false;
      var left = (px(first) / W) * 100;
      tip.style.left = left > 60 ? '' : 'calc(' + left + '% + 12px)';
      tip.style.right = left > 60 ? 'calc(' + (100 - left) + '% + 12px)' : '';
    });
    area.addEventListener('mouseleave', function () {
      tip.hidden = true;
      cursor.setAttribute('visibility', 'hidden');
      marks.forEach(function (c) { c.setAttribute('visibility', 'hidden'); });
    });
    var wrap = el('div', { class: 'plot-wrap' }, [s0, tip]);
    return wrap;
  }

  function nearest(steps, x) {
    if (!steps.length) return -1;
    var lo = 0, hi = steps.length - 1;
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (steps[mid] < x) lo = mid; else hi = mid;
    }
    return Math.abs(steps[lo] - x) <= Math.abs(steps[hi] - x) ? lo : hi;
  }

  // ---- one run ------------------------------------------------------------------------
  function summary(run) {
    var r = run.record || {};
    var rows = [
      ['status', run.status + (r.error ? ': ' + r.error : '')],
      ['steps', run.steps_done + ' of ' + run.steps_planned],
      ['folder', run.folder],
      ['started', r.start ? r.start.utc : '—'],
      ['ended', r.end ? r.end.utc : '—'],
      ['duration', r.duration_s !== undefined ? duration(r.duration_s) : '—'],
      ['curvegan', r.version || '—'],
      ['command', r.command && r.command.length ? r.command.join(' ') : '—'],
      ['tags', r.tags && r.tags.length ? r.tags.join(', ') : '—']
    ];
    if (r.resumes && r.resumes.length) rows.push(['resumed', r.resumes.map(function (x) { return x.at.utc; }).join(', ')]);
    return table('summary', null, rows.map(function (x) {
      return el('tr', { 'data-summary': x[0] }, [el('th', { text: x[0] }), cell(x[1])]);
    }));
  }

  function metricsTable(run) {
    var rows = run.metrics.map(function (m) {
      var last = m.last, best = m.best;
      return el('tr', { 'data-metric': m.name }, [
        el('th', { text: m.name }),
        cell(last ? fmt(last[1]) : '—', last ? { class: 'final', 'data-value': String(last[1]), 'data-step': last[0] } : {}),
        cell(last ? String(last[0]) : '—'),
        cell(best ? fmt(best[1]) : '—', best ? { class: 'best', 'data-value': String(best[1]), 'data-step': best[0] } : {}),
        cell(best ? String(best[0]) : '—'),
        cell(m.better || '—')
      ]);
    });
    return table('final-metrics', ['metric', 'last evaluation', 'at step', 'best evaluation', 'at step', 'better'], rows);
  }

  function meansTable(run) {
    var rows = run.means.map(function (m) {
      var e = run.references.filter(function (r) { return r.series === m[0]; })[0];
      return el('tr', { 'data-series': m[0] }, [el('th', { text: m[0] }), cell(fmt(m[1])),
        cell(e ? fmt(e.value) + (e.label === fmt(e.value) ? '' : ' (' + e.label + ')') : '—')]);
    });
    return table('means', ['mean of the last ' + run.window + ' steps', 'value', 'equilibrium'], rows);
  }

  function refs(run, series) {
    return run.references.filter(function (r) { return series.indexOf(r.series) >= 0; })
      .map(function (r) { return { label: 'equilibrium' + (series.length > 1 ? ' of ' + r.series : '') + ': ' + r.label, value: r.value }; });
  }

  function configTable(run, keys, id) {
    var rows = run.config.filter(function (kv) { return !keys || keys.indexOf(kv[0]) < 0; }).map(function (kv) {
      return el('tr', { 'data-key': kv[0] }, [el('th', { text: kv[0] }), cell(kv[1])]);
    });
    return table(id || 'config', ['setting', 'value'], rows);
  }

  function figures(run) {
    var f = run.figures;
    if (!f.png.length) return null;
    var n = f.png.length;
    var img = el('img', { id: 'figure', alt: 'step figure' });
    var slider = el('input', { type: 'range', id: 'figure-slider', min: 0, max: n - 1, step: 1, 'data-frames': n });
    var label = el('span', { id: 'figure-step' });
    var play = el('button', { id: 'play', type: 'button', text: 'Play' });
    var timer = null;
    function show(i) {
      i = Math.max(0, Math.min(n - 1, i | 0));
      slider.value = i;
      img.src = 'data:image/png;base64,' + f.png[i];
      label.textContent = 'step ' + f.step[i] + ' (' + (i + 1) + ' of ' + n + ')';
      state.frame = i;
    }
    slider.addEventListener('input', function () { show(+slider.value); });
    play.addEventListener('click', function () {
      if (timer) { clearInterval(timer); timer = null; play.textContent = 'Play'; return; }
      if (+slider.value >= n - 1) show(0);
      play.textContent = 'Pause';
      timer = setInterval(function () {
        if (+slider.value >= n - 1) { clearInterval(timer); timer = null; play.textContent = 'Play'; return; }
        show(+slider.value + 1);
      }, 500);
    });
    show(state.frame !== undefined && state.frame < n ? state.frame : n - 1);
    var note = n < f.total
      ? n + ' of the run\'s ' + f.total + ' step figures, evenly spaced, the first and the last among them'
      : n + ' step figure' + (n === 1 ? '' : 's');
    return section('Step figures', 'figures', [
      el('p', { class: 'note', id: 'figures-note', text: note }),
      el('div', { class: 'controls' }, [play, slider, label]),
      img
    ]);
  }

  function histogram(run) {
    var h = run.family;
    if (!h) return null;
    var bins = h.generated.length, w = (h.hi - h.lo) / bins;
    var top = Math.max.apply(null, h.generated.concat(h.truth)) || 1;
    var W = 720;
    var s0 = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'plot-svg', id: 'family-histogram' });
    var px = function (a) { return L + (a - h.lo) / (h.hi - h.lo) * (W - L - R); };
    var py = function (c) { return T + (1 - c / top / 1.05) * (H - T - B); };
    ticks(h.lo, h.hi, 6).forEach(function (a) {
      s0.appendChild(svg('line', { x1: px(a), x2: px(a), y1: T, y2: H - B, class: 'grid' }));
      var t = svg('text', { x: px(a), y: H - B + 16, 'text-anchor': 'middle' });
      t.textContent = fmt(a);
      s0.appendChild(t);
    });
    ticks(0, top * 1.05, 5).forEach(function (c) {
      var t = svg('text', { x: L - 6, y: py(c) + 4, 'text-anchor': 'end' });
      t.textContent = fmt(c);
      s0.appendChild(t);
    });
    for (var i = 0; i < bins; i++) {
      var g = h.generated[i], r = h.truth[i];
      var bar = svg('rect', { x: px(h.lo + i * w) + 0.5, width: Math.max(0, px(h.lo + w) - px(h.lo) - 1), y: py(g), height: py(0) - py(g), class: 'bar-generated' });
      var tt = svg('title');
      tt.textContent = 'a in [' + fmt(h.lo + i * w) + ', ' + fmt(h.lo + (i + 1) * w) + '): generated ' + g + ', real ' + r;
      bar.appendChild(tt);
      s0.appendChild(bar);
    }
    var d = 'M' + px(h.lo) + ' ' + py(0);
    h.truth.forEach(function (c, i) { d += 'L' + px(h.lo + i * w) + ' ' + py(c) + 'L' + px(h.lo + (i + 1) * w) + ' ' + py(c); });
    d += 'L' + px(h.hi) + ' ' + py(0);
    s0.appendChild(svg('path', { d: d, class: 'truth-outline' }));
    s0.appendChild(svg('rect', { x: L, y: T, width: W - L - R, height: H - T - B, class: 'frame' }));
    var xl = svg('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle', class: 'label' });
    xl.textContent = 'fitted a (y = a·x² + b, least squares per curve)';
    s0.appendChild(xl);
    var outside = h.below[0] + h.above[0] + h.below[1] + h.above[1];
    return section('Fitted a of ' + h.samples + ' generated curves against the truth', 'family', [
      el('div', { class: 'chart' }, [s0, el('div', { class: 'legend' }, [
        el('span', {}, [el('i', { class: 'generated' }), document.createTextNode(
          'generated: mean ' + fmt(h.generated_stats[0]) + ', std ' + fmt(h.generated_stats[1]))]),
        el('span', {}, [el('i', { class: 'truth' }), document.createTextNode(
          'real curves: mean ' + fmt(h.truth_stats[0]) + ', std ' + fmt(h.truth_stats[1]))])
      ])]),
      outside ? el('p', { class: 'note', text: 'outside the axis: generated ' + h.below[0] + ' below, ' + h.above[0] +
        ' above; real ' + h.below[1] + ' below, ' + h.above[1] + ' above' }) : null
    ].filter(Boolean));
  }

  function colour(series, i) { series.color = COLOURS[i % COLOURS.length]; return series; }
  function lossColour(series) { series.color = LOSS_COLOURS[series.name] || COLOURS[0]; return series; }

  function oneRun(app, run) {
    var charts = [
      chart({ id: 'losses', title: 'Losses', series: run.losses.map(lossColour), refs: refs(run, ['G_loss', 'D_loss']), smooth: true }),
      chart({ id: 'outputs', title: 'D(real) and D(fake)', series: run.outputs.map(function (s, i) { return colour(s, i + 2); }), refs: refs(run, ['D(real)']), smooth: true })
    ];
    run.metrics.forEach(function (m, i) {
      charts.push(chart({ id: 'metric-' + m.name, title: m.name + (m.better ? ' (' + m.better + ' is better)' : ''), series: [colour(m.series, i)] }));
    });
    [
      section('Summary', 'summary-section', [summary(run), metricsTable(run),
        run.best ? el('p', { id: 'best', text: 'best/ keeps the evaluation at step ' + run.best.step + ': ' + run.best.metric + ' ' + fmt(run.best.value) }) : null,
        meansTable(run)].filter(Boolean)),
      section('Over the steps', 'charts', [el('div', { class: 'charts' }, charts)]),
      figures(run),
      histogram(run),
      section('Settings (config.toml)', 'config-section', [configTable(run)])
    ].forEach(function (s) { if (s) app.appendChild(s); });
  }

  // ---- several runs -------------------------------------------------------------------
  // A sweep's or benchmark's scores (D.scores): table.md as written, then a table per group
  // (a setting's seeds, or every seed) with each run's score and the group's mean ± sd and
  // success rate, every number as sweep.csv, runs.csv or bench.csv holds it (data-value) and
  // as table.md prints it (the text, made in Rust by the tables' own functions).
  function scoresSection(sc, groupColour, runs) {
    var parts = [el('p', { class: 'note', text: 'The score of each run\'s final generator (its best/ one when it keeps the best), ' +
      'as ' + sc.files.join(', ') + ' hold it; the metrics during training are further down.' })];
    if (sc.table) {
      parts.push(el('p', { class: 'caption', text: sc.table.caption }));
      parts.push(table('table-md', sc.table.header, sc.table.rows.map(function (r, i) {
        return el('tr', { 'data-row': i }, r.map(function (c) { return cell(c); }));
      })));
    }
    sc.groups.forEach(function (g, k) {
      var head = ['run', 'seed'].concat(sc.columns.map(function (c) { return c.heading; }));
      var rows = g.scores.map(function (r) {
        var name = r.run === null ? r.folder + ' (left out)' : runs[r.run].name;
        return el('tr', { 'data-folder': r.folder }, [el('th', { text: name }), cell(String(r.seed))].concat(r.values.map(function (v, i) {
          return cell(v.text, { class: 'score', 'data-metric': sc.columns[i].name, 'data-value': String(num(v.value)) });
        })));
      });
      if (g.means.length) {
        rows.push(el('tr', { class: 'means' }, [el('th', { text: 'mean ± sd' }), cell(g.runs + ' runs')].concat(g.means.map(function (m) {
          return cell(m.text, { class: 'mean', 'data-metric': m.name, 'data-mean': String(num(m.mean)), 'data-sd': String(num(m.sd)) });
        }))));
      }
      if (g.success) {
        rows.push(el('tr', { class: 'success-row' }, [el('th', { text: 'success' }),
          cell(g.success.text, { class: 'success', colspan: String(head.length - 1), 'data-value': String(num(g.success.value)) })]));
      }
      var setting = g.setting.map(function (kv) { return kv[0] + '=' + kv[1]; }).join(' ');
      parts.push(el('div', { class: 'group', 'data-group': g.folder, 'data-name': g.name }, [
        el('h3', {}, [el('i', { class: 'swatch', style: 'background:' + groupColour(k) }), document.createTextNode(g.name + (setting ? ': ' + setting : ''))]),
        table(null, head, rows)
      ]));
    });
    return section('Scores', 'scores-section', parts);
  }

  // Per group, the mean over its runs of the series `pick` gives, with a ± sd band: each run
  // read at the steps of the group's longest series (linearly between its points; a step
  // outside a run's range counts only the runs that reach it).
  function meanSeries(name, color, series) {
    series = series.filter(Boolean);
    if (!series.length) return null;
    var grid = series.reduce(function (a, s) { return s.step.length > a.step.length ? s : a; }).step;
    var at = function (s, x) {
      var i = nearest(s.step, x);
      if (i < 0 || x < s.step[0] || x > s.step[s.step.length - 1]) return NaN;
      var j = s.step[i] <= x ? i : i - 1;
      var a = num(s.value[j]), b = num(s.value[Math.min(j + 1, s.step.length - 1)]);
      var xa = s.step[j], xb = s.step[Math.min(j + 1, s.step.length - 1)];
      return xb === xa ? a : a + (b - a) * (x - xa) / (xb - xa);
    };
    var value = [], lo = [], hi = [], sd = [], n = [];
    grid.forEach(function (x) {
      var v = series.map(function (s) { return at(s, x); }).filter(isFinite);
      var m = v.reduce(function (a, b) { return a + b; }, 0) / v.length;
      var d = v.length > 1 ? Math.sqrt(v.reduce(function (a, b) { return a + (b - m) * (b - m); }, 0) / (v.length - 1)) : NaN;
      value.push(v.length ? m : NaN); sd.push(d); n.push(v.length);
      lo.push(m - d); hi.push(m + d);
    });
    var out = { name: name, color: color, step: grid, value: value };
    if (series.length > 1) out.band = { lo: lo, hi: hi, sd: sd, n: n };
    return out;
  }

  function compare(app, runs) {
    var sc = D.scores;
    var groups = sc ? sc.groups : [];
    var groupOf = runs.map(function () { return -1; });
    groups.forEach(function (g, k) { g.scores.forEach(function (r) { if (r.run !== null) groupOf[r.run] = k; }); });
    var grouped = groupOf.some(function (k) { return k >= 0; });
    var colourOf = function (i) { return COLOURS[(grouped && groupOf[i] >= 0 ? groupOf[i] : i) % COLOURS.length]; };
    var groupColour = function (k) { return COLOURS[k % COLOURS.length]; };
    var swatch = function (i) { return el('i', { style: 'background:' + colourOf(i) }); };
    var runRows = runs.map(function (r, i) {
      var command = r.record && r.record.command && r.record.command.length ? r.record.command.join(' ') : '—';
      return el('tr', { 'data-run': i }, [el('th', {}, [swatch(i), document.createTextNode(r.name)]), cell(r.status),
        cell(r.steps_done + ' of ' + r.steps_planned), cell(r.folder), cell(command, { class: 'command' })]);
    });
    var value = function (run, key) {
      for (var k = 0; k < run.config.length; k++) if (run.config[k][0] === key) return run.config[k][1];
      return '—';
    };
    var diffRows = D.differing.map(function (key) {
      return el('tr', { 'data-key': key }, [el('th', { text: key })].concat(runs.map(function (r) { return cell(value(r, key)); })));
    });
    var names = [];
    runs.forEach(function (r) { r.metrics.forEach(function (m) { if (names.indexOf(m.name) < 0) names.push(m.name); }); });
    var metricRows = [];
    names.forEach(function (name) {
      ['last', 'best'].forEach(function (kind) {
        var cells = runs.map(function (r, i) {
          var m = r.metrics.filter(function (x) { return x.name === name; })[0];
          var v = m && m[kind];
          return v ? cell(fmt(v[1]) + ' @' + v[0], { class: kind === 'last' ? 'final' : 'best', 'data-run': i, 'data-value': String(v[1]), 'data-step': v[0] }) : cell('—');
        });
        metricRows.push(el('tr', { 'data-metric': name, 'data-kind': kind }, [el('th', { text: name }), cell(kind === 'last' ? 'last evaluation' : 'best evaluation')].concat(cells)));
      });
    });
    var metricOf = function (name) {
      return function (r) { var m = r.metrics.filter(function (x) { return x.name === name; })[0]; return m && m.series; };
    };
    var per = function (pick) {
      return runs.map(function (r, i) { var s = pick(r); return s && { name: r.name, color: colourOf(i), step: s.step, value: s.value }; }).filter(Boolean);
    };
    var perGroup = function (pick) {
      return groups.map(function (g, k) {
        var members = g.scores.filter(function (r) { return r.run !== null; }).map(function (r) { return pick(runs[r.run]); });
        return meanSeries(g.name, groupColour(k), members);
      }).filter(Boolean);
    };
    var kinds = [['d-loss', 'D_loss', function (r) { return r.losses[0]; }, true], ['g-loss', 'G_loss', function (r) { return r.losses[1]; }, true]]
      .concat(names.map(function (name) { return ['metric-' + name, name, metricOf(name), false]; }));
    var over = sc && sc.kind === 'grid' ? 'setting' : 'group';
    var everyRun = el('input', { type: 'checkbox', id: 'every-run' });
    everyRun.checked = grouped ? remembered('view', 'every-run', false) : true;
    var chartsBox = el('div', { class: 'charts' });
    function drawCharts() {
      chartsBox.textContent = '';
      redraws = [];
      var byGroup = grouped && !everyRun.checked;
      kinds.forEach(function (k) {
        var note = byGroup ? 'lines: the mean over the runs of each ' + over + '; bands: ± one standard deviation (n − 1), where it has 2 runs or more' : null;
        chartsBox.appendChild(chart({ id: k[0], title: k[1] + (byGroup ? ' (mean ± sd per ' + over + ')' : ''), series: byGroup ? perGroup(k[2]) : per(k[2]), smooth: k[3], note: note }));
      });
      chartsBox.setAttribute('data-view', byGroup ? 'groups' : 'runs');
      redraws.forEach(function (d) { d(); });
    }
    everyRun.addEventListener('change', function () {
      state.view = { 'every-run': everyRun.checked };
      drawCharts();
    });
    var header = runs.map(function (r) { return r.name; });
    [
      sc ? scoresSection(sc, groupColour, runs) : null,
      section('Runs', 'runs-section', [table('runs', ['run', 'status', 'steps', 'folder', 'command'], runRows)]),
      section('Settings that differ', 'differing-section', [diffRows.length
        ? table('differing', ['setting'].concat(header), diffRows)
        : el('p', { class: 'note', text: 'Every setting is the same.' })]),
      section('During training: last and best evaluation (metrics.csv)', 'metrics-section', [
        sc ? el('p', { class: 'note', text: 'Evaluations made while training, on the samples of eval_n; the scores above are another evaluation of the final generator.' }) : null,
        table('final-metrics', ['metric', ''].concat(header), metricRows)].filter(Boolean)),
      section('Over the steps', 'charts', [grouped ? el('label', { class: 'log view-toggle' }, [everyRun, document.createTextNode(' every run (instead of the mean ± sd per ' + over + ')')]) : null, chartsBox].filter(Boolean)),
      section('Common settings', 'config-section', [configTable(runs[0], D.differing)])
    ].forEach(function (s) { if (s) app.appendChild(s); });
    return drawCharts;
  }

  // ---- a live page -------------------------------------------------------------------
  // The page of a running run reloads itself every D.reload_s seconds until the run ends. One
  // that stops changing (its run was killed, or nobody rewrites it) stops reloading once it
  // has been loaded STALE_LOADS times unchanged and has not changed for D.stale_s seconds,
  // counted on this browser's clock from its first load, or from the time it was written.
  // Without session storage (loads cannot be counted), the time since it was written decides.
  var STALE_LOADS = 3;
  function storageWorks() {
    try {
      sessionStorage.setItem(STATE_KEY + ':probe', '1');
      sessionStorage.removeItem(STATE_KEY + ':probe');
      return true;
    } catch (e) { return false; }
  }
  function liveState() {
    if (!D.live) return { note: null, reload: false };
    var now = Date.now();
    var seen = state.seen && state.seen.written === D.written ? state.seen : { written: D.written, since: now, loads: 0 };
    seen.loads += 1;
    state.seen = seen;
    var written = Date.parse(D.written);
    var quiet = Math.max(now - seen.since, isNaN(written) ? 0 : now - written) / 1000;
    var loads = storageWorks() ? seen.loads : STALE_LOADS;
    if (loads >= STALE_LOADS && quiet > D.stale_s) {
      saveState();
      return { reload: false, note: el('p', { id: 'live', class: 'live stale', text: 'No sign of life: this page has not changed for ' + duration(quiet) + ' (written ' + D.written + '), so it no longer reloads. The run may have been killed: curvegan runs, or curvegan report on its folder, tell; reload the page to look again.' }) };
    }
    return { reload: true, note: el('p', { id: 'live', class: 'live', text: 'Live: the run is training; this page reloads every ' + D.reload_s + ' s.' }) };
  }

  // ---- the page -----------------------------------------------------------------------
  try {
    var app = document.getElementById('app');
    app.textContent = '';
    var live = liveState();
    var skipped = D.skipped && D.skipped.length ? el('p', { class: 'note skipped', id: 'skipped', text: 'Left out, could not be read: ' + D.skipped.map(function (s) { return s[0] + ' (' + s[1] + ')'; }).join('; ') }) : null;
    app.appendChild(el('header', {}, [el('h1', { text: D.title }), el('p', { class: 'note', id: 'written', text: 'written ' + D.written + ' by curvegan' }), live.note, skipped].filter(Boolean)));
    if (D.runs.length === 1) oneRun(app, D.runs[0]);
    else if (D.runs.length) compare(app, D.runs)();
    redraws.forEach(function (d) { d(); });
    var resized = null;
    window.addEventListener('resize', function () {
      clearTimeout(resized);
      resized = setTimeout(function () { redraws.forEach(function (d) { d(); }); }, 100);
    });
    if (state.scroll) window.scrollTo(0, state.scroll);
    if (live.reload) setTimeout(function () { saveState(); location.reload(); }, D.reload_s * 1000);
    document.body.setAttribute('data-ready', 'true');
  } catch (e) {
    window.curveganError('error: ' + (e && e.stack ? e.stack : e));
  }
})();
