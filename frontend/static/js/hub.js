// The hub page. For a hub's coordinator (a hub token) it is the console
// on the room's projector: the plenary's floor and countdown, the
// transcript, the hub's own list of people who want to speak with
// "forward to the plenary", and, while the hub holds the floor, "live"
// and the link to the plenary; it plays the plenary (WHEP) and publishes
// the hub's microphone (WHIP), which the server lets through only while
// the hub holds the floor. For a member of the hub (a token with the
// same hub) on a phone it is where they ask the hub for the floor. Served
// by the hub's relay, it says when the relay's link to the plenary is down
// (the relay's link messages; the main server sends none), and its link
// quality is the relay's upstream link's.

import { announce, isEnabled, onPress, run, setEnabled, startRoomPage } from './page.js';
import { ordinalOf, t } from './i18n.js';
import { clockTime, el, kindLabel, nameEl, speakerMeta, speakerName } from './format.js';
import { Clocks, queueCount, renderQueueList } from './queue-view.js';
import { TranscriptPane } from './participant-transcript.js';
import { Listener } from './participant-listen.js';
import { Microphone } from './participant-mic.js';
import { LinkQuality, micQuality, relayQuality } from './link-quality.js';

const $ = (id) => document.getElementById(id);

let clocks;
let transcript, listener, mic;
let shownTurn; // the request id whose turn the floor panel shows
let lastHubList = ''; // the ids shown, so a render that changes nothing keeps focus
let link = null; // the relay's last link message, if served by one
let linkTimer;
const LINK_BACK_SHOWN_MS = 4000;

const live = await startRoomPage(render);
if (live) {
  live.addEventListener('link', (e) => {
    const wasDown = link && !link.up;
    link = e.detail;
    renderLink(wasDown);
  });
  transcript = new TranscriptPane(live);
  wireForm(live);
  startMedia(live);
}

// startMedia gives the console the plenary's sound (and video on request)
// and the hub's microphone. Members' phones are in the hub's hall, which
// the console's projector and loudspeakers serve.
function startMedia(live) {
  listener = new Listener(live, {
    audio: $('plenary-audio'), status: $('listen-status'), button: $('listen-btn'),
    langField: $('listen-lang-field'), lang: $('listen-lang'),
    videoButton: $('video-btn'), videos: [$('venue-video'), $('floor-video')],
  });
  mic = new Microphone(live, {
    section: $('mic'), heading: $('mic-h'), status: $('mic-status'), level: $('mic-level-row'),
    meter: $('mic-level'), mute: $('mic-mute'), retry: $('mic-retry'),
  });
  // Served by a relay (it sends link messages), the link that matters is
  // the relay's to the plenary: the microphone's session ends at the relay.
  // Only the console shows it, so members' phones do not ask.
  new LinkQuality({ rtt: $('link-rtt'), loss: $('link-loss'), jitter: $('link-jitter') },
    () => (link && isConsole(live) ? relayQuality() : micQuality(mic.session?.pc)));
}

const isConsole = (live) => live.you.role === 'hub';

// ours reports whether a speaker speaks for this page's hub.
const ours = (live, sp) => Boolean(sp && live.you.hub && sp.hub === live.you.hub && sp.mode === 'hub');

function render(live, keys, event) {
  clocks ??= new Clocks(live);
  const all = !keys;
  const s = live.state;
  const you = live.you;
  $('hub-role').textContent = isConsole(live) ? t('hub.console') : t('hub.role');
  const hubName = you.hub_name || you.hub;
  $('hub-name').textContent = hubName ?? '';
  $('hub-sep').hidden = !hubName;
  document.title = t(isConsole(live) ? 'hub.consoleDoctitle' : 'hub.doctitle') + (hubName ? ` · ${hubName}` : '');
  $('listen').hidden = !isConsole(live);
  $('member').hidden = isConsole(live);
  if (all || keys.has('agenda_item')) $('agenda').textContent = s.agenda_item || t('agenda.none');
  if (all || keys.has('floor')) renderFloor(live, all);
  if (all || keys.has('languages')) transcript.render(s.languages, all);
  if (all || keys.has('hub_queue')) renderHubList(live, all);
  if (all || keys.has('queue')) {
    const waiting = s.queue.filter((e) => ours(live, e));
    $('plenary-count').textContent = queueCount(waiting.length);
    renderQueueList($('plenary'), waiting, you.sub);
  }
  if (!isConsole(live)) renderMember(live);
  else if (listener) {
    mic.update();
    listener.muteOwnFloor(mic.want === 'live');
    listener.begin(you);
    if (all) listener.render();
    else if (keys.has('interpretation')) listener.renderLanguages();
  }
  if (all && link && !link.up) renderLink();
  if (event) announceEvent(live, event);
}

// renderLink says the relay's link is down, since when and what waits to
// go; once it is back, briefly, that it is.
function renderLink(justBack = false) {
  const p = $('link-state');
  clearTimeout(linkTimer);
  p.classList.toggle('conn-lost', Boolean(link && !link.up));
  p.classList.toggle('conn-ok', Boolean(link?.up && justBack));
  if (!link || (link.up && !justBack)) {
    p.textContent = '';
  } else if (link.up) {
    p.textContent = t('hub.linkBack');
    linkTimer = setTimeout(() => renderLink(), LINK_BACK_SHOWN_MS);
  } else {
    const queued = link.queued ? ` ${t('hub.linkQueued', { count: link.queued })}` : '';
    p.textContent = t('hub.linkDown', { time: clockTime(link.since) }) + queued;
  }
}

function hubEntries(live) {
  return (live.state.hub_queue ?? []).filter((e) => e.hub === live.you.hub);
}

function renderFloor(live, all) {
  const f = live.state.floor;
  const held = ours(live, f);
  const mine = Boolean(f && f.sub === live.you.sub);
  if (!all && shownTurn === (f?.request ?? null)) return;
  shownTurn = f?.request ?? null;
  clocks.clear();
  $('floor').classList.toggle('floor-you', held);
  let heading = held ? t('hub.live', { hub: live.you.hub_name || live.you.hub }) : t('floor.title');
  if (mine) heading = t('floor.you');
  $('floor-h').textContent = heading;
  const body = $('floor-body');
  if (!f) {
    body.replaceChildren(el('p', 'muted', t('floor.nobody')));
    return;
  }
  const who = el('p', 'floor-name');
  who.append(nameEl(speakerName(f)));
  if (f.kind && f.kind !== 'speak') who.append(' ', el('span', `badge badge-${f.kind}`, kindLabel(f.kind)));
  const box = el('div', 'clock-box');
  const clock = el('p', 'clock');
  clock.dir = 'ltr'; // "+0:12" must not be reordered on a right-to-left page
  const label = el('p', 'clock-label');
  box.append(clock, label);
  const parts = [];
  if (held) parts.push(el('p', 'live-badge', t('hub.liveBadge')));
  parts.push(who, el('p', 'meta', speakerMeta(f, { named: true })), box);
  if (mine) parts.push(el('p', 'notice', t('hub.youSpeak')));
  if (held && isConsole(live)) {
    const end = el('button', 'secondary', t('hub.end'));
    end.type = 'button';
    onPress(end, () => run(live, { type: 'release' }, end));
    parts.push(end);
  }
  body.replaceChildren(...parts);
  clocks.add({ node: clock, label, box, onPhase: (phase) => {
    if (held && phase === 'warn') announce(t('announce.warn', { count: Math.round(f.warn_s ?? 30) }));
  } });
}

// renderHubList shows the hub's list; the console forwards from it.
function renderHubList(live, all) {
  const entries = hubEntries(live);
  $('list-count').textContent = queueCount(entries.length);
  const ids = entries.map((e) => e.id).join(' ');
  if (!all && ids === lastHubList) return;
  lastHubList = ids;
  $('hub-list').replaceChildren(...entries.map((entry, i) => hubItem(live, entry, i + 1)));
}

function hubItem(live, entry, position) {
  const li = el('li', 'queue-item');
  if (entry.sub === live.you.sub) li.classList.add('is-you');
  const wrap = el('div', 'entry');
  const pos = el('span', 'entry-pos', ordinalOf(position));
  pos.setAttribute('aria-hidden', 'true');
  const body = el('div', 'entry-body');
  const head = el('p', 'entry-head');
  head.append(nameEl(entry.name));
  if (entry.sub === live.you.sub) head.append(' ', el('span', 'badge badge-you', t('queue.you')));
  if (entry.kind && entry.kind !== 'speak') head.append(' ', el('span', `badge badge-${entry.kind}`, kindLabel(entry.kind)));
  body.append(head);
  const meta = [speakerMeta({ group: entry.group, region: entry.region }), t('chair.raisedAt', { time: clockTime(entry.raised_at) })].filter(Boolean);
  body.append(el('p', 'meta', meta.join(' · ')));
  if (entry.note) body.append(el('p', 'note', t('chair.note', { note: entry.note })));
  wrap.append(pos, body);
  li.append(wrap);
  if (isConsole(live)) {
    const row = el('div', 'button-row');
    const forward = el('button', 'primary', t('hub.forward'));
    forward.type = 'button';
    forward.setAttribute('aria-label', t('hub.forwardWho', { name: entry.name }));
    onPress(forward, () => run(live, { type: 'forward', request: entry.id }, forward));
    const remove = el('button', 'secondary', t('hub.remove'));
    remove.type = 'button';
    remove.setAttribute('aria-label', t('hub.removeWho', { name: entry.name }));
    onPress(remove, () => run(live, { type: 'hub_withdraw', request: entry.id }, remove));
    row.append(forward, remove);
    li.append(row);
  }
  return li;
}

// renderMember says where the member's requests stand, on the hub's list
// or, once forwarded, in the plenary queue.
function renderMember(live) {
  const you = live.you;
  const body = $('member-body');
  if (!you.hub) {
    body.replaceChildren(el('p', 'notice', t('hub.noHub')));
    $('raise-form').hidden = true;
    return;
  }
  const parts = [];
  hubEntries(live).forEach((entry, i) => {
    if (entry.sub !== you.sub) return;
    parts.push(requestBlock(live, t('hub.onList', { ordinal: ordinalOf(i + 1), hub: you.hub_name || you.hub }), entry, 'hub_withdraw'));
  });
  for (const entry of live.state.queue) {
    if (entry.sub !== you.sub) continue;
    parts.push(requestBlock(live, t('hub.forwarded', { ordinal: ordinalOf(entry.position) }), entry, 'withdraw'));
  }
  if (parts.length === 0) parts.push(el('p', 'muted', t('mine.none')));
  body.replaceChildren(...parts);
  renderForm(live);
}

function requestBlock(live, text, entry, withdrawType) {
  const root = el('div', 'my-request');
  const position = el('p', 'my-position', entry.kind === 'speak' ? text : `${text} (${kindLabel(entry.kind)})`);
  position.id = `pos-${entry.id}`;
  const withdraw = el('button', 'secondary', t('mine.withdraw'));
  withdraw.type = 'button';
  withdraw.setAttribute('aria-describedby', position.id);
  onPress(withdraw, async () => {
    if (await run(live, { type: withdrawType, request: entry.id }, withdraw)) $('raise-btn').focus();
  });
  root.append(position, withdraw);
  return root;
}

function selectedKind() {
  return document.querySelector('input[name="kind"]:checked').value;
}

function renderForm(live) {
  const s = live.state;
  const kind = selectedKind();
  const sub = live.you.sub;
  let why = '';
  if (!s.list_open && kind !== 'point_of_order') why = t('raise.closed');
  else if (hubEntries(live).some((e) => e.sub === sub && e.kind === kind)) why = t('hub.already');
  else if (s.queue.some((e) => e.sub === sub && e.kind === kind)) why = t('raise.already');
  else if (s.floor?.sub === sub && kind === 'speak') why = t('raise.holding');
  setEnabled($('raise-btn'), !why);
  $('raise-help').textContent = why;
}

function wireForm(live) {
  const form = $('raise-form');
  form.addEventListener('change', () => live.state && !isConsole(live) && renderForm(live));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = $('raise-btn');
    if (!isEnabled(btn)) return;
    const note = $('note').value.trim();
    const command = { type: 'hub_raise_hand', kind: selectedKind() };
    if (note) command.note = note;
    if (await run(live, command, btn)) {
      $('note').value = '';
      document.querySelector('input[name="kind"][value="speak"]').checked = true;
      renderForm(live);
    }
  });
}

function announceEvent(live, event) {
  const d = event.data ?? {};
  switch (event.type) {
    case 'hub_hand_raised':
      if (d.hub === live.you.hub && isConsole(live)) announce(t('hub.announceRaised', { name: d.speaker.name }));
      break;
    case 'hand_raised':
      if (d.forwarded && d.speaker.sub === live.you.sub) announce(t('hub.announceForwarded'));
      break;
    case 'floor_granted':
      if (ours(live, d.speaker)) announce(t('hub.live', { hub: live.you.hub_name || live.you.hub }));
      else announce(t('announce.floor', { name: speakerName(d.speaker) }));
      break;
  }
}
