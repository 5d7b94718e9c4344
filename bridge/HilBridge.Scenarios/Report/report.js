// Draws report.html's plots from the run's timeline (the JSON in #hb-timeline) as inline SVG.
// No external resources: the page must open anywhere, offline. When done, <body data-rendered="ok">;
// on an error, data-rendered="error: ..." (tests render the page in headless Chromium and read both).
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  window.addEventListener('error', function (e) { document.body.dataset.rendered = 'error: ' + e.message; });

  function el(parent, name, attrs, title) {
    var node = document.createElementNS(SVG, name);
    for (var k in attrs) { node.setAttribute(k, attrs[k]); }
    if (title) {
      var t = document.createElementNS(SVG, 'title');
      t.textContent = title;
      node.appendChild(t);
    }
    parent.appendChild(node);
    return node;
  }

  function us(v) {
    if (v >= 1e6) { return (v / 1e6).toFixed(3) + ' s'; }
    if (v >= 1e3) { return (v / 1e3).toFixed(3) + ' ms'; }
    return v.toFixed(1) + ' us';
  }

  // Bucket edges are powers of two in microseconds: 1 us, 512 us, 16 ms, 1 s.
  function short(v) {
    if (v >= 1e6) { return +(v / 1e6).toPrecision(3) + ' s'; }
    if (v >= 1e3) { return +(v / 1e3).toPrecision(3) + ' ms'; }
    return v + ' us';
  }

  var data = JSON.parse(document.getElementById('hb-timeline').textContent);
  var lanes = [
    ['invalidations', 'invalidations (tick at arrival; red: timed out, orange: refused)'],
    ['delays', 'delays the engine added (arrival to acknowledgement)'],
    ['timeout', 'timeouts'],
    ['fences', 'fenced'],
    ['straggler', 'stragglers'],
    ['violation', 'use-after-free violations'],
    ['refused', 'accesses refused (fenced)'],
    ['control', 'recovery and control (device stop/start, CFGI_STE, manual fence)'],
    ['guest', 'guest reports']
  ];
  var laneIndex = {};
  lanes.forEach(function (l, i) { laneIndex[l[0]] = i; });

  function drawTimeline(svg) {
    var left = 250, right = 20, top = 10, laneH = 26, width = 1200;
    var height = top + lanes.length * laneH + 40;
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    // From the first event (the engine starts before the guest boots: seconds of nothing) to the last.
    var firsts = data.invalidations.map(function (i) { return i.atUs; })
      .concat(data.marks.map(function (m) { return m.atUs; }), data.fences.map(function (f) { return f.startUs; }));
    var first = firsts.reduce(function (a, b) { return Math.min(a, b); }, Infinity);
    var begin = firsts.length ? Math.max(0, first - 0.02 * (data.endUs - first)) : 0;
    var end = Math.max(data.endUs, begin + 1);
    var plotW = width - left - right;
    function x(t) { return left + (Math.max(begin, Math.min(t, end)) - begin) / (end - begin) * plotW; }
    function laneY(name) { return top + laneIndex[name] * laneH; }

    lanes.forEach(function (l, i) {
      var g = el(svg, 'g', { 'class': 'lane', 'data-lane': l[0] });
      el(g, 'rect', { x: left, y: top + i * laneH, width: plotW, height: laneH, 'class': 'lane-bg' + (i % 2 ? ' odd' : '') });
      var label = el(g, 'text', { x: left - 8, y: top + i * laneH + laneH / 2 + 4, 'text-anchor': 'end', 'class': 'lane-label' });
      label.textContent = l[1].replace(/ \(.*\)$/, '');
      el(label, 'title', {}).textContent = l[1];
    });

    // Axis: seconds since the engine started.
    var axisY = top + lanes.length * laneH;
    var axis = el(svg, 'g', { 'class': 'axis' });
    el(axis, 'line', { x1: left, x2: left + plotW, y1: axisY, y2: axisY });
    var span = (end - begin) / 1e6;
    var step = Math.pow(10, Math.floor(Math.log10(span / 5)));
    if (span / step > 12) { step *= 5; } else if (span / step > 6) { step *= 2; }
    for (var s = Math.ceil(begin / 1e6 / step) * step; s <= end / 1e6 + 1e-9; s += step) {
      el(axis, 'line', { x1: x(s * 1e6), x2: x(s * 1e6), y1: axisY, y2: axisY + 5 });
      var tick = el(axis, 'text', { x: x(s * 1e6), y: axisY + 18, 'text-anchor': 'middle' });
      tick.textContent = +s.toFixed(6) + ' s';
    }

    var arrival = {};
    var inv = el(svg, 'g', { 'class': 'marks', 'data-lane': 'invalidations' });
    var delays = el(svg, 'g', { 'class': 'marks', 'data-lane': 'delays' });
    data.invalidations.forEach(function (i) {
      arrival[i.id] = i.atUs;
      var cls = 'mark invalidations' + (i.timedOut ? ' timed-out' : '') + (i.status ? ' refused-ack' : '');
      var title = 'invalidation ' + i.id + ' at ' + us(i.atUs) + ': IOVA ' + i.iova + ' size 0x' + i.size.toString(16) +
        (i.ackUs == null ? ', never acknowledged' : ', acknowledged after ' + us(i.ackUs - i.atUs)) +
        (i.measuredUs != null ? ' (measured ' + us(i.measuredUs) + ')' : '') + (i.status ? ', refused' : '') + (i.timedOut ? ', timed out' : '');
      var y = laneY('invalidations');
      el(inv, 'rect', { x: x(i.atUs), y: y + 4, width: 1, height: laneH - 8, 'class': cls, 'data-id': i.id }, title);
      if (i.delayUs > 0 || i.ackUs == null) {
        var endAt = i.ackUs == null ? end : i.ackUs;
        el(delays, 'rect', { x: x(i.atUs), y: laneY('delays') + 6, width: Math.max(1, x(endAt) - x(i.atUs)), height: laneH - 12,
          'class': 'mark delays' + (i.ackUs == null ? ' unanswered' : ''), 'data-id': i.id }, title);
      }
    });

    var fences = el(svg, 'g', { 'class': 'marks', 'data-lane': 'fences' });
    data.fences.forEach(function (f) {
      var stop = f.endUs == null ? end : f.endUs;
      el(fences, 'rect', { x: x(f.startUs), y: laneY('fences') + 4, width: Math.max(2, x(stop) - x(f.startUs)), height: laneH - 8, 'class': 'mark fences' },
        'fenced at ' + us(f.startUs) + ': ' + f.reason + (f.endUs == null ? '; still fenced at the end' : '; unfenced at ' + us(f.endUs) + ': ' + f.unfenceReason));
    });

    // Links: an invalidation to its timeout, straggler and violation (one request's story).
    var links = el(svg, 'g', { 'class': 'links' });
    var marks = el(svg, 'g', { 'class': 'marks', 'data-lane': 'events' });
    data.marks.forEach(function (m) {
      var y = laneY(m.kind) + laneH / 2;
      if (m.requestId != null && arrival[m.requestId] != null) {
        el(links, 'line', { x1: x(arrival[m.requestId]), y1: laneY('invalidations') + laneH / 2, x2: x(m.atUs), y2: y, 'class': 'link ' + m.kind, 'data-id': m.requestId });
      }
      var attrs = { 'class': 'mark ' + m.kind };
      if (m.requestId != null) { attrs['data-id'] = m.requestId; }
      if (m.kind === 'violation') {
        attrs.points = [x(m.atUs), y - 8, x(m.atUs) + 7, y + 6, x(m.atUs) - 7, y + 6].join(' ');
        el(marks, 'polygon', attrs, us(m.atUs) + ': ' + m.label);
      } else {
        attrs.cx = x(m.atUs); attrs.cy = y; attrs.r = m.kind === 'refused' || m.kind === 'control' ? 3 : 5;
        el(marks, 'circle', attrs, us(m.atUs) + ': ' + m.label);
      }
    });
  }

  function drawHistogram(svg) {
    var buckets = data.ackLatency;
    var left = 70, bottom = 60, top = 20, width = 1200, height = 270;
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    if (buckets.length === 0) {
      el(svg, 'text', { x: left, y: top + 20, 'class': 'empty' }).textContent = 'no acknowledgements';
      return;
    }
    var max = Math.max.apply(null, buckets.map(function (b) { return b.count; }));
    var slot = (width - left - 20) / buckets.length;
    var plotH = height - top - bottom;
    el(svg, 'line', { x1: left, x2: width - 20, y1: height - bottom, y2: height - bottom, 'class': 'axis-line' });
    buckets.forEach(function (b, i) {
      var h = b.count === 0 ? 0 : Math.max(1, b.count / max * plotH);
      var label = b.fromUs === 0 ? '< 1 us' : '>= ' + short(b.fromUs);
      el(svg, 'rect', { x: left + i * slot + 2, y: height - bottom - h, width: slot - 4, height: h, 'class': 'bar', 'data-count': b.count },
        label + ': ' + b.count + ' acknowledgements');
      var c = el(svg, 'text', { x: left + i * slot + slot / 2, y: height - bottom - h - 4, 'text-anchor': 'middle', 'class': 'count' });
      c.textContent = b.count;
      var tx = left + i * slot + slot / 2, ty = height - bottom + 12;
      var t = el(svg, 'text', { x: tx, y: ty, 'text-anchor': 'end', transform: 'rotate(-35 ' + tx + ' ' + ty + ')', 'class': 'bucket' });
      t.textContent = short(b.fromUs);
    });
  }

  drawTimeline(document.getElementById('timeline'));
  drawHistogram(document.getElementById('histogram'));
  document.body.dataset.rendered = 'ok';
})();
