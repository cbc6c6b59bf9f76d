/**
 * The HTML report's chart code and styles, inlined into the page (it must open offline: no
 * external script, style, font or image). The script reads the timeline model from the page's
 * `<script type="application/json" id="watchmark-timeline">` block and draws one SVG per stream
 * on a shared time axis, plus an overview with the workload's writes and LISTs. All text goes in
 * through textContent/setAttribute, never as markup.
 *
 * Kept as plain ES2017 in a string (no template literals inside, so it can live in String.raw).
 */

export const HTML_REPORT_STYLE = String.raw`
:root { --added: #2f9e5a; --modified: #3b73c4; --deleted: #c4504d; --other: #b00020; --bookmark: #8a4fbf;
  --end: #00897b; --deadline-bm: #d9730d; --warn: #e0a100; --fail: #c62828; --pass: #2e7d32; --skip: #777;
  --ink: #1d232b; --muted: #5d6875; --line: #dde2e8; --bg: #ffffff; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 4px; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--panel); padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; margin: 4px 0; }
.meta, .note { color: var(--muted); }
.verdict { display: flex; gap: 16px; align-items: center; padding: 12px 16px; border-radius: 6px; margin: 12px 0; border: 1px solid var(--line); }
.verdict .big { font-size: 28px; font-weight: 700; letter-spacing: 1px; }
.verdict.pass .big { color: var(--pass); } .verdict.fail .big { color: var(--fail); }
.verdict.pass { background: #eef7ef; } .verdict.fail { background: #fcecec; }
.verdict.inconclusive .big { color: var(--warn); } .verdict.inconclusive { background: #fdf6e3; }
.badge { display: inline-block; min-width: 44px; text-align: center; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 600; color: #fff; background: var(--skip); }
.badge.pass, .badge.syncs { background: var(--pass); } .badge.fail, .badge.never-syncs, .badge.crashes { background: var(--fail); }
.badge.warn, .badge.falls-back, .badge.loops, .badge.stops { background: var(--warn); color: #222; } .badge.info, .badge.skip { background: var(--skip); }
.clients { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
.client { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.client h3 { margin: 0 0 6px; display: flex; gap: 8px; align-items: center; }
table.checks { border-collapse: collapse; width: 100%; }
table.checks th, table.checks td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
table.checks th { font-size: 12px; color: var(--muted); }
details > summary { cursor: pointer; color: var(--muted); }
.finding { border-left: 3px solid var(--skip); padding: 2px 0 2px 8px; margin: 6px 0; }
.finding.fail { border-color: var(--fail); } .finding.warn { border-color: var(--warn); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); margin: 6px 0; }
.sw { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
.sw-added { background: var(--added); } .sw-modified { background: var(--modified); } .sw-deleted { background: var(--deleted); }
.sw-bookmark { background: var(--bookmark); } .sw-end { background: var(--end); } .sw-deadline-bm { background: var(--deadline-bm); }
.sw-other { background: var(--other); } .sw-warn { background: var(--warn); opacity: .6; } .sw-gap { background: #f8f0e6; border: 1px solid #e6d6c2; }
.sw-deadline { border: 1px dashed #444; } .sw-close { background: var(--ink); width: 3px; }
.overview { position: sticky; top: 0; background: var(--bg); z-index: 1; border-bottom: 1px solid var(--line); padding-bottom: 2px; }
figure.stream { margin: 6px 0 10px; }
figure.stream figcaption { font-size: 12px; display: flex; flex-wrap: wrap; gap: 2px 10px; align-items: baseline; }
figure.stream figcaption code { color: var(--muted); word-break: break-all; }
svg { display: block; width: 100%; height: auto; }
svg text { font: 10px system-ui, sans-serif; fill: var(--muted); }
svg .axis-label { fill: var(--ink); }
svg .lane-label { fill: var(--ink); }
svg .grid { stroke: #eef0f3; stroke-width: 1; }
svg .lane-sep { stroke: var(--line); stroke-width: 1; }
svg .life { fill: #f3f5f8; }
svg .gap { fill: #f8f0e6; }
svg .ev-ADDED { fill: var(--added); } svg .ev-MODIFIED { fill: var(--modified); } svg .ev-DELETED { fill: var(--deleted); }
svg .ev-other { fill: var(--other); } svg .bm { fill: var(--bookmark); }
svg .w-create { fill: var(--added); } svg .w-update { fill: var(--modified); } svg .w-delete { fill: var(--deleted); }
svg .list { fill: #9aa6b2; }
svg .armed { stroke: var(--warn); stroke-width: 2; stroke-dasharray: 2 3; }
svg .warn-window { fill: var(--warn); opacity: .35; }
svg .warn-tick { stroke: #9a6f00; stroke-width: 2; }
svg .m-response { stroke: #8a96a3; stroke-width: 1.5; }
svg .m-end { stroke: var(--end); stroke-width: 2; } svg .d-end { fill: var(--end); }
svg .m-deadline { stroke: #444; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .d-deadline-bm { fill: var(--deadline-bm); }
svg .m-close { stroke: var(--ink); stroke-width: 2; }
svg .m-observed { stroke: var(--ink); stroke-width: 1; stroke-dasharray: 1 2; }
svg .hit { stroke: transparent; stroke-width: 8; }
svg .not-opened { fill: var(--fail); }
@media print { .overview { position: static; } }
`;

export const HTML_REPORT_SCRIPT = String.raw`(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var dataNode = document.getElementById('watchmark-timeline');
  var root = document.getElementById('timelines');
  if (!dataNode || !root) return;
  var model = JSON.parse(dataNode.textContent || 'null');
  if (!model) return;
  var WIDTH = 1000, LEFT = 104, PLOT = 880, TOP = 14;
  var axis = model.axis;
  var span = Math.max(axis.endMs - axis.startMs, 1);
  var bw = PLOT / axis.buckets;
  var TYPES = ['ADDED', 'MODIFIED', 'DELETED'];

  function x(ms) {
    var t = Math.min(Math.max(ms, axis.startMs), axis.endMs);
    return Math.round((LEFT + ((t - axis.startMs) / span) * PLOT) * 10) / 10;
  }
  function inAxis(ms) { return ms >= axis.startMs && ms <= axis.endMs; }
  function secs(ms) {
    var s = ms / 1000;
    if (Math.abs(s) < 10) return s.toFixed(2) + ' s';
    if (Math.abs(s) < 100) return s.toFixed(1) + ' s';
    return Math.round(s) + ' s';
  }
  function at(ms) { return '+' + secs(ms); }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) if (Object.prototype.hasOwnProperty.call(attrs, key)) node.setAttribute(key, String(attrs[key]));
    if (parent) parent.appendChild(node);
    return node;
  }
  function h(tag, cls, text, parent) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function tip(node, text) { el('title', {}, node).textContent = text; return node; }
  function bucketText(b) {
    var from = axis.startMs + b * axis.bucketMs;
    return at(from) + ' – ' + at(from + axis.bucketMs);
  }
  function pairs(flat, fn) { for (var i = 0; i + 1 < flat.length; i += 2) fn(flat[i], flat[i + 1]); }

  var ticks = (function () {
    var raw = span / 8;
    var pow = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var mults = [1, 2, 5, 10];
    var step = pow * 10;
    for (var i = 0; i < mults.length; i++) if (pow * mults[i] >= raw) { step = pow * mults[i]; break; }
    var out = [];
    for (var t = Math.ceil(axis.startMs / step) * step; t <= axis.endMs + 1e-6; t += step) out.push(t);
    return out;
  })();
  function tickLabel(ms) {
    var s = Math.round(ms) / 1000;
    if (s >= 120) { var rest = Math.round(s % 60); return Math.floor(s / 60) + 'm' + (rest ? rest + 's' : ''); }
    return s + ' s';
  }

  function svgOf(height, parent, label) {
    var svg = el('svg', { viewBox: '0 0 ' + WIDTH + ' ' + height, role: 'img', 'aria-label': label }, parent);
    return svg;
  }
  function grid(svg, y0, y1) {
    ticks.forEach(function (t) { el('line', { x1: x(t), x2: x(t), y1: y0, y2: y1, 'class': 'grid' }, svg); });
  }
  function laneLabel(svg, y, height, text) {
    el('text', { x: LEFT - 6, y: y + height / 2 + 3.5, 'class': 'lane-label', 'text-anchor': 'end' }, svg).textContent = text;
  }
  function laneSep(svg, y) { el('line', { x1: LEFT, x2: LEFT + PLOT, y1: y, y2: y, 'class': 'lane-sep' }, svg); }
  /** A vertical marker with a wider invisible hit area carrying the hover title. */
  function vline(svg, ms, y0, y1, cls, text) {
    if (!inAxis(ms)) return;
    var g = el('g', {}, svg);
    el('line', { x1: x(ms), x2: x(ms), y1: y0, y2: y1, 'class': cls }, g);
    el('line', { x1: x(ms), x2: x(ms), y1: y0, y2: y1, 'class': 'hit' }, g);
    tip(g, text);
  }
  function diamond(svg, ms, cy, size, cls, text) {
    if (!inAxis(ms)) return;
    var cx = x(ms);
    var points = [cx + ',' + (cy - size), (cx + size) + ',' + cy, cx + ',' + (cy + size), (cx - size) + ',' + cy].join(' ');
    tip(el('polygon', { points: points, 'class': 'mark ' + cls }, svg), text);
  }
  /** Short labels on a stream's top row; a label that would overlap an earlier one is left to the hover title. */
  function topLabels(svg) {
    var taken = [];
    return function (ms, text) {
      if (!inAxis(ms)) return;
      var width = text.length * 5.4;
      var px = x(ms);
      var start = px + 3 + width > LEFT + PLOT ? px - 3 - width : px + 3;
      for (var i = 0; i < taken.length; i++) if (start < taken[i][1] && start + width > taken[i][0]) return;
      taken.push([start, start + width]);
      el('text', { x: Math.round(start * 10) / 10, y: TOP - 4 }, svg).textContent = text;
    };
  }

  function drawOverview() {
    var box = h('div', 'overview', null, root);
    var writes = model.workload.writes;
    var lists = model.workload.lists;
    var AXIS_H = 16, WRITES_H = 18, LISTS_H = lists.length > 0 ? 12 : 0;
    var height = AXIS_H + WRITES_H + LISTS_H + 4;
    var svg = svgOf(height, box, 'time axis, workload writes and LIST requests');
    svg.setAttribute('data-overview', '');
    grid(svg, AXIS_H, height);
    ticks.forEach(function (t) {
      el('text', { x: x(t), y: 11, 'class': 'axis-label', 'text-anchor': x(t) - LEFT < 12 ? 'start' : x(t) > LEFT + PLOT - 12 ? 'end' : 'middle' }, svg).textContent = tickLabel(t);
    });
    el('text', { x: LEFT - 6, y: 11, 'class': 'lane-label', 'text-anchor': 'end' }, svg).textContent = 'since start';
    var y = AXIS_H;
    laneLabel(svg, y, WRITES_H, 'writes');
    var byBucket = {};
    ['create', 'update', 'delete'].forEach(function (verb) {
      pairs(writes[verb], function (b, n) { (byBucket[b] = byBucket[b] || {})[verb] = n; });
    });
    Object.keys(byBucket).forEach(function (key) {
      var b = Number(key), counts = byBucket[key], parts = [];
      var g = el('g', {}, svg);
      var offset = 0;
      ['create', 'update', 'delete'].forEach(function (verb) {
        var n = counts[verb];
        if (!n) return;
        parts.push(n + ' ' + verb);
        var hh = (WRITES_H - 4) / 3;
        el('rect', { x: Math.round((LEFT + b * bw) * 10) / 10, y: y + 2 + offset, width: Math.max(bw, 1.5), height: hh, 'class': 'mark w-' + verb }, g);
        offset += hh;
      });
      tip(g, bucketText(b) + ': ' + parts.join(', ') + ' (workload writes, acknowledged)');
    });
    y += WRITES_H;
    if (LISTS_H > 0) {
      laneSep(svg, y);
      laneLabel(svg, y, LISTS_H, 'LIST');
      lists.forEach(function (list) {
        var x0 = x(list.sentAtMs), x1 = Math.max(x(list.atMs), x0 + 2);
        tip(el('rect', { x: x0, y: y + 3, width: Math.round((x1 - x0) * 10) / 10, height: LISTS_H - 6, 'class': 'mark list' }, svg),
          list.id + ' (' + list.scenario + '): HTTP ' + list.status + (list.itemCount !== null ? ', ' + plural(list.itemCount, 'item') : '') +
          (list.resourceVersion !== null ? ', RV ' + list.resourceVersion : '') + (list.error ? ', ' + list.error : '') +
          ', sent ' + at(list.sentAtMs) + ', answered ' + at(list.atMs));
      });
    }
  }

  function drawStream(stream, parent) {
    var fig = h('figure', 'stream', null, parent);
    fig.setAttribute('data-stream', stream.id);
    var cap = h('figcaption', null, null, fig);
    h('strong', null, stream.id, cap);
    var meta = [];
    if (stream.role) meta.push('role ' + stream.role);
    if (stream.response) meta.push('HTTP ' + stream.response.status + ' (' + stream.response.httpVersion + ') at ' + at(stream.response.atMs));
    else if (!stream.close || stream.close.reason !== 'not-opened') meta.push('no response');
    ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR', 'other', 'malformed'].forEach(function (type) {
      var n = stream.counts[type] || 0;
      if (n > 0) meta.push(n + ' ' + type);
    });
    if (stream.deadline) meta.push('timeoutSeconds=' + stream.deadline.timeoutSeconds + (inAxis(stream.deadline.atMs) ? '' : ' (deadline ' + at(stream.deadline.atMs) + ', past the end)'));
    if (stream.close) {
      meta.push(stream.close.reason === 'not-opened' ? 'not opened' : 'closed (' + stream.close.reason + ') at ' + at(stream.close.atMs));
    } else meta.push('open when observation ended');
    if (stream.reflector) {
      var nw = stream.reflector.warnings.length + stream.reflector.omittedWarnings;
      meta.push(nw === 0 ? 'no client-go warning' : plural(nw, 'client-go warning'));
    }
    h('span', 'meta', meta.join(' · '), cap);
    h('code', null, stream.path, cap);

    var otherCount = 0;
    pairs(stream.marks.other, function (b, n) { otherCount += n; });
    var lanes = [{ key: 'events', label: 'events', height: 28 }, { key: 'bookmarks', label: 'bookmarks', height: 16 }];
    if (otherCount > 0) lanes.push({ key: 'other', label: 'errors', height: 12 });
    if (stream.reflector) lanes.push({ key: 'reflector', label: 'client-go ≥0.35', height: 14 });
    var y = TOP, laneY = {};
    lanes.forEach(function (lane) { laneY[lane.key] = y; y += lane.height; });
    var bottom = y;
    var height = bottom + 3;
    var svg = svgOf(height, fig, 'timeline of ' + stream.id);
    grid(svg, TOP, bottom);
    var label = topLabels(svg);

    var endMs = stream.close ? stream.close.atMs : stream.observedUntilMs;
    var life = el('rect', { x: x(stream.sentAtMs), y: TOP, width: Math.max(x(endMs) - x(stream.sentAtMs), 1), height: bottom - TOP, 'class': 'life' }, svg);
    tip(life, stream.id + ': request sent at ' + at(stream.sentAtMs) + ', observed until ' + at(stream.observedUntilMs));

    var quietTop = laneY.events, quietBottom = laneY.bookmarks + 16;
    stream.gaps.forEach(function (gap) {
      tip(el('rect', { x: x(gap[0]), y: quietTop, width: Math.max(x(gap[1]) - x(gap[0]), 1), height: quietBottom - quietTop, 'class': 'gap' }, svg),
        'silence: no event or bookmark for ' + secs(gap[1] - gap[0]) + ' (' + at(gap[0]) + ' – ' + at(gap[1]) + ')');
    });
    lanes.forEach(function (lane, i) {
      laneLabel(svg, laneY[lane.key], lane.height, lane.label);
      if (i > 0) laneSep(svg, laneY[lane.key]);
    });

    // Under the marks: initial events often arrive in the response's bucket.
    if (stream.response) {
      vline(svg, stream.response.atMs, TOP, bottom, 'm-response', 'response HTTP ' + stream.response.status + ' at ' + at(stream.response.atMs) + ' (request sent at ' + at(stream.sentAtMs) + ')');
    }

    // Change events: one stacked bar per bucket, height on a shared log scale.
    var byBucket = {};
    TYPES.forEach(function (type) {
      pairs(stream.marks[type], function (b, n) { (byBucket[b] = byBucket[b] || {})[type] = n; });
    });
    var maxPerBucket = Math.max(model.maxEventsPerBucket, 1);
    var EH = lanes[0].height - 2, ey = laneY.events;
    Object.keys(byBucket).forEach(function (key) {
      var b = Number(key), counts = byBucket[key], total = 0, parts = [];
      TYPES.forEach(function (type) { if (counts[type]) { total += counts[type]; parts.push(counts[type] + ' ' + type); } });
      var barH = Math.max(3, EH * Math.log(1 + total) / Math.log(1 + maxPerBucket));
      var g = el('g', {}, svg);
      var top = ey + 1 + EH - barH;
      TYPES.forEach(function (type) {
        var n = counts[type];
        if (!n) return;
        var hh = barH * n / total;
        el('rect', { x: Math.round((LEFT + b * bw) * 10) / 10, y: Math.round(top * 10) / 10, width: Math.max(bw, 2), height: Math.max(Math.round(hh * 10) / 10, 0.5), 'class': 'mark ev-' + type }, g);
        top += hh;
      });
      tip(g, bucketText(b) + ': ' + parts.join(', '));
    });

    var by = laneY.bookmarks;
    stream.bookmarks.forEach(function (slot) {
      tip(el('rect', { x: Math.round((LEFT + slot[0] * bw) * 10) / 10, y: by + 3, width: Math.max(bw, 2), height: 10, 'class': 'mark bm' }, svg),
        bucketText(slot[0]) + ': ' + plural(slot[1], 'BOOKMARK') + (slot[2] !== null ? ', last RV ' + slot[2] : ''));
    });
    if (otherCount > 0) {
      var oy = laneY.other;
      pairs(stream.marks.other, function (b, n) {
        tip(el('rect', { x: Math.round((LEFT + b * bw) * 10) / 10, y: oy + 2, width: Math.max(bw, 2), height: 8, 'class': 'mark ev-other' }, svg),
          bucketText(b) + ': ' + n + ' ERROR, unknown or malformed frame' + (n === 1 ? '' : 's'));
      });
    }

    if (stream.reflector) {
      var ry = laneY.reflector, reflector = stream.reflector;
      var g = el('g', {}, svg);
      el('line', { x1: x(reflector.armedFromMs), x2: Math.max(x(reflector.armedUntilMs), x(reflector.armedFromMs) + 1), y1: ry + 7, y2: ry + 7, 'class': 'armed' }, g);
      tip(g, "a client-go v0.35 reflector's 10 s initial-events-end ticker runs from the response (" + at(reflector.armedFromMs) + ') until ' + at(reflector.armedUntilMs) +
        '; it logs "Warning: event bookmark expired" at a tick only after 10 s without an event');
      reflector.warnings.forEach(function (warning) {
        var from = warning.atMs - model.reflectorTickMs;
        var w = el('g', {}, svg);
        el('rect', { x: x(from), y: ry + 1, width: Math.max(x(warning.atMs) - x(from), 1), height: 12, 'class': 'mark warn-window' }, w);
        el('line', { x1: x(warning.atMs), x2: x(warning.atMs), y1: ry, y2: ry + 14, 'class': 'warn-tick' }, w);
        tip(w, 'client-go v0.35 would log at ' + at(warning.atMs) + ' (10 s window ' + at(from) + ' – ' + at(warning.atMs) + '):\n' + warning.line);
      });
    }

    if (stream.initialEventsEnd) {
      var iee = stream.initialEventsEnd;
      vline(svg, iee.atMs, TOP, bottom, 'm-end', 'BOOKMARK annotated k8s.io/initial-events-end: "true" at ' + at(iee.atMs) + (iee.resourceVersion !== null ? ', RV ' + iee.resourceVersion : '') + ' (client-go ≥0.35 counts as synced)');
      diamond(svg, iee.atMs, laneY.bookmarks + 8, 6, 'd-end', 'initial-events-end bookmark at ' + at(iee.atMs) + (iee.resourceVersion !== null ? ', RV ' + iee.resourceVersion : ''));
      label(iee.atMs, 'initial-events-end');
    }
    if (stream.deadlineBookmark) {
      var dbm = stream.deadlineBookmark;
      diamond(svg, dbm.atMs, laneY.bookmarks + 8, 6, 'd-deadline-bm', 'deadline bookmark at ' + at(dbm.atMs) + (dbm.resourceVersion !== null ? ', RV ' + dbm.resourceVersion : '') + ' (kube-apiserver sends one ~2 s before timeoutSeconds)');
    }
    var dl = stream.deadline;
    // A close at the deadline (kube-apiserver's timeoutSeconds) gets one label for both.
    var closeAtDeadline = dl && stream.close && inAxis(dl.atMs) && inAxis(stream.close.atMs) && Math.abs(x(stream.close.atMs) - x(dl.atMs)) < 6;
    if (stream.close) {
      var close = stream.close;
      var closeText = close.reason === 'not-opened' ? 'not opened' : 'close: ' + close.reason + (closeAtDeadline ? ' at timeoutSeconds=' + dl.timeoutSeconds : '');
      vline(svg, close.atMs, TOP, bottom, close.reason === 'not-opened' ? 'm-close not-opened' : 'm-close',
        (close.reason === 'not-opened' ? 'not opened (due at ' : 'stream closed (' + close.reason + ') at ') + at(close.atMs) + (close.reason === 'not-opened' ? ')' : '') + (close.error ? ': ' + close.error : ''));
      label(close.atMs, closeText);
    } else {
      vline(svg, stream.observedUntilMs, TOP, bottom, 'm-observed', 'still open when observation ended at ' + at(stream.observedUntilMs));
      label(stream.observedUntilMs, 'observation ended');
    }
    if (dl) {
      vline(svg, dl.atMs, TOP, bottom, 'm-deadline', 'timeoutSeconds=' + dl.timeoutSeconds + ' deadline at ' + at(dl.atMs) + ' (response + ' + dl.timeoutSeconds + ' s)');
      if (!closeAtDeadline) label(dl.atMs, 'timeoutSeconds=' + dl.timeoutSeconds);
    }
    return fig;
  }

  drawOverview();
  model.scenarios.forEach(function (scenario) {
    var section = h('section', 'scenario', null, root);
    section.setAttribute('data-scenario', scenario.name);
    h('h3', null, 'scenario ' + scenario.name, section);
    if (scenario.description) h('p', 'note', scenario.description, section);
    scenario.streams.forEach(function (stream) { drawStream(stream, section); });
  });
  root.setAttribute('data-drawn', 'true');
})();
`;
