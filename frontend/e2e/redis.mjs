// The Redis that browser tests of several `parley serve` nodes share: the
// one $PARLEY_TEST_REDIS_URL names (CI's), else 127.0.0.1:6379. As in the
// Go tests (rooms/redisstore/redistest), each test keeps its keys under a
// prefix of its own and deletes them when it ends. Spoken over node's net
// in RESP, so no Redis client is installed for it.

import { randomBytes } from 'node:crypto';
import net from 'node:net';

export const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

// redisPrefix is a key prefix no other run takes.
export function redisPrefix(name) {
  return `test-e2e-${name}-${randomBytes(6).toString('hex')}`;
}

// redisAnswers reports whether the test Redis answers PING.
export async function redisAnswers() {
  try {
    const c = await connect();
    try {
      return (await c.call('PING')) === 'PONG';
    } finally {
      c.close();
    }
  } catch {
    return false;
  }
}

// deleteUnder deletes every key under prefix, one DEL each: the keys of a
// room share a hash tag, but those of several rooms need not.
export async function deleteUnder(prefix) {
  const c = await connect();
  try {
    let cursor = '0';
    // A test's keys are a few dozen: one or two SCAN calls.
    for (let pass = 0; pass < 10_000; pass++) {
      const [next, keys] = await c.call('SCAN', cursor, 'MATCH', `${prefix}:*`, 'COUNT', '1000');
      for (const key of keys) await c.call('DEL', key);
      cursor = next;
      if (cursor === '0') return;
    }
    throw new Error(`deleting the keys under ${prefix}: SCAN did not finish`);
  } finally {
    c.close();
  }
}

// connect opens a connection to the test Redis, on the database its URL
// names.
async function connect() {
  const url = new URL(REDIS_URL);
  const socket = net.connect(Number(url.port || 6379), url.hostname);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const c = new Connection(socket);
  const db = url.pathname.slice(1);
  if (db && db !== '0') await c.call('SELECT', db);
  return c;
}

// Connection sends one command at a time and reads its reply.
class Connection {
  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.waiting = null; // {resolve, reject} of the command in flight
    socket.on('data', (chunk) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.#answer();
    });
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('redis: connection closed')));
  }

  call(...args) {
    const parts = args.map((a) => Buffer.from(String(a)));
    const frame = [Buffer.from(`*${parts.length}\r\n`)];
    for (const p of parts) frame.push(Buffer.from(`$${p.length}\r\n`), p, Buffer.from('\r\n'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(Buffer.concat(frame));
    });
  }

  close() {
    this.socket.destroy();
  }

  #answer() {
    if (!this.waiting) return;
    const parsed = parse(this.buf, 0);
    if (!parsed) return; // the rest of the reply is still on its way
    const [value, end] = parsed;
    this.buf = this.buf.subarray(end);
    const { resolve, reject } = this.waiting;
    this.waiting = null;
    if (value instanceof Error) reject(value);
    else resolve(value);
  }

  #fail(err) {
    const w = this.waiting;
    this.waiting = null;
    w?.reject(err);
  }
}

// parse reads one RESP2 reply at offset i of buf and returns it with the
// offset after it, or null while it is incomplete.
function parse(buf, i) {
  const eol = buf.indexOf('\r\n', i);
  if (eol < 0) return null;
  const line = buf.toString('utf8', i + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[i])) {
    case '+':
      return [line, next];
    case '-':
      return [new Error(`redis: ${line}`), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.toString('utf8', next, next + n), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      const items = [];
      let at = next;
      for (let k = 0; k < n; k++) {
        const item = parse(buf, at);
        if (!item) return null;
        items.push(item[0]);
        at = item[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`redis: unreadable reply ${JSON.stringify(line)}`);
  }
}
