// Transcript channels as a page follows them (docs/protocol.md, "Transcript
// segments"): segments kept by id per language and replaced whenever a newer
// seq of one arrives, so a line being written grows in place and a corrected
// line changes in place. The follow request goes again on every
// (re)connection with the highest seq seen per language, so the server sends
// only what was missed and nothing twice.
//
// Events: update {lang, changed: segments that changed, backlog: true when
// they are the channel's history rather than live news}, error {LiveError}.

import { currentLanguage, t } from './i18n.js';

export const FLOOR = 'floor';
// The server's rule for a channel's name (rooms.ValidLanguage).
const LANGUAGE_TAG = /^[a-z]{2,8}(-[a-z0-9]{1,8}){0,3}$/;
// RETRY_MS is how soon a follow request refused for the rate goes again.
const RETRY_MS = 1000;

export function validLanguage(lang) {
  return LANGUAGE_TAG.test(lang);
}

export class TranscriptFeed extends EventTarget {
  // keep is how many recent segments of each language the page needs.
  constructor(live, keep) {
    super();
    this.live = live;
    this.keep = keep;
    this.langs = [];
    this.asked = false; // whether the server has been told what to follow
    this.sent = ''; // the languages last asked for, joined
    this.channels = new Map(); // lang -> {seq, byId: Map(id -> segment)}
    live.addEventListener('status', (e) => {
      if (e.detail.status === 'live') this.#ask(true);
    });
    // The server follows only languages someone writes in; one the page
    // wants is asked for when its first line makes the room list it.
    live.addEventListener('change', (e) => {
      if (e.detail.keys.includes('languages')) this.#ask(false);
    });
    live.addEventListener('segments', (e) => this.#apply(e.detail, e.detail.segments, true));
    live.addEventListener('segment', (e) => this.#apply(e.detail, [e.detail.segment], false));
  }

  // follow makes the page follow exactly langs; languages left out stop.
  follow(langs) {
    if (langs.join() === this.langs.join()) return;
    this.langs = [...langs];
    this.#ask(false);
  }

  // segments are a language's known segments in transcript order.
  segments(lang) {
    const ch = this.channels.get(lang);
    return ch ? [...ch.byId.values()].sort((a, b) => a.id - b.id) : [];
  }

  segment(lang, id) {
    return this.channels.get(lang)?.byId.get(id);
  }

  // #ask tells the server which of the wanted languages to follow: all of
  // them after a (re)connection, otherwise only when that set changed.
  #ask(reconnected) {
    if (!this.live.welcomed || (!this.asked && this.langs.length === 0)) return;
    const written = new Set([FLOOR, ...(this.live.state?.languages ?? [])]);
    const langs = this.langs.filter((lang) => written.has(lang));
    if (!reconnected && langs.join() === this.sent) return;
    const after = {};
    for (const lang of langs) {
      const seq = this.channels.get(lang)?.seq;
      if (seq) after[lang] = seq;
    }
    this.asked = true;
    this.sent = langs.join();
    this.live.request({ type: 'transcript', langs, after, backlog: this.keep }).catch((err) => {
      if (err.code === 'rate_limited') {
        // The person's budget is spent for a moment (a captioner's burst
        // of lines spends it too): ask again shortly.
        this.sent = null;
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.#ask(false), RETRY_MS);
        return;
      }
      this.dispatchEvent(new CustomEvent('error', { detail: err }));
    });
  }

  #apply({ lang, seq }, segments, backlog) {
    let ch = this.channels.get(lang);
    // A backlog behind what the page has is of the channel as the server
    // now has it (it lost entries, or this is another life of the room):
    // start over from it.
    if (!ch || (backlog && seq < ch.seq)) {
      ch = { seq: 0, byId: new Map() };
      this.channels.set(lang, ch);
    }
    ch.seq = Math.max(ch.seq, seq);
    const changed = [];
    for (const seg of segments) {
      const known = ch.byId.get(seg.id);
      if (known && known.seq >= seg.seq) continue; // a duplicate or an older state
      ch.byId.set(seg.id, seg);
      changed.push(seg);
    }
    // Ids grow with time: the smallest are the oldest lines.
    if (ch.byId.size > this.keep) {
      const ids = [...ch.byId.keys()].sort((a, b) => a - b);
      for (const id of ids.slice(0, ids.length - this.keep)) ch.byId.delete(id);
    }
    if (changed.length > 0) this.dispatchEvent(new CustomEvent('update', { detail: { lang, changed, backlog } }));
  }
}

// languageName names a channel in the page's language: "Floor (original
// language)", "French", "Brazilian Portuguese"; a tag the browser cannot
// name is shown as it is.
export function languageName(lang) {
  if (lang === FLOOR) return t('transcript.floor');
  try {
    return new Intl.DisplayNames([currentLanguage()], { type: 'language' }).of(lang) ?? lang;
  } catch {
    return lang;
  }
}

// readerLanguage picks, among the room's channels, the one a reader most
// likely wants: their page language, then the floor, then the first one.
export function readerLanguage(languages) {
  const mine = currentLanguage();
  return languages.find((l) => l === mine)
    ?? languages.find((l) => l.split('-')[0] === mine)
    ?? (languages.includes(FLOOR) ? FLOOR : languages[0]);
}
