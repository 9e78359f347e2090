// The chair console, built for a fast plenary: the floor and its controls
// always in view, the queue as a compact table with overrides and each
// remote speaker's audio, keyboard shortcuts, undo of the last action,
// the list of speakers, the room's settings and queue policy (previewed
// before it applies), the live balance and the log of chair actions.

import { announce, isEnabled, onPress, run, setEnabled, startRoomPage } from './page.js';
import { t } from './i18n.js';
import { apiURL, parseServerTime } from './live.js';
import { el, kindLabel, nameEl, speakerMeta } from './format.js';
import { languageName } from './transcript.js';
import { Clocks, queueCount, replyingTo } from './queue-view.js';
import { ChairQueue } from './chair-queue.js';
import { ChairLog } from './chair-log.js';
import { ChairMedia } from './chair-media.js';
import { ChairPresence } from './chair-presence.js';
import { ChairPolicy } from './chair-policy.js';
import { listShortcuts, onShortcuts } from './chair-keys.js';
import { BalanceView, liveBalance } from './balance-view.js';
import { onDownload } from './download.js';

const $ = (id) => document.getElementById(id);
const CHAIR_ROLES = new Set(['chair', 'admin']);
// What the server lets the chair undo, and for how long (rooms.UndoWindow).
const UNDOABLE = new Set(['floor_granted', 'request_removed', 'request_skipped', 'request_moved']);
const UNDO_MS = 10_000;

let clocks, queue, log, balance, media, policy, people;
let presence = null; // who is connected to the room, when the server has said
let undoable = null; // the last chair action while it can be undone: {seq, text, until}
const dirty = new Set(); // settings forms the chair is editing: not overwritten by updates

const live = await startRoomPage(render);
if (live) {
  media = new ChairMedia(live);
  people = new ChairPresence($('hubs'), $('connected'), $('connected-more'));
  queue = new ChairQueue($('queue'), live, media);
  policy = new ChairPolicy($('policy-form'), live);
  if (live.state) policy.render(live.state);
  media.addEventListener('change', () => {
    if (!live.state) return;
    queue.render(live.state.queue);
    renderFloor(live);
    renderVenue();
  });
  media.addEventListener('links', renderPresence);
  media.start();
  log = new ChairLog($('log'), live);
  log.load();
  wire(live);
  live.addEventListener('presence', (e) => {
    presence = e.detail.presence;
    renderPresence();
  });
  // The turn in progress counts in the balance second by second; the
  // queue's waiting times and the undo's countdown move with the clock.
  setInterval(() => {
    if (balance && live.state?.balance.running) renderBalance(live);
    queue.tick(live.now());
  }, 1000);
  setInterval(renderUndo, 250);
  const base = `/rooms/${encodeURIComponent(live.room)}`;
  $('nav-chair').href = `${base}/chair`;
  $('nav-display').href = `${base}/display`;
  $('nav-balance').href = `${base}/balance`;
}

function render(live, keys, event) {
  clocks ??= new Clocks(live);
  balance ??= new BalanceView($('balance'), ['time_share'], 3);
  const all = !keys;
  const s = live.state;
  const has = (k) => all || keys.has(k);
  if (has('agenda_item')) $('agenda').textContent = s.agenda_item || t('agenda.none');
  if (has('floor')) renderFloor(live);
  if (has('queue') || has('floor')) renderControls(live);
  if (has('queue')) {
    $('queue-count').textContent = queueCount(s.queue.length);
    queue?.render(s.queue);
  }
  if (has('list_open')) renderList(s);
  renderSettings(s);
  if (has('policy') || has('balance')) policy?.render(s);
  if (has('balance') || has('policy')) renderBalance(live);
  if (has('languages')) renderRecord(live);
  renderPresence();
  renderVenue();
  $('role-warning').textContent = CHAIR_ROLES.has(live.you.role) ? '' : t('chair.notChair', { role: t(`role.${live.you.role}`) });
  if (event && log) {
    log.add(event);
    log.render();
    announceEvent(event);
    noteUndo(event);
  } else if (all) {
    log?.render();
    listShortcuts($('keys-list'));
    listShortcuts($('help-list'));
  }
}

// noteUndo keeps the last chair action the server can undo, and forgets
// it at any other chair action, as the server does.
function noteUndo(event) {
  if (!CHAIR_ROLES.has(event.actor?.role)) return;
  const d = event.data ?? {};
  if (UNDOABLE.has(event.type)) {
    undoable = { seq: event.seq, text: t(`undo.${event.type}`, { name: d.speaker?.name ?? '' }), until: parseServerTime(event.time) + UNDO_MS };
    announce(t('undo.offer', { what: undoable.text }));
  } else if (event.type !== 'hand_raised') {
    undoable = null;
  }
  renderUndo();
}

function renderUndo() {
  const bar = $('undo-bar');
  const left = undoable ? Math.ceil((undoable.until - live.now()) / 1000) : 0;
  if (left <= 0) {
    // Focus in the bar would be lost with it: it goes to the queue.
    if (!bar.hidden && bar.contains(document.activeElement)) queue.focus();
    bar.hidden = true;
    undoable = null;
    return;
  }
  bar.hidden = false;
  const text = t('undo.bar', { what: undoable.text, seconds: left });
  if ($('undo-text').textContent !== text) $('undo-text').textContent = text;
}

async function undo() {
  if (!undoable) return;
  const reason = $('undo-reason').value.trim();
  if (await run(live, { type: 'undo', undoes: undoable.seq, ...(reason && { reason }) }, $('undo'))) {
    $('undo-reason').value = '';
  }
}

// renderPresence says how many are connected, and how many of each role,
// then who they are and how the hubs are.
function renderPresence() {
  if (!presence) {
    $('presence').textContent = '';
    return;
  }
  people.render(presence, media.links);
  const roles = Object.entries(presence.by_role ?? {}).sort(([a], [b]) => a.localeCompare(b))
    .map(([role, n]) => t('chair.presenceRole', { role: t(`role.${role}`), count: n }));
  $('presence').textContent = [t('chair.presence', { count: presence.people ?? presence.total }), ...roles].join(' · ');
}

function renderVenue() {
  $('venue-feed').textContent = media?.venueText() ?? '';
}

function renderFloor(live) {
  const f = live.state.floor;
  clocks.clear();
  const body = $('floor-body');
  if (!f) {
    body.replaceChildren(el('p', 'muted', t('floor.nobody')));
    return;
  }
  const who = el('p', 'floor-name');
  who.append(nameEl(f.name));
  if (f.kind && f.kind !== 'speak') who.append(' ', el('span', `badge badge-${f.kind}`, kindLabel(f.kind)));
  const audio = media?.badge(f);
  if (audio) who.append(' ', audio);
  const box = el('div', 'clock-box');
  const clock = el('p', 'clock');
  clock.dir = 'ltr';
  const label = el('p', 'clock-label');
  box.append(clock, label);
  const limit = el('p', 'muted', t('chair.limitWarn', { seconds: Math.round(f.limit_s), warn: Math.round(f.warn_s ?? 30) }));
  const lines = [who, el('p', 'meta', speakerMeta(f))];
  const reply = replyingTo(f);
  if (reply) lines.push(reply);
  box.append(limit);
  body.replaceChildren(...lines, box);
  clocks.add({ node: clock, label, box });
}

function renderControls(live) {
  const s = live.state;
  const f = s.floor;
  setEnabled($('call-next'), s.queue.length > 0);
  $('call-next-help').textContent = s.queue.length > 0 ? '' : t('chair.queueEmpty');
  // One button that says what it will do keeps focus across pause/resume.
  $('pause').textContent = f?.paused ? t('chair.resume') : t('chair.pause');
  for (const id of ['pause', 'extend', 'extend-60', 'end-turn', 'extend-add', 'extend-from-now']) setEnabled($(id), Boolean(f));
}

function renderList(s) {
  $('list-status').textContent = s.list_open ? t('chair.listOpen') : t('chair.listClosed');
  $('list-status').className = s.list_open ? 'status-open' : 'status-closed';
  $('list-toggle').textContent = s.list_open ? t('chair.closeList') : t('chair.openList');
}

// renderSettings shows the room's settings in their forms, except in a form
// the chair is editing.
function renderSettings(s) {
  if (!dirty.has('agenda-form')) $('agenda-input').value = s.agenda_item ?? '';
  if (!dirty.has('limit-form')) $('limit-input').value = String(Math.round(s.time_limit_s));
  if (!dirty.has('warning-form')) $('warning-input').value = String(Math.round(s.warning_s ?? 30));
}

function renderBalance(live) {
  const s = live.state;
  const metric = s.policy.measure === 'turns' ? 'turn_share' : 'time_share';
  if (balance.metrics[0] !== metric) balance = new BalanceView($('balance'), [metric], 3);
  $('balance-measure').textContent = t(metric === 'turn_share' ? 'chair.balanceTurns' : 'chair.balanceTime',
    { requests: s.balance.totals.requests, turns: s.balance.totals.turns });
  balance.render(liveBalance(s.balance, live.now()));
}

// Transcript exports, one line per channel.
const EXPORTS = [['vtt', 'WebVTT'], ['srt', 'SRT'], ['txt', null]];

function renderRecord(live) {
  const languages = live.state.languages;
  $('record-none').hidden = languages.length > 0;
  $('record').replaceChildren(...languages.map((lang) => {
    const li = el('li', 'record-item');
    const name = languageName(lang);
    li.append(el('span', 'record-lang', name));
    for (const [ext, format] of EXPORTS) {
      const button = el('button', 'secondary small record-link', format ?? t('chair.formatText'));
      button.type = 'button';
      button.setAttribute('aria-label', t('chair.download', { name, format: button.textContent }));
      const query = new URLSearchParams({ lang });
      onDownload(button, live, `${apiURL(live.room, `/transcript.${ext}`)}?${query}`, `${live.room}-${lang}.${ext}`);
      li.append(' ', button);
    }
    return li;
  }));
}

function wire(live) {
  const press = (id) => {
    const b = $(id);
    if (isEnabled(b)) b.click();
  };
  onPress($('call-next'), () => run(live, { type: 'call_next' }, $('call-next')));
  onPress($('pause'), () => run(live, { type: live.state.floor?.paused ? 'resume' : 'pause' }, $('pause')));
  onPress($('extend'), () => run(live, { type: 'extend', seconds: 30 }, $('extend')));
  onPress($('extend-60'), () => run(live, { type: 'extend', seconds: 60 }, $('extend-60')));
  onPress($('end-turn'), () => run(live, { type: 'release' }, $('end-turn')));
  onPress($('undo'), undo);
  $('undo-reason').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') undo();
  });
  $('extend-more').addEventListener('click', () => {
    const open = $('extend-form').hidden;
    $('extend-form').hidden = !open;
    $('extend-more').setAttribute('aria-expanded', String(open));
    if (open) $('extend-seconds').focus();
  });
  $('extend-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const button = e.submitter ?? $('extend-add');
    if (!isEnabled(button)) return;
    const command = { type: 'extend', seconds: Number($('extend-seconds').value) };
    if (button.id === 'extend-from-now') command.from_now = true;
    run(live, command, button);
  });
  onPress($('list-toggle'), () => run(live, { type: live.state.list_open ? 'close_list' : 'open_list' }, $('list-toggle')));
  setting(live, 'agenda-form', () => ({ type: 'set_agenda_item', title: $('agenda-input').value.trim() }));
  setting(live, 'limit-form', () => ({ type: 'set_time_limit', seconds: Number($('limit-input').value) }));
  setting(live, 'warning-form', () => ({ type: 'set_warning', seconds: Number($('warning-input').value) }));
  const help = $('help');
  listShortcuts($('keys-list'));
  listShortcuts($('help-list'));
  $('help-open').addEventListener('click', () => help.showModal());
  onShortcuts({
    'keys.next': () => press('call-next'),
    'keys.end': () => press('end-turn'),
    'keys.pause': () => press('pause'),
    'keys.extend': () => press('extend'),
    'keys.undo': () => press('undo'),
    'keys.queue': () => queue.focus(),
    'keys.moveUp': () => queue.act('move', -1),
    'keys.moveDown': () => queue.act('move', 1),
    'keys.call': () => queue.act('call'),
    'keys.help': () => (help.open ? help.close() : help.showModal()),
  });
}

function setting(live, id, command) {
  const form = $(id);
  form.addEventListener('input', () => dirty.add(id));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (!isEnabled(button)) return;
    if (await run(live, command(), button)) {
      dirty.delete(id);
      renderSettings(live.state);
    }
  });
}

function announceEvent(event) {
  const d = event.data ?? {};
  switch (event.type) {
    case 'hand_raised':
      announce(t(d.kind === 'speak' ? 'announce.hand' : 'announce.handKind', { name: d.speaker.name, kind: kindLabel(d.kind) }));
      break;
    case 'hand_withdrawn':
      if (event.actor.role === 'participant') announce(t('announce.withdrew', { name: event.actor.name }));
      break;
    case 'floor_granted':
      announce(t('announce.floor', { name: d.speaker.name }));
      break;
    case 'floor_released':
      if (d.by === 'speaker') announce(t('announce.yielded', { name: event.actor.name }));
      break;
  }
}
