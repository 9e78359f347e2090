// The session report's record of people: each intervention in order with
// what was said in it, the chair's decisions out of order with their
// reasons, and the regional hubs that took part. Only the public view is
// shown: a speaker's declared gender never appears beside their name.

import { category, formatNumber, t } from './i18n.js';
import { clockTime, duration, el, kindLabel, nameEl, speakerName, speakerOrigin } from './format.js';
import { ChairLog, chairReasonEl, reasonEl } from './chair-log.js';
import { FLOOR } from './transcript.js';
import { figuresTable } from './balance-chart.js';

const CHAIR_ROLES = new Set(['chair', 'admin']);

// isChairDecision is whether an event is the chair stepping outside the
// queue's order: a call out of order, a move, a pass, a removal, an undo.
export function isChairDecision(ev) {
  if (!CHAIR_ROLES.has(ev.actor?.role)) return false;
  switch (ev.type) {
    case 'floor_granted':
      return ev.data?.by === 'chair';
    case 'request_moved':
    case 'request_skipped':
    case 'request_removed':
    case 'undone':
      return true;
  }
  return false;
}

// turnsList is the interventions in order; lang is the transcript channel
// their text is from, and transcripts whether the room has any.
export function turnsList(turns, { lang, transcripts }) {
  if (turns.length === 0) return el('p', 'muted', t('report.turnsNone'));
  const list = el('ol', 'turn-list');
  list.setAttribute('role', 'list');
  turns.forEach((iv, i) => list.append(turnItem(iv, i + 1, lang, transcripts)));
  return list;
}

function turnItem(iv, n, lang, transcripts) {
  const li = el('li', 'turn');
  const id = `turn-${n}`;
  li.setAttribute('aria-labelledby', id);
  const head = el('div', 'turn-head');
  const no = el('span', 'turn-no', `#${formatNumber(n)}`);
  const time = el('time', 'turn-time', clockTime(iv.start));
  time.dateTime = iv.start;
  const h = el('h3', 'turn-who');
  h.id = id;
  h.append(nameEl(speakerName(iv)));
  if (iv.kind && iv.kind !== 'speak') h.append(' ', el('span', `badge badge-${iv.kind}`, kindLabel(iv.kind)));
  head.append(no, time, h);
  const origin = speakerOrigin(iv);
  if (origin.length) head.append(el('p', 'meta turn-origin', origin.join(' · ')));
  li.append(head, facts(iv));
  if (transcripts) li.append(transcript(iv.transcript ?? [], lang));
  return li;
}

// facts are a turn's categories, how it was given and the time it took.
function facts(iv) {
  const dl = el('dl', 'turn-facts');
  const add = (term, ...value) => dl.append(fact(term, ...value));
  if (iv.group) add(t('dim.group'), category(iv.group));
  if (iv.region) add(t('dim.region'), category(iv.region));
  add(t('dim.mode'), iv.hub && iv.mode === 'hub' ? t('meta.hub', { hub: iv.hub_name || iv.hub }) : category(iv.mode));
  const how = [t(`report.how.${iv.how || 'queue'}`)];
  if (iv.chair_reason) how.push(chairReasonEl(iv.chair_reason));
  add(t('report.col.how'), ...how);
  const used = [duration(iv.duration_s)];
  if (iv.overrun_s >= 1) used.push(' ', el('span', 'overrun', t('report.overrun', { time: duration(iv.overrun_s) })));
  add(t('report.col.used'), ...used);
  if (iv.agenda_item) add(t('report.col.item'), nameEl(iv.agenda_item, 'item'));
  return dl;
}

// fact is one term of a description list and its value (text or nodes).
export function fact(term, ...value) {
  const div = el('div', 'fact');
  const dd = el('dd');
  dd.append(...value);
  div.append(el('dt', '', term), dd);
  return div;
}

// transcript is what was said in a turn, in the chosen channel; the floor's
// text is in whatever language was spoken.
function transcript(segments, lang) {
  const said = segments.filter((seg) => seg.text);
  if (said.length === 0) return el('p', 'muted turn-text-none', t('report.turnTextNone'));
  const box = el('div', 'turn-text');
  if (lang !== FLOOR) box.lang = lang;
  box.dir = 'auto';
  for (const seg of said) {
    const p = el('p', seg.final ? 'seg' : 'seg partial', seg.text);
    if (!seg.final) p.append(' ', hint(t('transcript.partial')));
    if (seg.corrected) p.append(' ', hint(`(${t('transcript.corrected')})`));
    box.append(p);
  }
  return box;
}

// hint is a note on a line in the page's own language, whatever the line's.
function hint(text) {
  const span = el('span', 'seg-hint', text);
  span.lang = document.documentElement.lang;
  return span;
}

// actionsList is each decision of the chair's outside the queue's order,
// worded as the chair log words it, with the chair's reason.
export function actionsList(events) {
  const log = new ChairLog(null, null);
  events.forEach((ev) => log.add(ev));
  const decisions = events.filter(isChairDecision);
  if (decisions.length === 0) return el('p', 'muted', t('report.actionsNone'));
  const list = el('ol', 'action-list');
  list.setAttribute('role', 'list');
  for (const ev of decisions) {
    const li = el('li', 'action');
    const time = el('time', 'log-time', clockTime(ev.time));
    time.dateTime = ev.time;
    const text = el('p', 'log-text');
    text.append(nameEl(ev.actor.name || ev.actor.sub, 'log-actor'), ': ', log.describe(ev));
    li.append(time, text);
    const reason = reasonEl(ev);
    li.append(reason ?? el('p', 'reason', t('report.noReason')));
    list.append(li);
  }
  return list;
}

// hubsOf is each hub that asked for the floor or held it: its name, its
// requests and its turns with their time.
export function hubsOf(events, turns) {
  const hubs = new Map();
  const hub = (sp) => {
    if (!sp?.hub || sp.mode !== 'hub') return null;
    if (!hubs.has(sp.hub)) hubs.set(sp.hub, { id: sp.hub, name: sp.hub_name || sp.hub, requests: 0, turns: 0, seconds: 0, speakers: new Set() });
    return hubs.get(sp.hub);
  };
  for (const ev of events) {
    if (ev.type !== 'hand_raised') continue;
    const h = hub(ev.data?.speaker);
    if (h) h.requests++;
  }
  for (const iv of turns) {
    const h = hub(iv);
    if (!h) continue;
    h.turns++;
    h.seconds += iv.duration_s;
    h.speakers.add(iv.name);
  }
  return [...hubs.values()];
}

export function hubsTable(events, turns) {
  const hubs = hubsOf(events, turns);
  if (hubs.length === 0) return el('p', 'muted', t('report.hubsNone'));
  const rows = hubs.map((h) => {
    const tr = el('tr');
    const th = el('th');
    th.scope = 'row';
    th.append(nameEl(h.name));
    const names = el('td', 'names');
    [...h.speakers].forEach((name, i) => names.append(...(i ? [', '] : []), nameEl(name)));
    tr.append(th, el('td', '', formatNumber(h.requests)), el('td', '', formatNumber(h.turns)), el('td', '', duration(h.seconds)), names);
    return tr;
  });
  return figuresTable('hubs-h', ['report.col.hub', 'balance.requests', 'balance.turns', 'balance.time', 'report.col.speakers'], rows);
}
