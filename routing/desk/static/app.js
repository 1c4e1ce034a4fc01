// The planner's desk: plain JavaScript, no build step. Talks to the JSON endpoints of
// routing/desk/app.py (docs/desk.md); nothing is fetched from anywhere but this server.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var state = { config: null, county: null, date: null, plan: null, selected: null, source: null };
  var map = L.map('map', { zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix('Leaflet');
  var roadLayer = L.layerGroup().addTo(map);
  var routeLayer = L.layerGroup().addTo(map);
  map.setView([34.26, 108.2], 11);

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function showError(message) {
    $('error-text').textContent = message;
    $('error').hidden = false;
  }
  $('error-close').onclick = function () { $('error').hidden = true; };

  function api(method, url, body) {
    var opts = { method: method, headers: {}, credentials: 'same-origin' };
    if (body instanceof FormData) opts.body = body;
    else if (body !== undefined) {
      opts.headers['content-type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return { error: 'HTTP ' + r.status }; }).then(function (j) {
        if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status));
        return j;
      });
    });
  }
  function dayUrl(tail) {
    return '/api/plans/' + encodeURIComponent(state.county) + '/' + encodeURIComponent(state.date) + (tail || '');
  }
  function fmt(x, d) { return Number(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }); }
  function setStatus(s, msg) {
    var st = $('status'); st.textContent = s; st.className = 'status ' + s;
    if (msg !== undefined) $('progress').textContent = msg;
  }

  // --- the county's roads: the map's background (no tiles) ---------------------------------
  function loadRoads(county) {
    roadLayer.clearLayers();
    return api('GET', '/api/counties/' + encodeURIComponent(county) + '/roads').then(function (r) {
      r.classes.forEach(function (c) {
        L.polyline(c.lines, { color: c.colour, weight: c.width * 1.5, interactive: false }).addTo(roadLayer);
      });
      L.circleMarker(r.hub, { radius: 8, color: '#fff', weight: 2, fillColor: '#222', fillOpacity: 1 })
        .bindTooltip(r.name + ' (depot)').addTo(roadLayer);
      map.fitBounds(r.bounds);
    });
  }

  // --- a plan: summary, map, tables --------------------------------------------------------
  function render(plan) {
    state.plan = plan;
    var s = plan.summary;
    $('summary').hidden = false;
    $('sum-vehicles').textContent = s.vehicles_used + ' / ' + plan.fleet;
    $('sum-km').textContent = fmt(s.distance_km, 1);
    $('sum-hours').textContent = fmt(s.hours, 1);
    $('sum-cost').textContent = fmt(s.cost_yuan, 2);
    $('sum-day-cost').textContent = s.day_cost_yuan !== undefined ? fmt(s.day_cost_yuan, 2) : '-';
    $('sum-served').textContent = s.orders_served;
    $('sum-unserved').textContent = s.orders_unserved;
    $('sum-engine').textContent = plan.county_name + ' ' + plan.date + ', engine ' + plan.engine +
      (plan.replan_at ? ', re-planned at ' + plan.replan_at + ' (grey stops were under way then)' : '') +
      (plan.deferred ? ', ' + plan.deferred + ' orders deferred by the calendar' : '');
    if (plan.replan_at) {  // what was under way then is fixed: nothing re-plans earlier
      ['now', 'replan-at'].forEach(function (id) { if ($(id).value < plan.replan_at) $(id).value = plan.replan_at; });
    }
    $('undo-btn').disabled = !plan.undo;
    $('undo-btn').textContent = 'Undo last change' + (plan.undo ? ' (' + plan.undo + ')' : '');
    drawRoutes(plan);
    drawTables(plan);
    drawUnserved(plan);
    fillVehicles(plan);
    select(null);
  }

  function drawRoutes(plan) {
    routeLayer.clearLayers();
    plan.routes.forEach(function (r) {
      L.polyline(r.line, { color: r.colour, weight: 4, opacity: 0.9, dashArray: r.locked ? '8 6' : null })
        .bindTooltip(r.vehicle + (r.locked ? ' (locked)' : '')).addTo(routeLayer);
      r.visits.forEach(function (v) {
        if (v.reload) return;
        var m = L.circleMarker(v.latlon, { radius: 7, color: v.locked ? '#8a5a00' : '#fff', weight: 2, fillColor: r.colour, fillOpacity: 1 });
        m.bindTooltip(r.vehicle + ' #' + v.number + ' ' + v.name + ' ' + (v.arrival || ''));
        m.on('click', function () { select({ vehicle: r.vehicle, stop: v.stop }); });
        m.addTo(routeLayer);
      });
    });
    var cross = L.divIcon({ className: 'unserved-icon', html: '✕', iconSize: [18, 18] });
    plan.unserved.forEach(function (u) {
      L.marker(u.latlon, { icon: cross, keyboard: false })
        .bindTooltip(u.order + ' (' + u.reason + '): ' + (u.detail || u.name)).addTo(routeLayer);
    });
  }

  function drawTables(plan) {
    var box = $('tables');
    box.textContent = '';
    plan.routes.forEach(function (r) {
      var t = el('table', { 'class': 'route' + (r.locked ? ' locked' : ''), 'data-vehicle': r.vehicle });
      var cap = el('caption');
      var sw = el('span', { 'class': 'sw' }); sw.style.background = r.colour; cap.appendChild(sw);
      cap.appendChild(el('b', {}, r.vehicle));
      cap.appendChild(document.createTextNode(' ' + r.type + (r.cold_chain ? ', refrigerated' : '') + ' · ' + r.depart + '–' + r['return'] + ' · '));
      cap.appendChild(el('span', { 'class': 'route-km' }, fmt(r.km, 1)));
      cap.appendChild(document.createTextNode(' km · '));
      cap.appendChild(el('span', { 'class': 'route-hours' }, fmt(r.hours, 2)));
      cap.appendChild(document.createTextNode(' h · '));
      cap.appendChild(el('span', { 'class': 'route-cost' }, fmt(r.cost_yuan, 2)));
      cap.appendChild(document.createTextNode(' yuan' + (r.trips > 1 ? ' · ' + r.trips + ' trips' : '')));
      if (r.locked) cap.appendChild(el('span', { 'class': 'locked-badge' }, '🔒 locked'));
      var lb = el('button', { type: 'button', 'class': 'lock-route', 'data-vehicle': r.vehicle }, r.locked ? 'Unlock route' : 'Lock route');
      lb.onclick = function () { lock({ vehicle: r.vehicle, locked: !r.locked }); };
      cap.appendChild(lb);
      t.appendChild(cap);
      var head = el('tr');
      ['#', 'arrive', 'leave', 'place', 'deliver', 'collect', 'load kg'].forEach(function (h) { head.appendChild(el('th', {}, h)); });
      t.appendChild(head);
      r.visits.forEach(function (v) {
        var tr = el('tr', { 'class': 'visit' + (v.reload ? ' reload' : '') + (v.committed ? ' committed' : ''), 'data-stop': v.stop, 'data-vehicle': r.vehicle });
        if (v.committed) tr.title = 'under way at ' + plan.replan_at + ': kept as it was';
        tr.appendChild(el('td', {}, v.reload ? 'R' : v.number));
        tr.appendChild(el('td', { 'class': 'arrival' }, v.arrival));
        tr.appendChild(el('td', { 'class': 'departure' }, v.departure));
        var place = el('td', {}, v.reload ? 'reload at ' + v.name : v.name + ' ' + v.name_pinyin);
        if (v.locked && !r.locked) place.appendChild(el('span', { 'class': 'locked-badge' }, '🔒'));
        if (v.rest_min) place.appendChild(el('span', { 'class': 'muted' }, ' rest ' + v.rest_min + ' min'));
        tr.appendChild(place);
        tr.appendChild(el('td', { 'class': 'num' }, v.reload ? fmt(v.loaded_kg, 1) + ' kg on' :
          (v.delivered.parcels ? v.delivered.parcels + ' p, ' + fmt(v.delivered.kg, 1) + ' kg' : '')));
        tr.appendChild(el('td', { 'class': 'num' }, v.collected.kg ? v.collected.parcels + ' p, ' + fmt(v.collected.kg, 1) + ' kg' +
          (v.collected.goods.length ? ' (' + v.collected.goods.join(', ') + ')' : '') : (v.unloaded.kg ? 'unload ' + fmt(v.unloaded.kg, 1) + ' kg' : '')));
        tr.appendChild(el('td', { 'class': 'num load' }, fmt(v.load_kg, 1)));
        if (!v.reload) tr.onclick = function () { select({ vehicle: r.vehicle, stop: v.stop }); };
        t.appendChild(tr);
      });
      box.appendChild(t);
    });
  }

  function drawUnserved(plan) {
    var ul = $('unserved'); ul.textContent = '';
    $('unserved-panel').hidden = !plan.unserved.length;
    plan.unserved.forEach(function (u) {
      var li = el('li', { 'data-order': u.order });
      li.appendChild(el('b', {}, u.order));
      li.appendChild(document.createTextNode(' · ' + u.kind + ' ' + fmt(u.kg, 1) + ' kg · ' + u.reason + ': ' + (u.detail || u.name)));
      ul.appendChild(li);
    });
  }

  function fillVehicles(plan) {
    var sel = $('move-vehicle'), keep = sel.value; sel.textContent = '';
    plan.routes.forEach(function (r) { sel.appendChild(el('option', { value: r.vehicle }, r.vehicle + (r.locked ? ' (locked)' : ''))); });
    plan.idle.forEach(function (v) { sel.appendChild(el('option', { value: v }, v + ' (idle)')); });
    if (keep) sel.value = keep;
  }

  function findVisit(sel) {
    if (!sel || !state.plan) return null;
    var r = state.plan.routes.filter(function (x) { return x.vehicle === sel.vehicle; })[0];
    if (!r) return null;
    var v = r.visits.filter(function (x) { return x.stop === sel.stop; })[0];
    return v ? { route: r, visit: v } : null;
  }

  function select(sel) {
    document.querySelectorAll('tr.selected').forEach(function (tr) { tr.classList.remove('selected'); });
    var found = findVisit(sel);
    state.selected = found ? sel : null;
    $('move-btn').disabled = !found;
    $('lock-stop-btn').disabled = !found;
    if (!found) {
      $('selection').textContent = 'Select a stop in a table (or on the map) to move or lock it.';
      return;
    }
    var tr = document.querySelector('table.route[data-vehicle="' + CSS.escape(sel.vehicle) + '"] tr.visit[data-stop="' + sel.stop + '"]');
    if (tr) { tr.classList.add('selected'); }
    $('selection').textContent = 'Selected: ' + sel.vehicle + ' stop ' + found.visit.number + ', ' + found.visit.name +
      ' (' + found.visit.arrival + ')' + (found.visit.locked ? ' — locked' : '');
    $('lock-stop-btn').textContent = found.visit.locked && !found.route.locked ? 'Unlock stop' : 'Lock stop';
  }

  function showVerdict(ans) {
    var box = $('verdict');
    box.hidden = false;
    box.className = ans.ok ? 'ok' : 'bad';
    $('verdict-text').textContent = ans.verdict;
    $('verdict-applied').textContent = ans.applied ? '(applied)' : '(not applied)';
    var change = ans.cost_change_yuan;
    var cc = $('cost-change');
    cc.textContent = fmt(ans.cost_before_yuan, 2) + ' → ' + fmt(ans.cost_after_yuan, 2) + ' yuan (' + (change >= 0 ? '+' : '−') + fmt(Math.abs(change), 2) + ')';
    cc.setAttribute('data-before', ans.cost_before_yuan);
    cc.setAttribute('data-after', ans.cost_after_yuan);
    cc.setAttribute('data-change', change);
    var ul = $('violations'); ul.textContent = '';
    (ans.violations || []).forEach(function (v) { ul.appendChild(el('li', {}, v)); });
  }

  // --- actions ------------------------------------------------------------------------------
  function openPlan() {
    return api('GET', dayUrl()).then(render).catch(function (e) { showError(e.message); });
  }

  function startPlan() {
    $('error').hidden = true;
    state.county = $('county').value; state.date = $('date').value;
    if (state.source) state.source.close();
    $('plan-btn').disabled = true;
    api('POST', '/api/plan', { county: state.county, date: state.date }).then(function (job) {
      setStatus(job.status, 'job ' + job.id);
      var es = new EventSource('/api/jobs/' + encodeURIComponent(job.id) + '/events');
      state.source = es;
      es.addEventListener('status', function (e) {
        var d = JSON.parse(e.data); setStatus(d.status, d.message);
        if (d.status === 'failed') showError(d.message);
      });
      es.addEventListener('progress', function (e) { $('progress').textContent = JSON.parse(e.data).message; });
      es.addEventListener('improve', function (e) {
        var d = JSON.parse(e.data);
        $('progress').textContent = 'search ' + fmt(d.seconds, 1) + ' s: best ' + fmt(d.cost_yuan, 2) + ' yuan, ' + d.unserved + ' unserved';
      });
      es.addEventListener('end', function () {
        es.close(); state.source = null; $('plan-btn').disabled = false;
        if ($('status').textContent === 'done') openPlan().then(refreshDates);
      });
      es.onerror = function () { if (es.readyState === 2) $('plan-btn').disabled = false; };
    }).catch(function (e) { $('plan-btn').disabled = false; showError(e.message); });
  }

  function move() {
    var sel = state.selected; if (!sel) return;
    $('error').hidden = true;
    $('move-btn').disabled = true;
    api('POST', dayUrl('/move'), {
      vehicle: sel.vehicle, stop: sel.stop, to_vehicle: $('move-vehicle').value,
      position: parseInt($('move-position').value, 10)
    }).then(function (ans) {
      render(ans.plan); showVerdict(ans);
    }).catch(function (e) {  // refused before any change: said in the verdict box
      var box = $('verdict'); box.hidden = false; box.className = 'bad';
      $('verdict-text').textContent = 'refused: ' + e.message; $('verdict-applied').textContent = '(not applied)';
      $('cost-change').textContent = ''; $('violations').textContent = '';
      $('move-btn').disabled = false;
    });
  }

  function lock(body) {
    api('POST', dayUrl('/lock'), body).then(function (ans) { render(ans.plan); })
      .catch(function (e) { showError(e.message); });
  }

  function lockStop() {
    var found = findVisit(state.selected); if (!found) return;
    lock({ vehicle: found.route.vehicle, stop: found.visit.stop, locked: !found.visit.locked });
  }

  function undo() {
    api('POST', dayUrl('/undo'), {}).then(function (ans) { render(ans.plan); $('verdict').hidden = true; })
      .catch(function (e) { showError(e.message); });
  }

  function replanCall(action, body) {
    $('error').hidden = true;
    body.at = body.at || $('now').value;
    $('verdict').removeAttribute('data-action');
    $('progress').textContent = (action === 'replan' ? 're-planning from ' : action + ' at ') + body.at + ' …';
    return api('POST', dayUrl('/' + action), body).then(function (ans) {
      render(ans.plan); showVerdict(ans); $('verdict').setAttribute('data-action', action);
      $('progress').textContent = '';
    }).catch(function (e) { $('progress').textContent = ''; showError(e.message); });
  }

  function refreshDates() {
    return api('GET', '/api/counties/' + encodeURIComponent($('county').value) + '/dates').then(function (d) {
      $('open-btn').disabled = d.dates.indexOf($('date').value) < 0;
      $('open-btn').title = d.dates.length ? 'plans: ' + d.dates.join(', ') : 'no plans yet';
    });
  }

  function fillExports(formats) {
    var box = $('exports'); box.textContent = 'Export: ';
    formats.forEach(function (f) {
      var a = el('a', { 'class': 'export', 'data-fmt': f, href: '#', download: '' }, f.toUpperCase());
      a.onclick = function () { a.href = dayUrl('/export/' + f); };
      box.appendChild(a); box.appendChild(document.createTextNode(' '));
    });
  }

  function loadComparisons() {
    api('GET', '/api/comparisons').then(function (c) {
      var box = $('comparisons'); box.textContent = '';
      var tables = c.files.filter(function (f) { return /compare\.csv$/.test(f); });
      if (!tables.length) return;
      box.appendChild(el('div', {}, 'Scenario comparisons (route compare):'));
      tables.forEach(function (f) {
        var b = el('button', { type: 'button', 'class': 'open-comparison', 'data-file': f }, f.replace(/\/compare\.csv$/, '') || f);
        b.onclick = function () { openComparison(f); };
        box.appendChild(b); box.appendChild(document.createTextNode(' '));
      });
    }).catch(function () {});
  }

  function openComparison(file) {
    api('GET', '/api/comparison?file=' + encodeURIComponent(file)).then(function (c) {
      var box = $('comparison'); box.textContent = ''; box.hidden = false;
      box.appendChild(el('h3', {}, 'Comparison ' + c.file));
      if (c.chart) box.appendChild(el('img', { src: '/files/' + c.chart.split('/').map(encodeURIComponent).join('/'), alt: 'comparison chart' }));
      var t = el('table', { 'class': 'comparison' }), head = el('tr');
      c.header.forEach(function (h) { head.appendChild(el('th', {}, h)); });
      t.appendChild(head);
      c.rows.forEach(function (row) {
        var tr = el('tr');
        row.forEach(function (x) { tr.appendChild(el('td', {}, x)); });
        t.appendChild(tr);
      });
      box.appendChild(t);
      box.appendChild(el('a', { href: '/files/' + c.file.split('/').map(encodeURIComponent).join('/'), download: '' }, 'compare.csv'));
    }).catch(function (e) { showError(e.message); });
  }

  $('plan-btn').onclick = startPlan;
  $('open-btn').onclick = function () { state.county = $('county').value; state.date = $('date').value; openPlan(); };
  $('move-btn').onclick = move;
  $('lock-stop-btn').onclick = lockStop;
  $('undo-btn').onclick = undo;
  $('county').onchange = function () { loadRoads($('county').value); refreshDates(); };
  $('date').onchange = refreshDates;
  $('sheets-btn').onclick = function () { window.open(dayUrl('/sheets.pdf'), '_blank'); };
  $('add-form').onsubmit = function (e) {
    e.preventDefault();
    var f = new FormData($('add-form')), order = {};
    f.forEach(function (v, k) { order[k] = v; });
    order.cold_chain = $('add-form').elements.cold_chain.checked;
    replanCall('add', { order: order });
  };
  $('cancel-btn').onclick = function () { replanCall('cancel', { order: $('cancel-order').value }); };
  $('replan-btn').onclick = function () { replanCall('replan', { at: $('replan-at').value }); };
  $('upload-form').onsubmit = function (e) {
    e.preventDefault();
    var f = new FormData(); f.append('file', $('upload-file').files[0]); f.append('date', $('date').value);
    api('POST', '/api/upload/' + encodeURIComponent($('county').value), f).then(function (ans) {
      $('upload-result').textContent = 'stored: ' + ans.stored.map(function (d) { return d.date + ' (' + d.orders + ' orders)'; }).join(', ') +
        (ans.warning ? '; ' + ans.warning : '');
    }).catch(function (e) { showError(e.message); });
  };

  var now = new Date();
  $('now').value = ('0' + now.getHours()).slice(-2) + ':' + ('0' + now.getMinutes()).slice(-2);
  $('replan-at').value = $('now').value;
  api('GET', '/api/config').then(function (cfg) {
    state.config = cfg;
    cfg.counties.forEach(function (c) { $('county').appendChild(el('option', { value: c.slug }, c.slug + (c.name ? ' ' + c.name : ''))); });
    $('county').value = cfg.county;
    var params = new URLSearchParams(location.search);
    $('date').value = params.get('date') || new Date().toISOString().slice(0, 10);
    fillExports(cfg.formats);
    loadComparisons();
    return loadRoads(cfg.county).then(refreshDates);
  }).catch(function (e) { showError(e.message); });
  window.desk = state;  // for the curious, and the browser tests
})();
