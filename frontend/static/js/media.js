// WHIP and WHEP (RFC 9725) over fetch: one RTCPeerConnection per session,
// the offer POSTed with the room token, the session ended with a DELETE on
// its Location. The room's WebSocket carries no media signalling, but its
// close code says when its node drains: that node has ended its media
// sessions then, and the peer connection does not say so until ICE gives
// up, seconds of silence later (its DTLS transport does), so a session
// that follows the room and that its node ended ends at once; one on a
// node that goes on is kept.

import { CLOSE_DRAINING, DRAIN_SPREAD_MS, apiURL } from './live.js';

// The offer waits this long for the browser's own candidates; later ones
// are trickled with PATCH.
const GATHER_MS = 1500;

// ICE servers the server named in its last answer (Link headers), for the
// next session's peer connection: a page learns them with its first one.
let knownIceServers = [];

// MediaError is a refused offer (status and the server's code) or a
// failure of the browser's WebRTC.
export class MediaError extends Error {
  // retryAfter is the server's Retry-After in ms (a busy or draining
  // node), or null.
  constructor(code, message = '', status = 0, retryAfter = null) {
    super(message || code);
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
  }

  // retryable: worth trying again later (the network, the server busy),
  // rather than a refusal that will not change.
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

// MediaSession is one WHIP (publish) or WHEP (receive) session.
//   state events: detail is the peer connection's connectionState, or
//   'ended' once the session is gone for good (closed by either side;
//   drained is then set if its node drains).
export class MediaSession extends EventTarget {
  // query is the endpoint's parameters, such as {lang: 'fr'}.
  constructor(room, token, endpoint, query = {}) {
    super();
    const q = new URLSearchParams(query).toString();
    this.url = apiURL(room, `/${endpoint}`) + (q ? `?${q}` : '');
    this.token = token;
    this.pc = new RTCPeerConnection({ iceServers: knownIceServers, bundlePolicy: 'max-bundle' });
    this.location = null;
    this.ended = false;
    this.drained = false;
    this.pending = []; // candidates found after the POST, before its answer
    this.pc.addEventListener('connectionstatechange', () => {
      const s = this.pc.connectionState;
      // The server has ended it, or will once ICE times out: no DELETE.
      if (s === 'closed' || s === 'failed') this.close(false);
      else this.#emit(s);
    });
    this.pc.addEventListener('icecandidate', (e) => this.#trickle(e.candidate));
  }

  // open sends the offer for the transceivers already added and applies
  // the answer.
  async open() {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    await gathered(this.pc, GATHER_MS);
    this.posted = true;
    const sdp = this.pc.localDescription.sdp;
    let res = await this.#fetch(this.url, 'POST', 'application/sdp', sdp);
    // A 307 to another origin (the node holding the room's media) drops
    // the Authorization header: offer again there, with it.
    if (res.redirected && res.status === 401) res = await this.#fetch(res.url, 'POST', 'application/sdp', sdp);
    if (res.status !== 201) throw await refusal(res);
    // After a 307 to the node holding the room's media, Location is
    // relative to that node.
    this.location = new URL(res.headers.get('Location'), res.url).href;
    const ice = iceServers(res.headers.get('Link'));
    if (ice.length) {
      knownIceServers = ice;
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: ice });
    }
    const answer = await res.text();
    if (this.ended) return;
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    for (const c of this.pending.splice(0)) this.#trickle(c);
  }

  // follow ends the session when its node drains, with drained set, for
  // its owner to open another at once: through the same origin, a load
  // balancer sends it to a live node. live's connection closing with
  // CLOSE_DRAINING says that a node drains, not that it is the session's:
  // behind a load balancer the two may be on different nodes. A draining
  // node ends its sessions before it closes its live connections, so a
  // session lost (#lost) by the 4009 ends then, and one lost after it ends
  // as soon as it is, until live is back (the two signals may cross); one
  // still connected is kept, and follows live's next connection.
  // A session at a node the page was sent to (307) is deleted there, as
  // that node may go on. One reached through the page's origin is not: a
  // DELETE now could reach another node; if a node that goes on held it,
  // it ends there when ICE times out.
  follow(live) {
    let draining = false; // from a 4009 until live is back
    const check = () => {
      if (this.ended || !draining || !this.#lost()) return;
      this.drained = true;
      this.close(Boolean(this.location) && new URL(this.location).origin !== location.origin);
    };
    const onStatus = (e) => {
      if (e.detail.code === CLOSE_DRAINING) {
        draining = true;
        for (const t of this.#transports()) t.onstatechange = check;
      } else if (e.detail.status === 'live') {
        draining = false;
      }
      check();
    };
    live.addEventListener('status', onStatus);
    this.addEventListener('state', (e) => {
      if (e.detail === 'ended') live.removeEventListener('status', onStatus);
      else check();
    });
  }

  // #lost says the session's node has ended it or its link is down: a
  // DTLS transport closed (the node's close_notify) or failed, or the peer
  // connection not (or no longer) connected. Chromium's connectionState
  // stays 'connected' after a close_notify until ICE gives up.
  #lost() {
    if (this.pc.connectionState !== 'connected') return true;
    return this.#transports().some((t) => t.state === 'closed' || t.state === 'failed');
  }

  // #transports is the session's DTLS transports, once its answer is applied.
  #transports() {
    const all = [...this.pc.getSenders(), ...this.pc.getReceivers()].map((x) => x.transport);
    all.push(this.pc.sctp?.transport);
    return [...new Set(all.filter(Boolean))];
  }

  // close ends the session: the server is told (DELETE), then the
  // connection is closed; closing first would end it on the server before
  // the DELETE arrives. It is safe to call more than once.
  close(tell = true) {
    if (this.ended) return;
    this.ended = true;
    if (this.location && tell) {
      // keepalive lets the DELETE go out while the page unloads.
      this.#fetch(this.location, 'DELETE', '', null, true).catch(() => {}).finally(() => this.pc.close());
    } else {
      this.pc.close();
    }
    this.#emit('ended');
  }

  #trickle(candidate) {
    if (!this.posted || this.ended || !candidate?.candidate) return;
    if (!this.location) {
      this.pending.push(candidate);
      return;
    }
    const sdp = this.pc.localDescription.sdp;
    const line = (key) => sdp.match(new RegExp(`^a=${key}:(.*)$`, 'm'))?.[1]?.trim();
    const frag = [
      `a=ice-ufrag:${line('ice-ufrag')}`,
      `a=ice-pwd:${line('ice-pwd')}`,
      `m=audio 9 UDP/TLS/RTP/SAVPF 0`,
      `a=mid:${candidate.sdpMid}`,
      `a=${candidate.candidate}`,
      '',
    ].join('\r\n');
    this.#fetch(this.location, 'PATCH', 'application/trickle-ice-sdpfrag', frag).catch(() => {});
  }

  async #fetch(url, method, type, body, keepalive = false) {
    const headers = { Authorization: `Bearer ${this.token}` };
    if (type) headers['Content-Type'] = type;
    try {
      return await fetch(url, { method, headers, body, keepalive, cache: 'no-store' });
    } catch (err) {
      throw new MediaError('network', err.message);
    }
  }

  #emit(state) {
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }
}

// openFor opens s as owner.session and resolves whether it did; when the
// offer is refused or fails, s is closed and, if owner still holds s,
// owner.session is cleared and onFail told why. It is cleared first, so
// the owner takes the closing for its own and onFail alone answers it.
export async function openFor(owner, s, onFail) {
  try {
    await s.open();
    return true;
  } catch (err) {
    const held = owner.session === s;
    if (held) owner.session = null;
    s.close();
    if (held) onFail(err);
    return false;
  }
}

// gathered resolves once the browser has its candidates, or after ms.
function gathered(pc, ms) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => pc.iceGatheringState === 'complete' && done();
    const timer = setTimeout(done, ms);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

async function refusal(res) {
  const body = await res.json().catch(() => ({}));
  return new MediaError(body.error?.code ?? `http_${res.status}`, body.error?.message ?? '', res.status, retryAfter(res.headers.get('Retry-After')));
}

// retryAfter reads a Retry-After header (seconds, or an HTTP date) as ms
// from now, or null.
function retryAfter(header) {
  if (!header) return null;
  const ms = /^\d+$/.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}

// iceServers reads the ice-server links of a WHIP/WHEP answer
// (RFC 9725 §4.6) as RTCIceServer entries.
export function iceServers(header) {
  if (!header) return [];
  const out = [];
  for (const link of header.split(/,\s*(?=<)/)) {
    const m = link.match(/^\s*<([^>]*)>(.*)$/);
    if (!m) continue;
    const params = {};
    for (const p of m[2].split(';')) {
      const [k, v] = p.split('=').map((s) => s?.trim());
      if (k && v) params[k.toLowerCase()] = v.replace(/^"(.*)"$/, '$1');
    }
    if (params.rel !== 'ice-server') continue;
    const server = { urls: m[1] };
    if (params.username) {
      server.username = params.username;
      server.credential = params.credential ?? '';
    }
    out.push(server);
  }
  return out;
}

// Backoff is the wait before the next attempt at a session that dropped:
// doubling from a second to half a minute, with jitter so a hall of
// listeners does not come back in step. A session that ended as its node
// drains is opened again at once, spread over a moment as the room's live
// connection is; a refusal with Retry-After is tried again after it, but
// never later than the longest wait.
export class Backoff {
  constructor(min = 1000, max = 30_000) {
    this.min = min;
    this.max = max;
    this.attempt = 0;
  }

  // next is the wait before the next attempt; cause is why the last one
  // ended: the session (drained) or the refusal (retryAfter), if known.
  next(cause = null) {
    if (cause?.drained) return DRAIN_SPREAD_MS * (0.5 + Math.random() / 2);
    if (cause?.retryAfter != null) {
      this.attempt++;
      // Retry-After is the least wait: a hall told the same comes back
      // spread over half as long again.
      return Math.min(this.max, Math.max(DRAIN_SPREAD_MS, cause.retryAfter) * (1 + Math.random() / 2));
    }
    const d = Math.min(this.max, this.min * 2 ** this.attempt++);
    return d * (0.5 + Math.random() / 2);
  }

  reset() {
    this.attempt = 0;
  }
}
