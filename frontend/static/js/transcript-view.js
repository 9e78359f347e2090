// How the pages show a transcript channel: one paragraph per segment in
// transcript order, a speaker label whenever the turn changes, the line still
// being written in its own style with a hint for screen readers, and a
// scroller that follows the newest line until the reader scrolls back.

import { category, currentLanguage, t } from './i18n.js';
import { clockTime, el, nameEl } from './format.js';

// How close to the bottom counts as "reading the latest": a line's worth,
// so a pixel of rounding does not stop the scrolling.
const AT_BOTTOM_PX = 32;

export class TranscriptView {
  // scroller scrolls; list holds the lines; jump is the "Jump to latest"
  // button; segments() gives the channel's segments in order (for a
  // rebuild); max bounds the lines kept on the page; line(seg) makes a
  // line's element, so a page can make finished lines activatable.
  constructor({ scroller, list, jump, segments, max, line = lineEl }) {
    Object.assign(this, { scroller, list, jump, segments, max, line });
    this.nodes = new Map(); // segment id -> element, oldest first
    this.lastId = 0;
    this.lastTurn = undefined;
    this.pinned = true;
    scroller.addEventListener('scroll', () => {
      this.pinned = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < AT_BOTTOM_PX;
      jump.hidden = this.pinned;
    });
    jump.addEventListener('click', () => {
      this.toLatest();
      // The button hides itself; focus goes to what it scrolled.
      scroller.focus();
    });
  }

  // show replaces the lines with the channel's segments.
  show() {
    this.nodes.clear();
    this.list.replaceChildren();
    this.lastId = 0;
    this.lastTurn = undefined;
    for (const seg of this.segments()) this.#append(seg);
    this.#trim();
    this.toLatest();
  }

  // update shows changed segments: a line in place when it grows or is
  // corrected, a new line at the end; anything else rebuilds.
  update(changed) {
    for (const seg of [...changed].sort((a, b) => a.id - b.id)) {
      const node = this.nodes.get(seg.id);
      if (node && seg.text) {
        const fresh = this.line(seg);
        if (fresh === node) continue; // the page keeps this line as it is (being edited)
        const focused = node.contains(document.activeElement);
        node.replaceWith(fresh);
        this.nodes.set(seg.id, fresh);
        if (focused) fresh.focus();
      } else if (!node && seg.text && seg.id > this.lastId) {
        this.#append(seg);
      } else if (node || (seg.text && seg.id < this.lastId)) {
        return this.#rebuild();
      }
    }
    this.#trim();
    this.#follow();
  }

  // refresh rebuilds the lines in a new page language, keeping the
  // reader's place.
  refresh() {
    this.#rebuild();
  }

  toLatest() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
    this.jump.hidden = true;
  }

  #rebuild() {
    const { pinned, scroller } = this;
    const top = scroller.scrollTop;
    this.show();
    if (!pinned) {
      scroller.scrollTop = top;
      this.pinned = false;
      this.jump.hidden = false;
    }
  }

  #append(seg) {
    if (!seg.text) return;
    const turn = seg.request ?? '';
    if (turn !== this.lastTurn) {
      this.list.append(speakerLabel(seg));
      this.lastTurn = turn;
    }
    const node = this.line(seg);
    this.list.append(node);
    this.nodes.set(seg.id, node);
    this.lastId = seg.id;
  }

  // #trim drops the oldest lines beyond max. A speaker label goes with them
  // unless the next line is of the same turn and needs it.
  #trim() {
    for (const [id, node] of this.nodes) {
      if (this.nodes.size <= this.max) break;
      const label = node.previousElementSibling;
      const next = node.nextElementSibling;
      node.remove();
      this.nodes.delete(id);
      if (label?.classList.contains('tr-speaker') && (!next || next.classList.contains('tr-speaker'))) label.remove();
    }
  }

  #follow() {
    if (this.pinned) this.toLatest();
  }
}

// lineEl is a segment's line. The hint and the mark are in the page's
// language, the text in the channel's.
export function lineEl(seg) {
  const p = el('p', seg.final ? 'tr-line' : 'tr-line tr-partial');
  p.dir = 'auto';
  p.dataset.id = String(seg.id);
  p.append(seg.text);
  decorate(p, seg);
  return p;
}

// decorate adds to a line what says it is still being written or was
// corrected.
export function decorate(node, seg) {
  if (!seg.final) node.append(hint(` ${t('transcript.partial')}`, 'visually-hidden'));
  if (seg.corrected) node.append(' ', hint(t('transcript.corrected'), 'tr-corrected'));
}

function hint(text, className) {
  const span = el('span', className, text);
  span.lang = currentLanguage();
  return span;
}

// speakerLabel says whose turn the following lines are: name, stakeholder
// group and when the turn's first line began.
function speakerLabel(seg) {
  const p = el('p', 'tr-speaker');
  p.lang = currentLanguage();
  const sp = seg.speaker;
  if (sp) {
    p.append(nameEl(sp.name, 'tr-name'));
    if (sp.group) p.append(el('span', 'tr-group', ` · ${category(sp.group)}`));
  } else {
    p.append(el('span', 'tr-name tr-between', t('transcript.betweenTurns')));
  }
  const time = el('time', 'tr-time', clockTime(seg.start));
  time.dateTime = seg.start;
  p.append(' ', time);
  return p;
}
