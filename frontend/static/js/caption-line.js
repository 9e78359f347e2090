// The line a captioner is writing, as the console sends it (docs/protocol.md,
// `caption`): each update carries the line's whole text, so the server's copy
// is always exactly what was typed. Viewers get words, not keystrokes: an
// update goes at a word boundary, at most every PARTIAL_EVERY_MS, and a word
// still being typed goes once the captioner pauses for KEEP_OPEN_MS. Enter
// finishes the line, and so does a pause of idleMs after the last key: the
// pause after which the server finishes a line nobody adds to (the captions
// API says how long, line_idle_ms). The server counts from the last update
// it received, at most KEEP_OPEN_MS after the last key, so the console
// finishes the line first, whole.
//
// Writes go one at a time, in order, paced within the person's budget (the
// server's welcome says it): a pasted text of hundreds of lines goes out
// line by line as fast as the budget allows, never over it. A write the
// server still refuses for rate (the same person typing in another tab)
// goes again, first, after a pause; an update of the open line waiting to
// go is replaced by a newer one.
//
// No DOM here: the console hands in its text box and the live connection.

export const PARTIAL_EVERY_MS = 250;
// A word still being typed this long after the last update, or after the
// last key, goes out anyway, or the server would take the quiet for the end
// of the line.
export const KEEP_OPEN_MS = 1500;
// The server's longest line (rooms.MaxLine). A JavaScript string's length
// counts UTF-16 units, never fewer than the server's characters.
const MAX_LINE = 1000;
// The share of the person's budget the console paces itself to: the rest
// is for pings, corrections and another tab.
export const BUDGET_SHARE = 0.75;
// The longest pause before a write refused for rate goes again.
const MAX_RETRY_MS = 5000;

const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

export class CaptionLine {
  // editor: {get(), set(text)} the text being typed; write({text, final})
  // resolves with the segment the server acknowledged; correct(segment,
  // text) resolves once a finished segment is corrected; failed(err) hears
  // every refusal. idleMs is the server's line pause; until it is known
  // (null), only Enter and the server finish lines. budget() is the
  // person's budget ({per_second, burst}), or null while it is not known:
  // then writes are not paced.
  constructor({ editor, write, correct, failed, idleMs = null, budget = () => null, clock = systemClock }) {
    Object.assign(this, { editor, write, correct, failed, idleMs, budget, clock });
    this.sent = ''; // the open line's text as last sent; null when unknown
    this.sentAt = 0;
    this.open = null; // {id, text} of the open line as last acknowledged
    this.timer = null; // the next update, when held back by the throttle
    this.idleTimer = null;
    this.quietTimer = null;
    this.kept = 0; // how much of the box is refused lines given back
    this.outbox = []; // writes waiting to go, oldest first
    this.inFlight = false;
    this.pumpTimer = null;
    this.tokens = null; // the budget left, as the console counts it; null: all of it
    this.tokensAt = clock.now();
    this.holdUntil = 0; // no write before this, after a refusal for rate
    this.refusals = 0; // refusals for rate in a row
  }

  // typed takes a change of the text box.
  typed() {
    let text = this.editor.get();
    // Pasted text may hold several lines: all but the last are finished.
    if (/[\r\n]/.test(text)) {
      const lines = text.split(/\r\n|\r|\n/);
      text = lines.pop();
      this.editor.set(text);
      for (const line of lines) this.#finish(line);
    }
    const rest = this.#overflow(text);
    if (rest !== text) this.editor.set(rest);
    text = rest;
    this.clock.clearTimeout(this.idleTimer);
    this.clock.clearTimeout(this.quietTimer);
    if (this.idleMs != null) this.idleTimer = this.clock.setTimeout(() => this.finish(), this.idleMs);
    this.quietTimer = this.clock.setTimeout(() => this.#quiet(), KEEP_OPEN_MS);
    this.#schedule();
  }

  // #quiet sends the word the captioner paused in, so the server has the
  // whole line and counts its pause from the last key.
  #quiet() {
    const text = this.editor.get().trim();
    if (text && text !== this.sent) this.#write(text, false);
  }

  // finish sends the line as final and empties the box for the next one.
  finish() {
    this.clock.clearTimeout(this.idleTimer);
    this.clock.clearTimeout(this.quietTimer);
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    const text = this.#overflow(this.editor.get());
    this.editor.set('');
    this.kept = 0;
    this.#finish(text);
  }

  // #overflow finishes the lines a text too long for one line begins with
  // (typed, or refused lines given back) and returns the rest.
  #overflow(text) {
    while (text.length >= MAX_LINE) {
      const space = text.lastIndexOf(' ', MAX_LINE - 1);
      const cut = space > 0 ? space : MAX_LINE - 1;
      this.#finish(text.slice(0, cut));
      text = text.slice(cut).trimStart();
    }
    return text;
  }

  #finish(text) {
    const line = text.trim();
    if (!line && this.sent === '') return; // nothing typed, nothing open
    this.#write(line, true);
  }

  #schedule() {
    if (this.timer) return;
    const wait = this.sentAt + PARTIAL_EVERY_MS - this.clock.now();
    if (wait <= 0) {
      this.#partial();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.#partial();
    }, wait);
  }

  #partial() {
    const text = this.editor.get();
    const words = text.replace(/\S+$/, '').trim(); // the words typed in full
    const quiet = this.clock.now() - this.sentAt >= KEEP_OPEN_MS;
    const out = this.sent && words === this.sent && quiet ? text.trim() : words;
    if (out === this.sent || (!out && !this.sent)) return;
    // A word sent while the captioner paused in it is not taken back while
    // they finish it.
    if (this.sent && out.length < this.sent.length && text.trimStart().startsWith(this.sent)) return;
    this.#write(out, false);
  }

  // #write queues a write; an update of the open line still waiting is
  // replaced, as whatever follows it carries the line's whole text.
  #write(text, final) {
    this.sent = final ? '' : text;
    this.sentAt = this.clock.now();
    if (this.outbox.length && !this.outbox.at(-1).final) this.outbox.pop();
    this.outbox.push({ text, final });
    this.#pump();
  }

  // #pump sends the oldest write waiting once the last one is answered and
  // the budget allows.
  #pump() {
    if (this.inFlight || this.pumpTimer || !this.outbox.length) return;
    const wait = this.#wait();
    if (wait > 0) {
      this.pumpTimer = this.clock.setTimeout(() => {
        this.pumpTimer = null;
        this.#pump();
      }, wait);
      return;
    }
    this.tokens--;
    const w = this.outbox.shift();
    this.inFlight = true;
    this.write(w).then((seg) => {
      this.inFlight = false;
      this.refusals = 0;
      this.#acked(w.text, w.final, seg);
      this.#pump();
    }, (err) => {
      this.inFlight = false;
      this.#refused(w, err);
      this.#pump();
    });
  }

  // #wait is how long until the budget allows a write, in ms.
  #wait() {
    const now = this.clock.now();
    const budget = this.budget();
    if (!budget) {
      this.tokens = 1;
      return Math.max(0, this.holdUntil - now);
    }
    const perMs = (budget.per_second * BUDGET_SHARE) / 1000;
    const burst = Math.max(1, Math.floor(budget.burst * BUDGET_SHARE));
    this.tokens = Math.min(burst, (this.tokens ?? burst) + (now - this.tokensAt) * perMs);
    this.tokensAt = now;
    const refill = this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / perMs);
    return Math.max(refill, this.holdUntil - now);
  }

  // #refused takes a write the server, or a lost connection, refused. One
  // refused for rate goes again, first, once the budget has refilled some
  // (unless a newer write replaces it); any other refused line goes back
  // into the box.
  #refused(w, err) {
    if (err.code === 'rate_limited') {
      if (w.final || !this.outbox.length) this.outbox.unshift(w);
      const perSecond = this.budget()?.per_second ?? 1;
      this.tokens = 0;
      this.holdUntil = this.clock.now() + Math.min(MAX_RETRY_MS, (1000 / perSecond) * 2 ** this.refusals);
      this.refusals++;
    } else {
      if (err.local) this.tokens++; // it never reached the server
      if (w.final) this.#giveBack(w.text);
      this.sent = null;
    }
    this.failed(err);
  }

  // #giveBack puts a refused line back in the box, after the lines given
  // back before it and before anything typed since, so no words are lost
  // and they go again, in order, with the next line.
  #giveBack(text) {
    const box = this.editor.get();
    const at = Math.min(this.kept, box.length);
    const before = box.slice(0, at).trimEnd();
    const after = box.slice(at).trimStart();
    const kept = before ? `${before} ${text}` : text;
    this.editor.set(after ? `${kept} ${after}` : kept);
    this.kept = kept.length;
  }

  // #acked notices when the server finished the open line before this write
  // reached it (the floor changed hands, or the line sat idle) and so
  // opened a new segment with the whole text, repeating the finished one's
  // words. They are taken out again: the text box drops them and the new
  // segment is rewritten, or corrected if it is already final.
  #acked(text, final, seg) {
    const prev = this.open;
    this.open = final ? null : { id: seg.id, text };
    if (!prev || prev.id === seg.id) return;
    const done = prev.text.trim();
    if (!done || !seg.text.startsWith(done)) return;
    const rest = seg.text.slice(done.length).trim();
    if (final) {
      this.correct(seg, rest).catch((err) => this.failed(err));
      return;
    }
    const typed = this.editor.get().trimStart();
    if (typed.startsWith(done)) this.editor.set(typed.slice(done.length).trimStart());
    // Even with nothing new to show, the repeated words must go.
    this.#write(this.editor.get().replace(/\S+$/, '').trim(), false);
  }
}
