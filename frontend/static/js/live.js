// The live protocol client (docs/protocol.md): one WebSocket per room that
// keeps the room's snapshot current, tracks the server clock, sends commands
// and reconnects on its own, resuming from the last sequence it applied.
//
// Events it dispatches:
//   status  {status: 'connecting'|'live'|'reconnecting'|'failed', resumed, code, message}
//           code is, for 'connecting' and 'reconnecting', the close code of
//           the connection that ended (CLOSE_DRAINING: its node drains and
//           has ended its media sessions), and for 'failed' the reason
//   change  {keys: the snapshot keys that changed, event: the log entry or null for a snapshot}
//   presence {presence}
//   segments, segment: the transcript messages as the server sent them
//                      (transcript.js keeps the channels)
//   link    {up, since, queued}: from a hub's relay, its link to the main server
//
// Readers who do not chair receive the queue's public view; the server sends
// their own notes to the chair apart ("notes"), and they are put back into
// the reader's own queue entries here, so pages find them where the chair's
// page does.

const PING_EVERY_MS = 10_000;
// A link that has not answered a ping for this long is dead even when the
// socket still says it is open (a laptop lid closed, a Wi-Fi hand-over).
const SILENCE_LIMIT_MS = 25_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
// CLOSE_DRAINING is the close code of a node that stops while others go on
// (protocol.CloseDraining).
export const CLOSE_DRAINING = 4009;
// DRAIN_SPREAD_MS spreads a draining node's clients over a moment as they
// reconnect at once elsewhere.
export const DRAIN_SPREAD_MS = 200;
const COMMAND_TIMEOUT_MS = 15_000;
const SNAPSHOT_KEYS = [
  'seq', 'title', 'agenda_item', 'list_open', 'closed', 'policy',
  'time_limit_s', 'warning_s', 'floor', 'queue', 'hub_queue', 'balance', 'languages', 'interpretation',
];

// LiveError is a refused command or a failed connection. Codes the server
// sends carry its message; local ones (not_connected, connection_lost,
// timeout, network) are for the page to word.
export class LiveError extends Error {
  // params are the server's figures for the page to word the error with.
  constructor(code, message = '', local = false, params = {}) {
    super(message || code);
    this.code = code;
    this.local = local;
    this.params = params ?? {};
  }
}

// parseServerTime reads Go's RFC 3339 times, whose nanoseconds
// Date.parse is not required to accept.
export function parseServerTime(s) {
  return Date.parse(s.replace(/(\.\d{3})\d+/, '$1'));
}

export function apiURL(room, suffix = '') {
  return `/api/v1/rooms/${encodeURIComponent(room)}${suffix}`;
}

export class LiveRoom extends EventTarget {
  constructor(room, token) {
    super();
    this.room = room;
    this.token = token;
    this.state = null; // the last snapshot with every change applied
    this.you = null;
    // What this person may send a second and at once ({per_second, burst}),
    // over every tab and request: the server's welcome says.
    this.budget = null;
    this.notes = {}; // your own notes to the chair, by request id
    this.offset = 0; // server clock minus local clock, in ms
    this.ws = null;
    this.welcomed = false;
    this.everLive = false;
    this.stopped = false;
    this.attempt = 0;
    this.nextId = 1;
    this.commands = new Map(); // id -> {resolve, reject, timer}
    this.pings = new Map(); // id -> local send time
    this.bestRtt = Infinity;
    this.lastHeard = 0;
    this.linkDown = false; // a hub's relay has lost the main server
    addEventListener('online', () => this.#retryNow());
  }

  // now is the server's clock as best we know it, in ms since the epoch.
  now() {
    return Date.now() + this.offset;
  }

  start() {
    this.#emit('status', { status: 'connecting' });
    this.#connect();
  }

  // stop closes the connection for good: the room is closed.
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.ws?.close(1000);
  }

  // send issues one command and resolves with the ack ({seq}) or rejects
  // with a LiveError carrying the server's code and message. The command
  // carries the seq of the state its sender saw (if_seq; by default the one
  // on screen), so one acting on what has changed since is refused as stale.
  send(command) {
    return this.request({ type: 'command', command: { if_seq: this.state?.seq, ...command } });
  }

  // request sends a message the server answers with ack or error (command,
  // transcript, caption, correct) and resolves with the ack.
  request(msg) {
    if (!this.welcomed || this.ws?.readyState !== WebSocket.OPEN) {
      return Promise.reject(new LiveError('not_connected', '', true));
    }
    const id = `c${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.commands.set(id, { resolve, reject, timer: this.#deadline(id) });
      this.ws.send(JSON.stringify({ ...msg, id }));
    });
  }

  // #deadline gives up on an answer to id after a while, unless a hub's
  // relay holds what it is sent for its link to come back: then the answer
  // comes when the link does (or link_lost), and the wait starts again.
  #deadline(id) {
    if (this.linkDown) return null;
    return setTimeout(() => this.#settle(id, (c) => c.reject(new LiveError('timeout', '', true))), COMMAND_TIMEOUT_MS);
  }

  #onLink(msg) {
    this.linkDown = !msg.up;
    for (const [id, c] of this.commands) {
      clearTimeout(c.timer);
      c.timer = this.#deadline(id);
    }
    this.#emit('link', msg);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #connect() {
    const url = new URL(`${apiURL(this.room, '/ws')}`, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('access_token', this.token);
    if (this.state) url.searchParams.set('after', String(this.state.seq));
    this.welcomed = false;
    this.bestRtt = Infinity;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onmessage = (e) => this.#onMessage(e.data);
    ws.onclose = (e) => this.#onClose(e.code);
  }

  #onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      console.warn('parley: unreadable frame from the server');
      return;
    }
    this.lastHeard = Date.now();
    switch (msg.type) {
      case 'welcome':
        this.welcomed = true;
        this.attempt = 0;
        this.you = msg.you;
        this.budget = msg.budget ?? null;
        this.offset = parseServerTime(msg.server_time) - Date.now();
        this.#startPings();
        if (this.state) this.#live();
        break;
      case 'snapshot':
        this.state = msg.snapshot;
        this.#withNotes();
        this.#emit('change', { keys: SNAPSHOT_KEYS, event: null });
        this.#live();
        break;
      case 'event':
        this.#applyEvent(msg);
        break;
      case 'notes':
        this.notes = msg.notes ?? {};
        if (this.#withNotes()) this.#emit('change', { keys: ['queue'], event: null });
        break;
      case 'ack':
        this.#settle(msg.id, (c) => c.resolve(msg));
        break;
      case 'error':
        if (msg.id && this.commands.has(msg.id)) {
          this.#settle(msg.id, (c) => c.reject(new LiveError(msg.code, msg.message, false, msg.params)));
        } else {
          console.warn(`parley: server error ${msg.code}: ${msg.message}`);
        }
        break;
      case 'presence':
        this.#emit('presence', { presence: msg.presence });
        break;
      case 'pong':
        this.#onPong(msg);
        break;
      case 'segments':
      case 'segment':
        this.#emit(msg.type, msg);
        break;
      case 'link':
        this.#onLink(msg);
        break;
    }
  }

  #live() {
    this.#emit('status', { status: 'live', resumed: this.everLive });
    this.everLive = true;
  }

  #applyEvent(msg) {
    if (!this.state || msg.seq <= this.state.seq) return; // a duplicate
    if (msg.seq !== this.state.seq + 1) {
      // A gap breaks the fold; start again from what we have.
      this.#drop();
      return;
    }
    const changes = msg.changes ?? {};
    for (const [key, value] of Object.entries(changes)) this.state[key] = value;
    this.state.seq = msg.seq;
    this.#withNotes();
    this.#emit('change', { keys: Object.keys(changes), event: msg.event });
  }

  // withNotes puts your own notes into your queue entries and reports
  // whether it added any.
  #withNotes() {
    let added = false;
    for (const entry of this.state?.queue ?? []) {
      const note = this.notes[entry.id];
      if (note && !entry.note) {
        entry.note = note;
        added = true;
      }
    }
    return added;
  }

  #settle(id, fn) {
    const c = this.commands.get(id);
    if (!c) return;
    clearTimeout(c.timer);
    this.commands.delete(id);
    fn(c);
  }

  #startPings() {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > SILENCE_LIMIT_MS) {
        this.#drop();
        return;
      }
      const id = `p${this.nextId++}`;
      this.pings.set(id, Date.now());
      this.ws.send(JSON.stringify({ type: 'ping', id }));
    }, PING_EVERY_MS);
  }

  // #onPong keeps the offset from the fastest round trip: its server time
  // is the least uncertain, taken as read half-way through the trip.
  #onPong(msg) {
    const sent = this.pings.get(msg.id);
    if (sent === undefined) return;
    this.pings.delete(msg.id);
    const rtt = Date.now() - sent;
    if (rtt <= this.bestRtt) {
      this.bestRtt = rtt;
      this.offset = parseServerTime(msg.server_time) - (sent + rtt / 2);
    }
  }

  // #drop abandons the socket without waiting for a close handshake that a
  // dead link would never finish, and reconnects.
  #drop() {
    const ws = this.ws;
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    ws.close();
    this.#onClose(1006);
  }

  async #onClose(code) {
    const welcomed = this.welcomed;
    this.ws = null;
    this.welcomed = false;
    clearInterval(this.pingTimer);
    this.pings.clear();
    for (const id of [...this.commands.keys()]) {
      this.#settle(id, (c) => c.reject(new LiveError('connection_lost', '', true)));
    }
    if (this.stopped) return;
    if (code === 4001) return this.#fail('token_expired');
    if (code === 4003) return this.#fail('token_revoked');
    if (code === 4004) return this.#fail('room_closed');
    // A refused upgrade reaches a browser only as a bare close; ask the HTTP
    // API, which answers with the same status and code, why.
    if (!welcomed) {
      const refusal = await this.#whyRefused();
      if (refusal) return this.#fail(refusal.code, refusal.message);
    }
    this.#emit('status', { status: this.everLive ? 'reconnecting' : 'connecting', code });
    let delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    this.attempt++;
    // The node drains while others go on; another takes us at once and
    // resumes us from the log, so no backoff, only the jitter's spread.
    if (code === CLOSE_DRAINING) delay = DRAIN_SPREAD_MS;
    // Jitter keeps a hall full of phones from reconnecting in step.
    this.retryTimer = setTimeout(() => this.#connect(), delay * (0.5 + Math.random() / 2));
  }

  async #whyRefused() {
    try {
      const res = await fetch(apiURL(this.room), {
        headers: { Authorization: `Bearer ${this.token}` },
        cache: 'no-store',
      });
      if (res.ok || res.status >= 500) return null;
      const body = await res.json().catch(() => ({}));
      return { code: body.error?.code ?? `http_${res.status}`, message: body.error?.message ?? '' };
    } catch {
      return null; // the network is down: keep trying
    }
  }

  #retryNow() {
    if (this.ws || this.stopped || !this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.#connect();
  }

  #fail(code, message = '') {
    this.stopped = true;
    this.#emit('status', { status: 'failed', code, message });
  }
}
