// CaptionLine, the captioner console's sending rules, against a fake clock
// and a fake server that behaves as rooms.Transcripts.Write does.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUDGET_SHARE, CaptionLine, KEEP_OPEN_MS, PARTIAL_EVERY_MS } from '../static/js/caption-line.js';

// The line pause a server names (line_idle_ms); any value serves.
const SERVER_IDLE_MS = 3000;
// The person's budget a server names in its welcome.
const BUDGET = { per_second: 20, burst: 40 };

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

// rateLimit makes server refuse writes over budget as the server's token
// bucket does, counting what it refused.
function rateLimit(server, clock, { per_second: rate, burst }) {
  let tokens = burst;
  let at = clock.now();
  const write = server.write.bind(server);
  server.refused = 0;
  server.write = (m) => {
    tokens = Math.min(burst, tokens + ((clock.now() - at) * rate) / 1000);
    at = clock.now();
    if (tokens < 1) {
      server.refused++;
      return Promise.reject(Object.assign(new Error('slow down'), { code: 'rate_limited' }));
    }
    tokens--;
    return write(m);
  };
}

// run advances the clock a step at a time, letting the writes settle, until
// done() or a minute has passed.
async function run(clock, done) {
  for (let i = 0; i < 1200 && !done(); i++) {
    clock.advance(50);
    await settle();
  }
}

function setup({ idleMs = SERVER_IDLE_MS, budget = BUDGET } = {}) {
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
    budget: () => budget,
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
    ? Promise.reject(Object.assign(new Error('only a captioner'), { code: 'forbidden' }))
    : write(m));
  box.value = 'Line 1\nLine 2\nLine 3\nLine 4\nand more';
  line.typed();
  await settle();
  assert.deepEqual(server.lines(), ['Line 1']);
  assert.equal(box.value, 'Line 2 Line 3 Line 4 and more');
  assert.equal(failures.length, 3);
});

test('a pasted text of 300 lines goes out once, in order, within the budget', async () => {
  const { server, box, line, clock, failures } = setup();
  rateLimit(server, clock, BUDGET);
  const pasted = Array.from({ length: 300 }, (_, i) => `Line ${i + 1}.`);
  const start = clock.now();
  box.value = `${pasted.join('\n')}\n`;
  line.typed();
  await run(clock, () => server.lines().length === 300);
  assert.deepEqual(server.lines(), pasted);
  assert.equal(server.refused, 0, 'nothing went over the budget');
  assert.deepEqual(failures, []);
  assert.equal(box.value, '');
  // As fast as the console's share of the budget allows, no faster.
  const paced = (300 - Math.floor(BUDGET.burst * BUDGET_SHARE)) / (BUDGET.per_second * BUDGET_SHARE);
  assert.ok(clock.now() - start <= (paced + 1) * 1000, `took ${clock.now() - start} ms`);
});

test('writes go one at a time: the next waits for the answer to the last', async () => {
  const { server, box, line, clock } = setup();
  const answers = [];
  const write = server.write.bind(server);
  let open = 0;
  let most = 0;
  server.write = (m) => {
    most = Math.max(most, ++open);
    return new Promise((resolve) => answers.push(() => { open--; resolve(write(m)); }));
  };
  box.value = 'One.\nTwo.\nThree.\n';
  line.typed();
  while (server.lines().length < 3) {
    await settle();
    clock.advance(50);
    answers.shift()?.();
    await settle();
  }
  assert.equal(most, 1);
  assert.deepEqual(server.lines(), ['One.', 'Two.', 'Three.']);
});

test('a line refused for rate goes again, first, and the refusal is heard', async () => {
  const { server, box, line, clock, failures } = setup();
  // Another tab of the same person has spent the budget: the server
  // refuses the next four writes.
  const write = server.write.bind(server);
  let refuse = 4;
  server.write = (m) => (refuse-- > 0
    ? Promise.reject(Object.assign(new Error('slow down'), { code: 'rate_limited' }))
    : write(m));
  box.value = 'First.\nSecond.\nThird.\nand';
  line.typed();
  await run(clock, () => server.lines().length === 4);
  assert.deepEqual(server.lines(), ['First.', 'Second.', 'Third.', 'and']);
  assert.equal(box.value, 'and', 'nothing came back into the box');
  assert.equal(failures.length, 4);
  assert.ok(failures.every((f) => f.code === 'rate_limited'));
});

test('an update of the open line waiting to go is replaced by the newer one', async () => {
  const { server, box, line, clock } = setup({ budget: { per_second: 1, burst: 1 } });
  box.value = 'One.\nTwo words ';
  line.typed();
  await settle();
  clock.advance(PARTIAL_EVERY_MS);
  box.value = 'Two words and more ';
  line.typed();
  await run(clock, () => server.writes.length === 2);
  assert.deepEqual(server.writes, [{ text: 'One.', final: true }, { text: 'Two words and more', final: false }]);
});

test('lines given back go out again cut to the longest line the server takes', async () => {
  const { server, box, line } = setup();
  box.value = Array.from({ length: 250 }, (_, i) => `Line ${i + 1}.`).join(' ');
  line.finish();
  await settle();
  for (let i = 0; i < 10; i++) await settle();
  assert.ok(server.lines().length >= 3, `${server.lines().length} lines`);
  assert.ok(server.lines().every((l) => l.length <= 1000));
  assert.equal(server.lines().join(' '), Array.from({ length: 250 }, (_, i) => `Line ${i + 1}.`).join(' '));
});
