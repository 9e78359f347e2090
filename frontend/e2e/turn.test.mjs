// TURN: Chromium pages forced to relay-only ICE (iceTransportPolicy
// "relay") publish and play the venue feed through a local coturn, with
// the time-limited credentials Parley's WHIP/WHEP answers hand out in
// their Link headers. Skipped when coturn (turnserver) is not installed.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Harness } from './harness.mjs';

const TURNSERVER = '/usr/bin/turnserver';
const ROOM = 'turn';
const SECRET = 'turn-secret-for-tests-only';
// Parley's media listens on the host's addresses, not loopback: coturn
// relays to it there.
const HOST_IP = Object.values(networkInterfaces()).flat().find((a) => a.family === 'IPv4' && !a.internal)?.address;
const skip = !existsSync(TURNSERVER) ? 'turnserver is not installed (Debian: apt-get install coturn)'
  : !HOST_IP ? 'no IPv4 address besides loopback' : false;

const h = new Harness();
let coturn;
let turnDir;

before(async () => {
  if (skip) return;
  const port = await freeUDPPort();
  const relay = await freeUDPPort();
  turnDir = mkdtempSync(path.join(tmpdir(), 'parley-turn-'));
  coturn = spawn(TURNSERVER, ['-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, `--relay-ip=${HOST_IP}`,
    `--min-port=${relay}`, `--max-port=${Math.min(relay + 49, 65535)}`, '--use-auth-secret', `--static-auth-secret=${SECRET}`,
    '--realm=parley.test', '--no-cli', '--no-tls', '--no-dtls', '--no-tcp', '--fingerprint', `--pidfile=${turnDir}/pid`,
    `--userdb=${turnDir}/turndb`, '--log-file=stdout', '--simple-log'], { stdio: ['ignore', 'pipe', 'pipe'] });
  coturn.log = '';
  coturn.stdout.on('data', (c) => { coturn.log += c; });
  coturn.stderr.on('data', (c) => { coturn.log += c; });
  await untilSTUN(`127.0.0.1`, port, 20_000);
  await h.start({ serveArgs: ['--ice-server', `turn:127.0.0.1:${port}?transport=udp`, '--turn-secret', SECRET] });
  const chair = h.token({ room: ROOM, role: 'chair', sub: 'chair', name: 'Chair Ana' });
  await h.createRoom(ROOM, 'Relayed', chair);
});

after(async () => {
  await h.stop();
  coturn?.kill();
  if (turnDir) rmSync(turnDir, { recursive: true, force: true });
});

test('relay-only pages publish and play the venue feed through coturn', { skip }, async () => {
  const venue = await h.open('/');
  const listener = await h.open('/');
  const api = (endpoint) => `/api/v1/rooms/${ROOM}/${endpoint}`;
  // A click is the gesture that lets each page's audio context run: the
  // venue's tone, the listener's analyser.
  await venue.locator('body').click();
  await listener.locator('body').click();
  await venue.evaluate(RELAYED);
  await listener.evaluate(RELAYED);
  await venue.evaluate(({ url, token }) => window.publishTone(url, token),
    { url: api('whip'), token: h.token({ room: ROOM, role: 'venue', sub: 'hall', name: 'Hall' }) });
  const ice = await listener.evaluate(({ url, token }) => window.play(url, token),
    { url: api('whep'), token: h.token({ room: ROOM, sub: 'amina', name: 'Amina Diallo' }) });
  assert.equal(ice.length, 1, JSON.stringify(ice));
  assert.match(ice[0].username, /^\d+:amina$/);
  try {
    await listener.waitForFunction(() => window.heard?.(), null, { timeout: 30_000, polling: 250 });
  } catch (err) {
    const state = await listener.evaluate(() => window.state());
    throw new Error(`${err.message}\nlistener: ${JSON.stringify(state)}\ncoturn:\n${coturn.log.slice(-4000)}`);
  }
  const state = await listener.evaluate(() => window.state());
  assert.equal(state.local, 'relay', JSON.stringify(state));
  assert.ok(state.loudest > 0.05, JSON.stringify(state));
});

// RELAYED defines, in a page, WHIP/WHEP sessions that learn the ICE
// servers from a first answer's Link headers, end it, and connect again
// through TURN alone.
function RELAYED() {
  const links = (header) => (header ?? '').split(/,\s*(?=<)/).flatMap((link) => {
    const m = link.match(/^\s*<([^>]*)>(.*)$/);
    if (!m) return [];
    const p = Object.fromEntries([...m[2].matchAll(/;\s*([\w-]+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v.replace(/\\(.)/g, '$1')]));
    return p.rel === 'ice-server' ? [{ urls: m[1], username: p.username, credential: p.credential }] : [];
  });
  const gathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    setTimeout(resolve, 5000);
  });
  const offer = async (pc, url, token) => {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const res = await fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
    if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    return res;
  };
  // relayed opens a session whose transceivers add() sets up, through
  // the TURN servers a first session's answer named.
  const relayed = async (url, token, add) => {
    const probe = new RTCPeerConnection();
    add(probe);
    const res = await offer(probe, url, token);
    const ice = links(res.headers.get('Link'));
    const location = new URL(res.headers.get('Location'), res.url).href;
    await fetch(location, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
    probe.close();
    const pc = new RTCPeerConnection({ iceServers: ice, iceTransportPolicy: 'relay' });
    add(pc);
    await offer(pc, url, token);
    return { pc, ice };
  };
  window.publishTone = async (url, token) => {
    const ctx = new AudioContext();
    await ctx.resume();
    const osc = ctx.createOscillator();
    const dest = ctx.createMediaStreamDestination();
    osc.connect(dest);
    osc.start();
    const [track] = dest.stream.getAudioTracks();
    window.venue = await relayed(url, token, (pc) => pc.addTransceiver(track, { direction: 'sendonly' }));
    return window.venue.ice;
  };
  window.play = async (url, token) => {
    // Chromium feeds a remote track to Web Audio only while an element
    // plays it.
    const audio = document.createElement('audio');
    audio.muted = true;
    document.body.append(audio);
    window.listener = await relayed(url, token, (pc) => {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.ontrack = (e) => {
        const stream = new MediaStream([e.track]);
        audio.srcObject = stream;
        audio.play().catch(() => {});
        const ctx = new AudioContext();
        const analyser = ctx.createAnalyser();
        ctx.createMediaStreamSource(stream).connect(analyser);
        const samples = new Float32Array(analyser.fftSize);
        window.loudest = () => {
          analyser.getFloatTimeDomainData(samples);
          return Math.max(...samples.map(Math.abs));
        };
      };
    });
    return window.listener.ice;
  };
  window.stats = { packets: 0, local: '' };
  window.state = () => ({ ...window.stats, loudest: window.loudest?.() ?? 0, connection: window.listener?.pc.connectionState });
  window.heard = () => {
    const pc = window.listener?.pc;
    if (!pc) return false;
    pc.getStats().then((report) => {
      let pair;
      report.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') window.stats.packets = s.packetsReceived;
        if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
      });
      if (pair) window.stats.local = report.get(pair.localCandidateId)?.candidateType ?? '';
    });
    // The tone's samples, not silence, come out of the received track.
    return window.stats.packets > 50 && window.stats.local !== '' && (window.loudest?.() ?? 0) > 0.05;
  };
}

function freeUDPPort() {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// untilSTUN resolves once host:port answers a STUN Binding request
// (RFC 5389), asking again every 200 ms until ms have passed.
function untilSTUN(host, port, ms) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const id = randomBytes(12);
    const req = Buffer.alloc(20);
    req.writeUInt16BE(0x0001, 0);
    req.writeUInt32BE(0x2112a442, 4);
    id.copy(req, 8);
    const done = (err) => {
      clearInterval(ask);
      clearTimeout(timer);
      s.close();
      if (err) reject(err); else resolve();
    };
    s.on('message', (msg) => msg.length >= 20 && msg.subarray(8, 20).equals(id) && done());
    const ask = setInterval(() => s.send(req, port, host), 200);
    const timer = setTimeout(() => done(new Error(`turnserver did not answer on ${host}:${port}:\n${coturn.log}`)), ms);
    s.send(req, port, host);
  });
}
