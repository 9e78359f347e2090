// CaptionLine, the captioner console's sending rules, against a fake clock
// and a fake server that behaves as rooms.Transcripts.Write does.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CaptionLine, KEEP_OPEN_MS, PARTIAL_EVERY_MS } from '../static/js/caption-line.js';

// The line pause a server names (line_idle_ms); any value serves.
const SERVER_IDLE_MS = 3000;

class FakeClock {
  constructor() {
    this.t = 1_000_000;
    this.timers = new Map();
    this.next = 1;
  }

  now() { return this.t; }

  setTimeout(fn, ms) {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(id) { this.timers.delete(id); }

  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers].filter(([, tm]) => tm.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
}

// FakeServer keeps segments as the server does: a write continues the open
// line of the same turn, or finishes another turn's line and opens a new one
// with the whole text.
class FakeServer {
  constructor() {
    this.segments = [];
    this.open = null;
    this.turn = 'r1';
    this.writes = [];
  }

  write({ text, final }) {
    this.writes.push({ text, final });
    let seg = this.open;
    if (seg && seg.turn !== this.turn) {
      seg.text = seg.text.trim();
      seg.final = true;
      seg = null;
    }
    if (!seg) {
      if (!text.trim()) return Promise.resolve({ id: 0, text: '' });
      seg = { id: this.segments.length + 1, turn: this.turn, text, final };
      this.segments.push(seg);
    }
    seg.text = text;
    seg.final = final;
    this.open = final ? null : seg;
    return Promise.resolve({ ...seg });
  }

  correct(seg, text) {
    Object.assign(this.segments[seg.id - 1], { text, final: true });
    return Promise.resolve();
  }

  lines() {
    return this.segments.filter((s) => s.text).map((s) => s.text);
  }
}

function setup({ idleMs = SERVER_IDLE_MS } = {}) {
  const clock = new FakeClock();
  const server = new FakeServer();
  const box = { value: '' };
  const failures = [];
  const line = new CaptionLine({
    editor: { get: () => box.value, set: (v) => { box.value = v; } },
    write: (m) => server.write(m),
    correct: (seg, text) => server.correct(seg, text),
    failed: (err) => failures.push(err),
    idleMs,
    clock,
  });
  // type adds text a key at a time, keyPause apart.
  const type = async (text, keyPause = 40) => {
    for (const ch of text) {
      box.value += ch;
      line.typed();
      await settle();
      clock.advance(keyPause);
    }
  };
  return { clock, server, box, line, type, failures };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('updates carry whole words, at most every 250 ms, and Enter finishes the line', async () => {
  const { server, box, line, type } = setup();
  await type('Good morning everyone');
  assert.ok(server.writes.length > 0);
  for (const w of server.writes) {
    assert.equal(w.final, false);
    assert.match(w.text, /^(Good|Good morning)$/, 'never half a word');
  }
  line.finish();
  await settle();
  assert.deepEqual(server.writes.at(-1), { text: 'Good morning everyone', final: true });
  assert.equal(box.value, '');
  assert.deepEqual(server.lines(), ['Good morning everyone']);
});

test('the throttle holds updates back to one per 250 ms', async () => {
  const { server, clock, type } = setup();
  const times = [];
  const write = server.write.bind(server);
  server.write = (m) => {
    times.push(clock.now());
    return write(m);
  };
  await type('a b c d e f g h i j k l m n o p ', 10);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= PARTIAL_EVERY_MS, `gap ${times[i] - times[i - 1]}`);
});

test('the pause the server names finishes the line, whole, and the word paused in reaches the server first', async () => {
  const { server, clock, box, type } = setup();
  await type('We will now hear from the fl');
  clock.advance(KEEP_OPEN_MS);
  await settle();
  // The server has the whole line and counts its pause from here, later
  // than the console counts from the last key.
  assert.deepEqual(server.writes.at(-1), { text: 'We will now hear from the fl', final: false });
  clock.advance(SERVER_IDLE_MS - KEEP_OPEN_MS - 100);
  await settle();
  assert.equal(server.writes.at(-1).final, false, 'finished before the pause');
  clock.advance(100);
  await settle();
  assert.deepEqual(server.writes.at(-1), { text: 'We will now hear from the fl', final: true });
  assert.equal(box.value, '');
  assert.deepEqual(server.lines(), ['We will now hear from the fl']);
});

test('until the server has named its pause, a pause leaves the line to the server', async () => {
  const { server, clock, type } = setup({ idleMs: null });
  await type('We will now hear');
  clock.advance(10 * SERVER_IDLE_MS);
  await settle();
  assert.ok(server.writes.every((w) => !w.final), 'the console finished the line by itself');
});

test('a word sent while the captioner paused in it is not taken back as they finish it', async () => {
  const { server, clock, type } = setup();
  await type('Hello wor');
  clock.advance(KEEP_OPEN_MS);
  await settle();
  const before = server.writes.length;
  await type('ld and');
  clock.advance(PARTIAL_EVERY_MS);
  await settle();
  const texts = server.writes.slice(before).map((w) => w.text);
  assert.ok(texts.every((text) => text.startsWith('Hello wor')), `went back: ${texts}`);
  assert.ok(texts.includes('Hello world'), `${texts}`);
});

test('pasted lines are each finished, and the rest stays in the box', async () => {
  const { server, box, line } = setup();
  box.value = 'First line.\nSecond line.\nThird';
  line.typed();
  await settle();
  assert.deepEqual(server.lines(), ['First line.', 'Second line.']);
  assert.equal(box.value, 'Third');
});

test('when the floor changes hands mid-line, the next speaker does not get the first words again', async () => {
  const { server, box, line, clock, type } = setup();
  await type('Thank you chair ');
  clock.advance(PARTIAL_EVERY_MS); // the words went out before the floor changed
  server.turn = 'r2';
  await type('I would like to add a point');
  line.finish();
  await settle();
  await settle();
  assert.deepEqual(server.lines(), ['Thank you chair', 'I would like to add a point']);
  assert.equal(box.value, '');
});

test('a line finished by Enter just after the floor changed is corrected, not repeated', async () => {
  const { server, line, clock, type } = setup();
  await type('Thank you chair ');
  clock.advance(PARTIAL_EVERY_MS);
  server.turn = 'r2';
  await type('and');
  line.finish(); // the first write after the change is the final one
  await settle();
  await settle();
  assert.deepEqual(server.lines(), ['Thank you chair', 'and']);
});

test('a final line the server refused goes back into the box', async () => {
  const { server, box, line, type, failures } = setup();
  await type('Lost words');
  server.write = () => Promise.reject(Object.assign(new Error('not connected'), { code: 'not_connected' }));
  line.finish();
  await settle();
  assert.equal(box.value, 'Lost words');
  assert.equal(failures[0].code, 'not_connected');
});

test('lines refused one after another come back in the order they were written', async () => {
  const { server, box, line, failures } = setup();
  const write = server.write.bind(server);
  server.write = (m) => (m.text.startsWith('Line') && m.text !== 'Line 1'
    ? Promise.reject(Object.assign(new Error('slow down'), { code: 'rate_limited' }))
    : write(m));
  box.value = 'Line 1\nLine 2\nLine 3\nLine 4\nand more';
  line.typed();
  await settle();
  assert.deepEqual(server.lines(), ['Line 1']);
  assert.equal(box.value, 'Line 2 Line 3 Line 4 and more');
  assert.equal(failures.length, 3);
});
