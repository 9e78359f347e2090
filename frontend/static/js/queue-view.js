// The parts of a queue entry and of the floor that several pages show the
// same way.

import { category, ordinalOf, t } from './i18n.js';
import { el, floorClock, kindLabel, nameEl, reasonEl, speakerMeta, speakerName } from './format.js';

// entryBody is one queue entry's content: position, name, kind (when it is
// not a plain request to speak), categories, and why it stands there,
// in the page's language.
export function entryBody(entry, youSub) {
  const body = el('div', 'entry-body');
  const pos = el('span', 'entry-pos', ordinalOf(entry.position));
  pos.setAttribute('aria-hidden', 'true'); // the list itself numbers entries for screen readers
  const head = el('p', 'entry-head');
  head.append(nameEl(speakerName(entry)));
  if (entry.sub === youSub) head.append(' ', el('span', 'badge badge-you', t('queue.you')));
  if (entry.kind && entry.kind !== 'speak') {
    head.append(' ', el('span', `badge badge-${entry.kind}`, kindLabel(entry.kind)));
  }
  body.append(head);
  const meta = speakerMeta(entry, { named: true });
  if (meta) body.append(el('p', 'meta', meta));
  const reply = replyingTo(entry);
  if (reply) body.append(reply);
  body.append(reasonEl(entry));
  const wrap = el('div', 'entry');
  wrap.append(pos, body);
  return wrap;
}

// replyingTo is the line naming the intervention a reply answers,
// "replying to Jane Doe (government)", or null for other requests.
export function replyingTo(entry) {
  const to = entry.replies_to;
  if (!to) return null;
  const line = el('p', 'reply-to');
  const name = el('bdi', '', to.hub_name ? t('hub.speaker', { hub: to.hub_name, name: to.name }) : to.name);
  const [before, after] = t(to.group ? 'queue.replyingToGroup' : 'queue.replyingTo', { name: '\u0000', group: category(to.group) }).split('\u0000');
  line.append(before, name, after ?? '');
  return line;
}

// renderQueueList fills an <ol> with the entries as entryBody shows them.
export function renderQueueList(list, queue, youSub) {
  list.replaceChildren(...queue.map((entry) => {
    const li = el('li', 'queue-item');
    if (entry.sub === youSub) li.classList.add('is-you');
    li.append(entryBody(entry, youSub));
    return li;
  }));
}

// queueCount is "3 people waiting" in the page's language.
export function queueCount(n) {
  return n === 0 ? t('queue.empty') : t('queue.count', { count: n });
}

// Clocks registers elements that show the floor's countdown and refreshes
// them four times a second from the server clock, so every screen in the
// room agrees to within a few hundred milliseconds.
export class Clocks {
  constructor(live) {
    this.live = live;
    this.views = new Set();
    setInterval(() => this.tick(), 250);
  }

  // add shows the floor's clock in node (text) and sets phase classes on
  // box; onPhase, when given, hears each change of phase.
  add(view) {
    this.views.add(view);
    this.tick();
  }

  clear() {
    this.views.clear();
  }

  tick() {
    const floor = this.live.state?.floor;
    if (!floor) return;
    const clock = floorClock(floor, this.live.now());
    for (const v of this.views) {
      if (v.node.textContent !== clock.text) v.node.textContent = clock.text;
      if (v.label) v.label.textContent = t(`clock.${clock.phase}`);
      if (v.box.dataset.phase !== clock.phase) {
        v.box.dataset.phase = clock.phase;
        v.onPhase?.(clock.phase);
      }
    }
  }
}
