// The log of chair actions: every event whose actor is a chair or an
// admin, from the room's history (HTTP) and then live, newest first.

import { t } from './i18n.js';
import { apiURL } from './live.js';
import { clockTime, duration, el, whyText } from './format.js';

const CHAIR_ROLES = new Set(['chair', 'admin']);
const SHOWN = 200; // the newest actions; the full record is in the event log

export class ChairLog {
  constructor(list, live) {
    this.list = list;
    this.live = live;
    this.events = new Map(); // seq -> event, so history and live overlap harmlessly
    this.names = new Map(); // request id -> speaker name, to name whom an action was about
    this.failed = false;
  }

  // load reads the room's history page by page.
  async load() {
    let after = 0;
    try {
      for (;;) {
        const res = await fetch(apiURL(this.live.room, `/events?after=${after}&limit=1000`), {
          headers: { Authorization: `Bearer ${this.live.token}` },
          cache: 'no-store',
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const page = await res.json();
        page.events.forEach((ev) => this.add(ev));
        if (!page.more || page.events.length === 0) break;
        after = page.events.at(-1).seq;
      }
    } catch {
      this.failed = true;
    }
    this.render();
  }

  add(ev) {
    const d = ev.data ?? {};
    if (d.speaker && d.request) this.names.set(d.request, d.speaker.name);
    if (CHAIR_ROLES.has(ev.actor?.role)) this.events.set(ev.seq, ev);
  }

  render() {
    const newest = [...this.events.values()].sort((a, b) => b.seq - a.seq).slice(0, SHOWN);
    const items = newest.map((ev) => this.#item(ev));
    if (this.failed) items.unshift(el('li', 'log-item notice', t('log.historyFailed')));
    if (items.length === 0) items.push(el('li', 'log-item muted', t('log.empty')));
    this.list.replaceChildren(...items);
  }

  #item(ev) {
    const li = el('li', 'log-item');
    const time = el('time', 'log-time', clockTime(ev.time));
    time.dateTime = ev.time;
    const text = el('p', 'log-text');
    text.append(el('bdi', 'log-actor', ev.actor.name), ': ', this.describe(ev));
    li.append(time, text);
    const reason = reasonEl(ev);
    if (reason) li.append(reason);
    return li;
  }

  describe(ev) {
    const d = ev.data ?? {};
    const name = d.speaker?.name ?? this.names.get(d.request) ?? d.request;
    switch (ev.type) {
      case 'floor_granted':
        return t(d.by === 'chair' ? 'log.calledOut' : 'log.calledNext', { name });
      case 'floor_released':
        return t(d.by === 'speaker' ? 'log.releasedOwn' : 'log.released', { name, duration: duration(d.duration_s) });
      case 'hand_raised':
        return t('log.hand_raised', { kind: t(`kind.${d.kind}`) });
      case 'hand_withdrawn':
      case 'request_skipped':
      case 'request_removed':
        return t(`log.${ev.type}`, { name });
      case 'request_moved':
        return t('log.request_moved', { name, position: d.position });
      case 'floor_extended':
        if (d.from_now_s) return t('log.extendedFromNow', { seconds: d.from_now_s });
        return t('log.floor_extended', { seconds: d.seconds });
      case 'time_limit_set':
      case 'warning_set':
        return t(`log.${ev.type}`, { seconds: d.seconds });
      case 'undone':
        return t('log.undone', { what: t(`undo.${d.action}`, { name }) });
      case 'policy_set':
        return t(d.unmoved?.length ? 'log.policy_set_unmoved' : 'log.policy_set',
          { policy: t(`policy.${d.policy.kind}`), count: d.unmoved?.length ?? 0 });
      case 'agenda_item_set':
        return t('log.agenda_item_set', { title: d.title });
      case 'interpretation_started':
      case 'interpretation_stopped':
        return t(`log.${ev.type}`, { lang: d.lang });
      default:
        return t(`log.${ev.type}`);
    }
  }
}

// The chair's words when calling a speaker out of order follow this, as
// the server writes the turn's reason.
const CHAIR_CALL = 'called by the chair: ';

// reasonEl says why the chair acted: the queue's reason for a turn it gave
// in the page's language; the chair's own words, as typed, after a label
// in the page's language; an old log's English text as it is.
export function reasonEl(ev) {
  const d = ev.data ?? {};
  if (!d.reason) return null;
  const r = el('p', 'reason');
  const why = ev.type === 'floor_granted' ? whyText(d.why) : null;
  if (why) {
    r.textContent = why;
    return r;
  }
  const chairs = ev.type !== 'floor_granted' || d.by === 'chair';
  if (!chairs) {
    r.textContent = d.reason;
    r.lang = 'en';
    r.dir = 'auto';
    return r;
  }
  return chairReasonEl(d.reason.startsWith(CHAIR_CALL) ? d.reason.slice(CHAIR_CALL.length) : d.reason);
}

// chairReasonEl is the chair's own words, as typed, after a label in the
// page's language.
export function chairReasonEl(reason) {
  const r = el('p', 'reason');
  const words = el('bdi', '', reason);
  words.dir = 'auto';
  const [before, after = ''] = t('log.reason', { reason: '\u0000' }).split('\u0000');
  r.append(before, words, after);
  return r;
}
