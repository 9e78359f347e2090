// The participant page's transcript pane: the channel to read (the one the
// reader chose, else their page language when the room has it, else the
// floor), the text size, and each finished line read out to screen readers
// without drowning everything else.

import { t } from './i18n.js';
import { showError } from './page.js';
import { FLOOR, TranscriptFeed, languageName, readerLanguage } from './transcript.js';
import { TranscriptView } from './transcript-view.js';

const $ = (id) => document.getElementById(id);
// Lines kept on the page: an hour of steady captioning.
const KEEP = 300;
const SIZE_KEY = 'parley.transcriptSize';
const LANG_KEY = 'parley.transcriptLang';

export class TranscriptPane {
  constructor(live) {
    this.lang = null; // the channel shown
    this.chosen = localStorage.getItem(LANG_KEY); // the reader's own choice, if any
    this.languages = [];
    this.feed = new TranscriptFeed(live, KEEP);
    this.view = new TranscriptView({
      scroller: $('tr-scroll'), list: $('tr-lines'), jump: $('tr-jump'),
      segments: () => this.feed.segments(this.lang), max: KEEP,
    });
    this.announcer = new LineAnnouncer($('tr-announcer'));
    this.feed.addEventListener('update', (e) => {
      const { lang, changed, backlog } = e.detail;
      if (lang !== this.lang) return;
      this.view.update(changed);
      for (const seg of changed) this.announcer.add(seg, !backlog);
    });
    this.feed.addEventListener('error', (e) => showError(e.detail));
    $('tr-lang').addEventListener('change', () => {
      this.chosen = $('tr-lang').value;
      localStorage.setItem(LANG_KEY, this.chosen);
      this.#show(this.chosen);
    });
    const size = $('tr-size');
    size.value = localStorage.getItem(SIZE_KEY) ?? 'm';
    if (!size.value) size.value = 'm'; // a stored size this page no longer offers
    $('transcript').dataset.size = size.value;
    size.addEventListener('change', () => {
      localStorage.setItem(SIZE_KEY, size.value);
      $('transcript').dataset.size = size.value;
      if (this.view.pinned) this.view.toLatest();
    });
  }

  // render follows the room's channels (snapshot key `languages`); all says
  // the page language changed, so names and labels are written again.
  render(languages, all) {
    this.languages = languages;
    const select = $('tr-lang');
    select.replaceChildren(...languages.map((lang) => new Option(languageName(lang), lang)));
    $('tr-empty').hidden = languages.length > 0;
    $('tr-tools').hidden = languages.length === 0;
    $('tr-wrap').hidden = languages.length === 0;
    const want = languages.includes(this.chosen) ? this.chosen : readerLanguage(languages);
    if (want !== this.lang) this.#show(want);
    else if (all) this.view.refresh();
    if (this.lang) select.value = this.lang;
  }

  #show(lang) {
    this.lang = lang ?? null;
    this.feed.follow(this.lang ? [this.lang] : []);
    // The text is in the channel's language; the floor's is whatever is spoken.
    for (const node of [$('tr-lines'), $('tr-announcer')]) {
      if (this.lang && this.lang !== FLOOR) node.lang = this.lang;
      else node.removeAttribute('lang');
    }
    this.announcer.reset();
    this.view.show();
  }
}

// Lines read out at most this often; faster lines are read together, and
// beyond AT_ONCE only the newest (the rest stay in the transcript to read).
const ANNOUNCE_EVERY_MS = 2000;
const AT_ONCE = 3;

// LineAnnouncer reads finished lines in a polite live region: each line once,
// when it is first final, with the speaker's name when the turn changes.
// Lines still being written are never announced: they change every moment.
class LineAnnouncer {
  constructor(region) {
    this.region = region;
    this.reset();
  }

  reset() {
    clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
    this.done = new Set();
    this.turn = undefined;
    this.last = 0;
    this.region.textContent = '';
  }

  // add takes a changed segment; speak false marks it heard without reading
  // it (history arriving with the channel).
  add(seg, speak) {
    if (!seg.final || !seg.text || this.done.has(seg.id)) return;
    this.done.add(seg.id);
    if (!speak) return;
    const turn = seg.request ?? '';
    const text = turn !== this.turn && seg.speaker
      ? t('transcript.said', { name: seg.speaker.name, text: seg.text })
      : seg.text;
    this.turn = turn;
    this.pending.push(text);
    this.timer ??= setTimeout(() => this.#flush(), Math.max(0, this.last + ANNOUNCE_EVERY_MS - Date.now()));
  }

  #flush() {
    this.region.textContent = this.pending.slice(-AT_ONCE).join(' ');
    this.pending = [];
    this.timer = null;
    this.last = Date.now();
  }
}
