// The Venue ops console: a snapshot, then the live stream (docs/live-streams.md).
// Events are applied as they arrive and drawn at most four times a second.

const RENDER_EVERY_MS = 250;
const RETRY_MS = 2000;
// A stream that has said nothing (no event, no ping) for this many heartbeats is taken for dead.
const SILENT_BEATS = 2.5;
const KEEP = 100000;
// What the silo keeps and shows (ConsoleModel): the page keeps no more, or a console open for a whole
// event grows without end (every attendee who ever scored, 720 minutes per gate in twelve hours).
const LEADERS_SHOWN = 10;
const ALERTS_KEPT = 200;
const CONFLICTS_KEPT = 200;
const MINUTES_SHOWN = 15;

// What the page has seen, for people debugging a console and for the browser tests.
const probe = {
  epoch: null, lastSeq: 0, seqs: [], latencies: [], renderLatencies: [],
  gaps: 0, duplicates: 0, resyncs: 0, stalls: 0, opens: 0, snapshots: 0, renders: 0, ready: false,
  // Attendee lookups over: answered, failed, or given up for a newer one.
  lookups: 0,
};
window.venueConsole = probe;
// How much the page holds, by part: for people debugging a console and for the browser tests.
probe.kept = () => (state ? {
  alerts: state.alerts.size, conflicts: state.conflicts.size,
  boards: Object.fromEntries([...state.boards].map(([name, entries]) => [name, entries.size])),
  minutes: Object.fromEntries([...state.gates].map(([id, gate]) => [id, gate.minutes.size])),
} : null);

const $ = (selector) => document.querySelector(selector);
const now = () => performance.timeOrigin + performance.now();

let state = null;
let source = null;
// Every start() and stop() begins a new generation: a load or a stream of an older one is over, and
// whatever it had still in flight (a snapshot fetch, an EventSource's events) is ignored.
let generation = 0;
let loading = null;
let heartbeatMs = 15000;
let heard = 0;
let retryTimer = 0;
let renderPending = false;
let lastRender = 0;
let pendingSince = 0;
// The attendee lookup in flight: a newer one (or a sign-out) aborts it, so a slow answer never replaces a later one.
let lookup = null;
const dirty = new Set();

function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const fmt = new Intl.NumberFormat();
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '');
const ms = (v) => (v >= 10000 ? `${(v / 1000).toFixed(0)} s` : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v || 0)} ms`);

function setConn(status) {
  const el = $('#conn');
  el.className = `conn ${status}`;
  el.textContent = status;
}

function stop() {
  generation++;
  clearTimeout(retryTimer);
  if (loading) { loading.abort(); loading = null; }
  if (source) { source.close(); source = null; }
}

function retryLater() {
  stop();
  retryTimer = setTimeout(start, RETRY_MS);
}

async function start(status = 'loading') {
  stop();
  const mine = generation;
  const aborter = loading = new AbortController();
  setConn(status);
  let response;
  try {
    // A load on a link that hangs gives up as a silent stream does, instead of showing 'loading' for ever.
    const signal = AbortSignal.any([aborter.signal, AbortSignal.timeout(SILENT_BEATS * heartbeatMs)]);
    response = await fetch('/console/api/snapshot', { credentials: 'same-origin', cache: 'no-store', signal });
  } catch {
    if (mine !== generation) return; // stopped or started over meanwhile: the newer one decides
    setConn('offline');
    retryLater();
    return;
  }
  if (mine !== generation) return;
  if (response.status === 401 || response.status === 403) {
    showLogin(response.status === 403 ? 'This token may not open the console.' : '');
    return;
  }
  if (!response.ok) {
    setConn('error');
    retryLater();
    return;
  }
  let snapshot;
  let next;
  try {
    snapshot = await response.json();
    if (mine !== generation) return;
    next = fromSnapshot(snapshot);
  } catch {
    // A body cut short, or a 200 that is not the snapshot (a captive portal's page): load it again.
    if (mine !== generation) return;
    setConn('error');
    retryLater();
    return;
  }
  loading = null;
  probe.snapshots++;
  probe.epoch = snapshot.epoch;
  probe.lastSeq = snapshot.seq;
  state = next;
  if (snapshot.heartbeatMs > 0) heartbeatMs = snapshot.heartbeatMs;
  hideLogin();
  for (const part of ['gates', 'zones', 'alerts', 'conflicts', 'boards', 'silos', 'scans', 'header']) dirty.add(part);
  render();
  if (!probe.ready && performance.getEntriesByName('console-ready').length === 0) performance.mark('console-ready');
  probe.ready = true;
  connect(snapshot.epoch, snapshot.seq);
}

function connect(epoch, seq) {
  // The first connect names the snapshot's position; the browser's own reconnects send Last-Event-ID.
  // Every listener first checks that its EventSource is still the page's: one replaced or closed has no say.
  const es = source = new EventSource(`/console/api/stream?after=${encodeURIComponent(`${epoch}-${seq}`)}`);
  heard = performance.now();
  es.onopen = () => {
    if (es !== source) return;
    heard = performance.now();
    probe.opens++;
    setConn('live');
  };
  es.onerror = () => {
    if (es !== source) return;
    if (es.readyState === EventSource.CLOSED) {
      // The server refused the stream (a session that ended, a restart): start over from a snapshot.
      setConn('offline');
      retryLater();
    } else {
      setConn('reconnecting');
    }
  };
  for (const [type, apply] of Object.entries(handlers)) {
    es.addEventListener(type, (event) => { if (es === source) { heard = performance.now(); receive(event, apply); } });
  }
  // The silo's heartbeat on a quiet stream: it only says the connection is alive.
  es.addEventListener('ping', () => { if (es === source) heard = performance.now(); });
  es.addEventListener('resync', (event) => {
    if (es !== source) return;
    probe.resyncs++;
    let reason = 'unknown';
    try { reason = JSON.parse(event.data).reason || reason; } catch { /* the reload is what matters */ }
    resync(reason);
  });
}

// What was on screen may jump (counters, alerts gone): the user is told the page reloaded, and why.
function resync(reason) {
  $('#resynced').textContent = `resynced (${reason}) at ${time(new Date().toISOString())}`;
  start('resyncing');
}

function receive(event, apply) {
  const arrived = now();
  const message = JSON.parse(event.data);
  if (message.seq <= probe.lastSeq) { probe.duplicates++; return; }
  if (message.seq !== probe.lastSeq + 1) {
    // Never draw over a hole: reload the snapshot instead.
    probe.gaps++;
    resync('gap');
    return;
  }
  probe.lastSeq = message.seq;
  if (probe.seqs.length < KEEP) probe.seqs.push(message.seq);
  if (probe.latencies.length < KEEP) probe.latencies.push(arrived - message.ts);
  apply(message.data);
  dirty.add('header');
  schedule(message.ts);
}

function fromSnapshot(s) {
  const skew = Date.parse(s.at) - Date.now();
  const gates = new Map(s.gates.map((g) => [g.id, gateFromView(g)]));
  const boards = new Map(s.leaderboards.map((b) => [b.board, new Map(b.entries.map((e) => [e.id, e]))]));
  return {
    silo: s.silo, skew, gates, boards,
    zones: new Map(s.zones.map((z) => [z.id, z])),
    alerts: new Map(s.alerts.map((a) => [a.id, a])),
    conflicts: new Map(s.conflicts.map((c) => [c.id, c])),
    silos: new Map(s.silos.map((r) => [r.id, r])),
    scans: s.scans.slice(0, 50),
  };
}

function gateFromView(g) {
  return { ...g, refusals: { ...(g.refusals || {}) }, minutes: new Map((g.minutes || []).map((m) => [m.minute, m.count])) };
}

const handlers = {
  scan(d) {
    let gate = state.gates.get(d.gate);
    if (!gate) {
      gate = gateFromView({ id: d.gate, name: d.gate, edge: d.edge, status: 'idle', scans: 0, admitted: 0, exited: 0, refused: 0 });
      state.gates.set(d.gate, gate);
    }
    const c = d.counters;
    gate.scans = c.scans; gate.admitted = c.admitted; gate.exited = c.exited; gate.refused = c.refused;
    if (d.result === 'refused') gate.refusals[d.reason] = c.reasonCount;
    if (c.minuteCount > 0) {
      const fresh = !gate.minutes.has(c.minute);
      gate.minutes.set(c.minute, c.minuteCount);
      if (fresh) forgetOldMinutes(gate);
    }
    // As the silo keeps it: the latest scan's time, which a late upload does not move back.
    if (!gate.lastScanAt || Date.parse(d.at) > Date.parse(gate.lastScanAt)) gate.lastScanAt = d.at;
    // The silo's status after the scan, not a guess: one uploaded late leaves an idle gate idle.
    gate.status = d.gateStatus;
    state.scans.unshift(d);
    if (state.scans.length > 50) state.scans.length = 50;
    dirty.add('gates'); dirty.add('scans');
  },
  gate(d) { state.gates.set(d.id, gateFromView(d)); dirty.add('gates'); },
  zone(d) { state.zones.set(d.id, d); dirty.add('zones'); },
  alert(d) { state.alerts.set(d.id, d); trimAlerts(); dirty.add('alerts'); },
  conflict(d) {
    state.conflicts.set(d.id, d);
    // As the silo does: the oldest (lowest id) go.
    while (state.conflicts.size > CONFLICTS_KEPT) state.conflicts.delete(Math.min(...state.conflicts.keys()));
    dirty.add('conflicts');
  },
  'conflict-removed'(d) { state.conflicts.delete(d.id); dirty.add('conflicts'); },
  leader(d) {
    if (!state.boards.has(d.board)) state.boards.set(d.board, new Map());
    const board = state.boards.get(d.board);
    board.set(d.id, { id: d.id, score: d.score, rank: d.rank });
    // Scores only grow, and an entry's event carries its whole score: one that climbs back into the
    // top comes with what it needs, so the page keeps the top it shows and nothing else.
    if (board.size > LEADERS_SHOWN) {
      const top = [...board.values()].sort(byScore).slice(0, LEADERS_SHOWN);
      board.clear();
      for (const e of top) board.set(e.id, e);
    }
    dirty.add('boards');
  },
  silo(d) { state.silos.set(d.id, d); dirty.add('silos'); },
};

// The leaderboard's own order, as the silo sorts (ConsoleModel.Order): score down; on a tie, who reached
// the score first, told by the lower rank it came with; then id by ordinal (UTF-16 code units, as '<' compares).
function byScore(a, b) {
  return (b.score - a.score) || (a.rank - b.rank) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

// As the silo trims (ConsoleModel.TrimAlerts): the oldest cleared alert first, an active one only when none is left.
function trimAlerts() {
  while (state.alerts.size > ALERTS_KEPT) {
    let victim = null;
    for (const a of state.alerts.values()) {
      if (victim === null || (!a.active && victim.active) || (a.active === victim.active && a.id < victim.id)) victim = a;
    }
    state.alerts.delete(victim.id);
  }
}

// Minutes before the window the gates' sparklines show are never drawn again.
function forgetOldMinutes(gate) {
  const oldest = currentMinute() - (MINUTES_SHOWN - 1);
  for (const minute of gate.minutes.keys()) if (minute < oldest) gate.minutes.delete(minute);
}

// Coalescing: however many events arrive, the page is drawn at most every RENDER_EVERY_MS, in an animation frame.
function schedule(ts) {
  if (!pendingSince) pendingSince = ts || now();
  if (renderPending) return;
  renderPending = true;
  const wait = Math.max(0, RENDER_EVERY_MS - (performance.now() - lastRender));
  setTimeout(() => requestAnimationFrame(render), wait);
}

function render() {
  renderPending = false;
  lastRender = performance.now();
  if (!state) return;
  if (dirty.has('header')) renderHeader();
  if (dirty.has('gates')) renderGates();
  if (dirty.has('zones')) renderZones();
  if (dirty.has('alerts')) renderAlerts();
  if (dirty.has('conflicts')) renderConflicts();
  if (dirty.has('boards')) renderBoards();
  if (dirty.has('silos')) renderSilos();
  if (dirty.has('scans')) renderScans();
  dirty.clear();
  probe.renders++;
  if (pendingSince && probe.renderLatencies.length < KEEP) probe.renderLatencies.push(now() - pendingSince);
  pendingSince = 0;
}

function renderHeader() {
  $('#silo').textContent = `${state.silo.role} ${state.silo.id}`;
  $('#seq').textContent = `#${probe.lastSeq}`;
  $('#conflicts-section').hidden = state.silo.role !== 'central' && state.conflicts.size === 0;
}

function currentMinute() { return Math.floor((Date.now() + state.skew) / 60000); }

function perMinute(gate) {
  // The last sixty seconds: this minute so far, plus the part of the previous one still inside the window.
  const minute = currentMinute();
  const into = (((Date.now() + state.skew) / 60000) % 1);
  return Math.round((gate.minutes.get(minute) || 0) + (gate.minutes.get(minute - 1) || 0) * (1 - into));
}

function spark(gate) {
  const minute = currentMinute();
  const counts = [];
  for (let m = minute - 14; m <= minute; m++) counts.push(gate.minutes.get(m) || 0);
  const top = Math.max(1, ...counts);
  return h('span', { class: 'spark', 'aria-hidden': 'true' }, counts.map((c) => {
    const bar = h('i');
    bar.style.height = `${Math.max(4, (c / top) * 100)}%`;
    return bar;
  }));
}

function renderGates() {
  const rows = [...state.gates.values()].sort((a, b) => a.id.localeCompare(b.id)).map((g) => {
    const reasons = Object.entries(g.refusals).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r.replaceAll('_', ' ')} ${fmt.format(n)}`).join(', ');
    return h('tr', { data: { gate: g.id } },
      h('td', null, h('b', null, g.name || g.id),
        h('span', { class: 'dim' }, [g.zone, state.silo.role === 'central' ? g.edge : null].filter(Boolean).map((x) => ` ${x}`).join(' ·'))),
      h('td', null, h('span', { class: `status ${g.status}` }, g.status)),
      h('td', { class: 'rate' }, spark(g), h('span', { class: 'per-minute' }, fmt.format(perMinute(g)))),
      h('td', { class: 'n admitted-count' }, fmt.format(g.admitted)),
      h('td', { class: 'n exited-count' }, fmt.format(g.exited)),
      h('td', { class: 'n refused-count' }, fmt.format(g.refused)),
      h('td', { class: 'reasons' }, reasons || '—'));
  });
  $('#gates tbody').replaceChildren(...(rows.length ? rows : [h('tr', null, h('td', { colspan: 7, class: 'empty' }, 'No gates yet.'))]));
}

function renderZones() {
  const tiles = [...state.zones.values()].sort((a, b) => a.id.localeCompare(b.id)).map((z) => {
    const share = z.capacity > 0 ? z.occupancy / z.capacity : 0;
    const fill = h('i');
    fill.style.width = `${Math.min(100, share * 100)}%`;
    return h('div', { class: `zone level-${z.level}`, data: { zone: z.id, level: z.level } },
      h('b', null, z.id),
      h('span', { class: 'occ' }, fmt.format(z.occupancy)), h('span', null, ` / ${fmt.format(z.capacity)}`),
      h('div', { class: 'bar' }, fill),
      h('span', { class: 'dim' }, `${Math.round(share * 100)} % · ${z.level}`));
  });
  $('#zones').replaceChildren(...(tiles.length ? tiles : [h('p', { class: 'empty' }, 'No zone reports yet.')]));
}

// The answer is not written into the page: the silo publishes the acknowledged item on the stream,
// and by the time the answer arrives the stream may have said something newer (cleared, removed).
async function acknowledge(kind, id, button) {
  button.disabled = true;
  const note = $(`#${kind}-note`);
  note.textContent = '';
  let response;
  try {
    response = await fetch(`/console/api/${kind}/${id}/acknowledge`, { method: 'POST', credentials: 'same-origin' });
  } catch {
    button.disabled = false;
    note.textContent = 'The acknowledgement could not be sent; try again.';
    return;
  }
  if (response.ok) return;
  button.disabled = false;
  if (response.status === 401) showLogin('Your session ended; sign in again.');
  else if (response.status === 404) note.textContent = `${kind === 'alerts' ? 'Alert' : 'Conflict'} ${id} is no longer kept here; nothing was acknowledged.`;
  else note.textContent = `The acknowledgement failed (${response.status}); try again.`;
}

function ackPart(kind, item) {
  return item.acknowledgedAt
    ? h('span', { class: 'dim ack' }, `seen by ${item.acknowledgedBy} at ${time(item.acknowledgedAt)}`)
    : h('button', { type: 'button', class: 'ack-button', onclick: (e) => acknowledge(kind, item.id, e.currentTarget) }, 'Acknowledge');
}

function renderAlerts() {
  const items = [...state.alerts.values()].sort((a, b) => (b.active - a.active) || (b.id - a.id)).map((a) =>
    h('li', { class: [a.active ? 'active' : 'cleared', a.acknowledgedAt ? 'acked' : ''].join(' '), data: { alertId: a.id, zone: a.zone } },
      h('span', { class: `level ${a.level}` }, a.level),
      h('span', { class: 'what' }, h('b', null, a.zone), ` ${fmt.format(a.occupancy)} / ${fmt.format(a.capacity)}`,
        h('span', { class: 'dim' }, a.active ? ` since ${time(a.raisedAt)}` : ` cleared ${time(a.clearedAt)}`)),
      ackPart('alerts', a)));
  $('#alerts').replaceChildren(...(items.length ? items : [h('li', { class: 'empty' }, 'No alerts.')]));
}

function renderConflicts() {
  const items = [...state.conflicts.values()].sort((a, b) => b.id - a.id).map((c) =>
    h('li', { class: c.acknowledgedAt ? 'acked' : '', data: { conflictId: c.id } },
      h('span', { class: 'what' }, h('b', null, c.attendee),
        h('span', { class: 'dim' }, ` ${c.first.edge}/${c.first.gate} ${time(c.first.at)} and ${c.second.edge}/${c.second.gate} ${time(c.second.at)}`)),
      ackPart('conflicts', c)));
  $('#conflicts').replaceChildren(...(items.length ? items : [h('li', { class: 'empty' }, 'No conflicts.')]));
}

function renderBoards() {
  const boards = [...state.boards.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([name, entries]) => {
    const top = [...entries.values()].sort(byScore).slice(0, LEADERS_SHOWN);
    return h('div', { data: { board: name } }, h('h2', null, name),
      h('ol', { class: 'items' }, top.map((e, i) => h('li', null, h('span', { class: 'what' }, `${i + 1}. ${e.id}`), h('b', null, fmt.format(e.score))))));
  });
  $('#boards').replaceChildren(...(boards.length ? boards : [h('p', { class: 'empty' }, 'No scores yet.')]));
}

function renderSilos() {
  const rows = [...state.silos.values()].map((s) => h('tr', { data: { silo: s.id } },
    h('td', null, h('b', null, s.id)), h('td', null, s.role), h('td', null, h('span', { class: `status ${s.status}` }, s.status)),
    h('td', { class: 'n' }, fmt.format(s.journalSequence)), h('td', { class: 'n' }, fmt.format(s.uploadedSequence)),
    h('td', { class: 'n' }, s.role === 'central' ? '—' : `${fmt.format(s.journalLagEntries)} · ${ms(s.journalLagMs)}`),
    h('td', { class: 'n' }, s.role === 'central' ? '—' : ms(s.syncLagMs))));
  $('#silos tbody').replaceChildren(...(rows.length ? rows : [h('tr', null, h('td', { colspan: 7, class: 'empty' }, 'No silos reported.'))]));
}

function renderScans() {
  $('#scans').replaceChildren(...state.scans.slice(0, 15).map((s) => h('li', null,
    h('span', { class: s.result }, s.result === 'refused' ? s.reason.replaceAll('_', ' ') : s.result),
    h('span', { class: 'what' }, ` ${s.attendee || 'unknown badge'} at ${s.gate}`), h('span', { class: 'dim' }, time(s.at)))));
}

function showLogin(message) {
  stop();
  state = null;
  probe.ready = false;
  clearPage();
  setConn('signed out');
  $('#app').hidden = true;
  $('#logout').hidden = true;
  $('#login').hidden = false;
  $('#login-error').textContent = message || '';
  $('#token').focus();
}

// A shared tablet: whoever signs in next sees nothing the last user saw, above all the attendee they looked up.
function clearPage() {
  if (lookup) { lookup.abort(); lookup = null; }
  $('#lookup input[name=id]').value = '';
  for (const part of ['#attendee', '#gates tbody', '#zones', '#alerts', '#conflicts', '#boards', '#silos tbody', '#scans']) $(part).replaceChildren();
  for (const part of ['#alerts-note', '#conflicts-note', '#resynced', '#seq']) $(part).textContent = '';
  $('#silo').textContent = '…';
}

function hideLogin() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#logout').hidden = false;
}

$('#login').addEventListener('submit', async (event) => {
  event.preventDefault();
  // One sign-in at a time: a double tap must not start two loads.
  const submit = event.currentTarget.querySelector('button[type=submit]');
  if (submit.disabled) return;
  submit.disabled = true;
  try {
    const token = $('#token').value.trim();
    const response = await fetch('/console/session', {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }),
    });
    if (response.ok) {
      $('#token').value = '';
      start();
    } else {
      const problem = await response.json().catch(() => ({}));
      $('#login-error').textContent = problem.detail || `Sign-in failed (${response.status}).`;
    }
  } catch {
    $('#login-error').textContent = 'The console cannot be reached; try again.';
  } finally {
    submit.disabled = false;
  }
});

$('#logout').addEventListener('click', async () => {
  let told = true;
  try {
    await fetch('/console/session', { method: 'DELETE', credentials: 'same-origin' });
  } catch {
    told = false;
  }
  // The page is cleared either way: the next user must not see this one's screen.
  showLogin(told ? 'Signed out.' : 'Signed out here, but the silo could not be told: its session may still be open there.');
});

$('#lookup').addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = new FormData(event.currentTarget).get('id').trim();
  const out = $('#attendee');
  const say = (text) => out.replaceChildren(h('p', { class: 'empty' }, text));
  if (lookup) lookup.abort();
  const mine = lookup = new AbortController();
  say(`Looking up '${id}'…`);
  let a;
  try {
    const response = await fetch(`/console/api/attendees/${encodeURIComponent(id)}`, { credentials: 'same-origin', signal: mine.signal });
    if (mine !== lookup) return;
    if (response.status === 401) {
      showLogin('Your session ended; sign in again.');
      return;
    }
    if (!response.ok) {
      say(response.status === 404 ? `No attendee '${id}'.` : `Lookup failed (${response.status}).`);
      return;
    }
    a = await response.json();
  } catch {
    if (mine === lookup) say('The silo cannot be reached; try again.');
    return;
  } finally {
    probe.lookups++;
    if (mine === lookup) lookup = null;
  }
  const presence = a.inside === undefined ? 'unknown' : a.inside ? 'inside' : 'outside';
  out.replaceChildren(h('dl', { class: 'attendee', data: { attendee: a.id } },
    h('dt', null, 'Name'), h('dd', null, a.name), h('dt', null, 'Ticket'), h('dd', null, `${a.ticketType} (${a.status})`),
    h('dt', null, 'Presence'), h('dd', { class: 'presence' }, presence),
    a.lastGate ? [h('dt', null, 'Last passage'), h('dd', null, `${a.lastGate} at ${time(a.lastPassageAt)}`)] : null,
    a.entries !== undefined ? [h('dt', null, 'Entries / exits'), h('dd', null, `${a.entries} / ${a.exits}`)] : null));
});

// A laptop or tablet coming back onto the LAN reconnects at once instead of waiting out its retry.
window.addEventListener('online', () => { if (!source || source.readyState === EventSource.CLOSED) start(); });
window.addEventListener('offline', () => setConn('offline'));
// A connection can die without an error (a hung Wi-Fi, a NAT that forgot it): the browser would wait
// for ever. A stream silent for several heartbeats is closed and the page starts over.
setInterval(() => {
  if (source && performance.now() - heard > SILENT_BEATS * heartbeatMs) {
    probe.stalls++;
    start('stalled');
  }
}, 500);
// Throughput windows and idle gates move with the clock, not only with events.
setInterval(() => {
  if (!state) return;
  for (const gate of state.gates.values()) forgetOldMinutes(gate);
  dirty.add('gates');
  schedule();
}, 5000);

start();
