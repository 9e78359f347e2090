// The participant page: the plenary's sound, the floor, your place in the
// queue, why and how long you may wait, raising and withdrawing a hand,
// being called (participant-call.js), your microphone when you are next or
// hold the floor, ending your own turn, and the live transcript (a tab of
// its own on a phone).

import { announce, isEnabled, onPress, run, setEnabled, startRoomPage } from './page.js';
import { ordinalOf, t } from './i18n.js';
import { el, kindLabel, nameEl, reasonEl, setReason, speakerMeta, speakerName } from './format.js';
import { Clocks, queueCount, renderQueueList } from './queue-view.js';
import { TranscriptPane } from './participant-transcript.js';
import { Listener } from './participant-listen.js';
import { Microphone } from './participant-mic.js';
import { CallSignal } from './participant-call.js';
import { estimateWait, waitText } from './participant-wait.js';
import { Tabs } from './participant-tabs.js';

const $ = (id) => document.getElementById(id);
const SPEAKING_ROLES = new Set(['participant', 'chair', 'hub', 'admin']);

let clocks;
let positions = new Map(); // your request id -> its position at the last render
const myRequests = new Map(); // your request id -> its rendered block
let heldFloor = null; // the request id of your turn, while you hold the floor
let shownTurn; // the request id whose turn the floor panel shows
let notice = null; // {key, params} of the last thing the chair did to your request
let transcript, listener, mic;
const tabs = new Tabs($('tabs'));
const call = new CallSignal({ toggle: $('call-sound'), region: $('call-announcer'), icon: document.querySelector('link[rel="icon"]') });
// The wait is said in whole minutes: refreshing it twice a minute is enough.
const WAIT_REFRESH_MS = 30_000;

const live = await startRoomPage(render);
if (live) {
  wireForm(live);
  // A transcript behind a tab could not follow its newest line; it does
  // once in view.
  $('tabs').addEventListener('tabchange', (e) => {
    if (e.detail === 'tab-transcript' && transcript.view.pinned) transcript.view.toLatest();
  });
  setInterval(() => live.state && renderWaits(live), WAIT_REFRESH_MS);
  transcript = new TranscriptPane(live);
  listener = new Listener(live, {
    audio: $('plenary-audio'), status: $('listen-status'), button: $('listen-btn'),
    langField: $('listen-lang-field'), lang: $('listen-lang'),
    videoButton: $('video-btn'), videos: [$('venue-video'), $('floor-video')],
  });
  listener.render();
  mic = new Microphone(live, {
    section: $('mic'), heading: $('mic-h'), status: $('mic-status'), level: $('mic-level-row'),
    meter: $('mic-level'), mute: $('mic-mute'), retry: $('mic-retry'),
  });
}

function render(live, keys, event) {
  clocks ??= new Clocks(live);
  const all = !keys;
  const s = live.state;
  const heldBefore = heldFloor;
  if (all || keys.has('agenda_item')) $('agenda').textContent = s.agenda_item || t('agenda.none');
  if (all || keys.has('floor')) renderFloor(live, all);
  if (all || keys.has('floor') || keys.has('queue')) {
    mic?.update();
    listener?.muteOwnFloor(mic?.want === 'live');
  }
  listener?.begin(live.you);
  if (all) listener?.render();
  else if (keys.has('interpretation')) listener?.renderLanguages();
  if (all || keys.has('languages')) transcript.render(s.languages, all);
  renderMine(live);
  renderForm(live);
  renderCall(live, heldBefore);
  if (all || keys.has('queue')) {
    $('queue-count').textContent = queueCount(s.queue.length);
    renderQueueList($('queue'), s.queue, live.you.sub);
  }
  if (event) announceEvent(live, event, heldBefore);
  positions = new Map(s.queue.filter((e) => e.sub === live.you.sub).map((e) => [e.id, e.position]));
}

function renderFloor(live, all) {
  const f = live.state.floor;
  const mine = Boolean(f && f.sub === live.you.sub);
  heldFloor = mine ? f.request : null;
  // A pause or extension changes only the clock, which ticks from the state
  // on its own; rebuilding would take focus off "End my turn".
  if (!all && shownTurn === (f?.request ?? null)) return;
  shownTurn = f?.request ?? null;
  clocks.clear();
  $('floor').classList.toggle('floor-you', mine);
  $('floor-h').textContent = mine ? t('floor.you') : t('floor.title');
  const body = $('floor-body');
  if (!f) {
    body.replaceChildren(el('p', 'muted', t('floor.nobody')));
    return;
  }
  const box = el('div', 'clock-box');
  const clock = el('p', 'clock');
  clock.dir = 'ltr'; // "+0:12" must not be reordered on a right-to-left page
  const label = el('p', 'clock-label');
  box.append(clock, label);
  if (mine) {
    const end = el('button', 'primary big', t('floor.end'));
    end.type = 'button';
    onPress(end, async () => {
      if (await run(live, { type: 'release' }, end)) $('raise-btn').focus();
    });
    body.replaceChildren(box, end);
  } else {
    const who = el('p', 'floor-name');
    who.append(nameEl(speakerName(f)));
    if (f.kind && f.kind !== 'speak') who.append(' ', el('span', `badge badge-${f.kind}`, kindLabel(f.kind)));
    body.replaceChildren(who, el('p', 'meta', speakerMeta(f)), box);
  }
  clocks.add({ node: clock, label, box, onPhase: (phase) => {
    if (mine && phase === 'warn') announce(t('announce.warn', { count: Math.round(f.warn_s ?? 30) }));
  } });
}

// renderMine updates your requests in place, so a keyboard user on a
// Withdraw button keeps focus while the queue moves around it.
function renderMine(live) {
  const mine = live.state.queue.filter((e) => e.sub === live.you.sub);
  const body = $('mine-body');
  for (const [id, block] of myRequests) {
    if (!mine.some((e) => e.id === id)) {
      block.root.remove();
      myRequests.delete(id);
    }
  }
  for (const entry of mine) {
    let block = myRequests.get(entry.id);
    if (!block) {
      block = requestBlock(live, entry);
      myRequests.set(entry.id, block);
    }
    block.position.textContent = positionText(entry);
    block.root.classList.toggle('is-next', entry.position === 1 && !heldFloor);
    setReason(block.reason, entry);
    body.append(block.root); // keeps queue order; appending an attached node moves it
  }
  let none = body.querySelector('.none');
  if (mine.length === 0) {
    none ??= body.appendChild(el('p', 'muted none'));
    none.textContent = t('mine.none');
  } else {
    none?.remove();
  }
  $('mine-notice').textContent = notice ? t(notice.key, notice.params) : '';
  $('mine-who').textContent = t('participant.you', { meta: speakerMeta(live.you, { gender: true }) });
  renderWaits(live);
}

function renderWaits(live) {
  for (const entry of live.state.queue) {
    const block = myRequests.get(entry.id);
    if (block) block.wait.textContent = waitText(estimateWait(live.state, entry.position, live.now()));
  }
}

// renderCall tells you, every way the page can, when you are next and when
// the floor is yours; on a phone the floor's tab opens for "End my turn".
function renderCall(live, heldBefore) {
  const next = live.state.queue.some((e) => e.sub === live.you.sub && e.position === 1);
  const state = heldFloor ? 'floor' : next ? 'next' : null;
  call.update(state, live.state.title);
  if (heldFloor && heldFloor !== heldBefore) tabs.select('tab-floor', false);
}

function positionText(entry) {
  const text = t('mine.position', { ordinal: ordinalOf(entry.position) });
  return entry.kind === 'speak' ? text : `${text} (${kindLabel(entry.kind)})`;
}

function requestBlock(live, entry) {
  const root = el('div', 'my-request');
  const position = el('p', 'my-position');
  position.id = `pos-${entry.id}`;
  const reason = reasonEl(entry);
  const wait = el('p', 'my-wait');
  const withdraw = el('button', 'secondary', t('mine.withdraw'));
  withdraw.type = 'button';
  withdraw.dataset.i18n = 'mine.withdraw';
  withdraw.setAttribute('aria-describedby', position.id);
  onPress(withdraw, async () => {
    if (await run(live, { type: 'withdraw', request: entry.id }, withdraw)) $('raise-btn').focus();
  });
  root.append(position, wait, reason);
  if (entry.note) root.append(el('p', 'note', t('mine.note', { note: entry.note })));
  root.append(withdraw);
  return { root, position, wait, reason };
}

function selectedKind() {
  return document.querySelector('input[name="kind"]:checked').value;
}

// renderForm says why Raise hand does not apply, when it does not.
function renderForm(live) {
  const form = $('raise-form');
  const role = live.you.role;
  if (!SPEAKING_ROLES.has(role)) {
    form.hidden = true;
    $('cannot-speak').hidden = false;
    $('cannot-speak').textContent = t('raise.role', { role: t(`role.${role}`) });
    return;
  }
  const s = live.state;
  const kind = selectedKind();
  let why = '';
  if (!s.list_open && kind !== 'point_of_order') why = t('raise.closed');
  else if (s.queue.some((e) => e.sub === live.you.sub && e.kind === kind)) why = t('raise.already');
  else if (heldFloor && kind === 'speak') why = t('raise.holding');
  setEnabled($('raise-btn'), !why);
  $('raise-help').textContent = why;
}

function wireForm(live) {
  const form = $('raise-form');
  form.addEventListener('change', () => live.state && renderForm(live));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = $('raise-btn');
    if (!isEnabled(btn)) return;
    const note = $('note').value.trim();
    const command = { type: 'raise_hand', kind: selectedKind() };
    if (note) command.note = note;
    notice = null;
    call.prepare();
    if (await run(live, command, btn)) {
      $('note').value = '';
      document.querySelector('input[name="kind"][value="speak"]').checked = true;
      renderForm(live);
    }
  });
}

function announceEvent(live, event, heldBefore) {
  const you = live.you.sub;
  const d = event.data ?? {};
  const mineNow = new Map(live.state.queue.filter((e) => e.sub === you).map((e) => [e.id, e]));
  switch (event.type) {
    case 'hand_raised':
      if (d.speaker.sub === you && mineNow.has(d.request)) {
        announce(t('announce.raised', { ordinal: ordinalOf(mineNow.get(d.request).position) }));
      }
      break;
    case 'floor_granted':
      // Your own turn is said at once, with the rest of being called.
      if (d.speaker.sub !== you) announce(t('announce.floor', { name: d.speaker.name }));
      break;
    case 'floor_released':
      if (d.request === heldBefore && d.by === 'chair') announce(t('announce.ended'));
      break;
    case 'request_skipped':
    case 'request_removed':
    case 'hand_withdrawn':
      if (positions.has(d.request) && event.actor.sub !== you) {
        const key = event.type === 'request_skipped' ? 'mine.skipped' : 'mine.removed';
        notice = { key, params: { reason: d.reason || '—' } };
        $('mine-notice').textContent = t(notice.key, notice.params);
        announce(t(notice.key, notice.params));
      }
      break;
    case 'list_closed':
    case 'list_opened':
      announce(t(`announce.${event.type}`));
      break;
  }
  // Your place moves as others are called, move or leave.
  for (const [id, entry] of mineNow) {
    const before = positions.get(id);
    if (before !== undefined && before !== entry.position) {
      announce(t('announce.moved', { ordinal: ordinalOf(entry.position) }));
    }
  }
}
