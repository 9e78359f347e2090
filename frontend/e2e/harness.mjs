// The e2e harness: builds the server, runs it on a free port with a
// temporary data directory and a fixed secret, mints tokens with
// `parley token`, and drives the system's Chromium through playwright-core.

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const SECRET = 'e2e-secret-for-tests-only';
// RELAY_SECRET signs the tokens a hub's relay issues to its members.
const RELAY_SECRET = 'e2e-relay-secret-for-tests-only';
const REPO = path.resolve(import.meta.dirname, '../..');
export const SHOTS = path.join(import.meta.dirname, 'screenshots');
const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
// Chromium as a WebRTC peer: a fake microphone (a beep) that needs no
// permission prompt, and sound that may start without a click.
const MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'];

export class Harness {
  // start builds and runs the server and the browser. serveArgs are more
  // flags for `parley serve`; media: true gives the browser a fake
  // microphone and lets sound play on its own; advertise: true makes the
  // server advertise its own URL, as each of several nodes on one Redis
  // must for a room's media to have one holder (see node).
  async start({ serveArgs = [], media = false, advertise = false } = {}) {
    this.serveArgs = serveArgs;
    this.advertise = advertise;
    this.dir = mkdtempSync(path.join(tmpdir(), 'parley-e2e-'));
    this.bin = path.join(this.dir, 'parley');
    execFileSync('go', ['build', '-o', this.bin, './cmd/parley'], { cwd: REPO, stdio: 'inherit' });
    await this.serve(advertise ? await freeAddr() : '127.0.0.1:0');
    mkdirSync(SHOTS, { recursive: true });
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', ...(media ? MEDIA_ARGS : [])],
    });
  }

  // node starts one more `parley serve` of this harness's binary and
  // secret, with a data directory of its own, advertising its own URL;
  // serveArgs are its more flags. It resolves with the node's Harness
  // (without a browser), whose base, api and stop are the node's.
  async node({ serveArgs = [] } = {}) {
    const n = new Harness();
    n.bin = this.bin;
    n.dir = mkdtempSync(path.join(tmpdir(), 'parley-e2e-'));
    n.serveArgs = serveArgs;
    n.advertise = true;
    await n.serve(await freeAddr());
    return n;
  }

  // serve starts the server and resolves once it says where it listens.
  serve(addr) {
    const advertise = this.advertise ? ['--advertise-url', `http://${addr}`] : [];
    const args = ['serve', '--addr', addr, ...advertise, '--data', path.join(this.dir, 'data'), '--secret', SECRET, ...this.serveArgs];
    this.proc = spawn(this.bin, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30_000);
      this.proc.stderr.on('data', (chunk) => {
        log += chunk;
        const m = log.match(/msg="parley listening" addr=(\S+)/);
        if (m && !this.listening) {
          this.listening = true;
          clearTimeout(timer);
          this.addr = m[1];
          this.base = `http://${m[1]}`;
          resolve();
        }
      });
      this.proc.on('exit', (code) => reject(new Error(`server exited (${code}):\n${log}`)));
    });
  }

  // stopServer ends the server and waits for it to be gone.
  async stopServer() {
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGTERM');
    await exited;
    this.listening = false;
  }

  async restartServer() {
    await this.serve(this.addr);
  }

  // startRelay runs `parley relay` in front of the server with the hub's
  // token and resolves with its base URL once it listens; relayToken
  // mints its members' tokens.
  startRelay(hubToken) {
    const args = ['relay', '--upstream', this.base, '--token', hubToken, '--addr', '127.0.0.1:0',
      '--secret', RELAY_SECRET, '--data', path.join(this.dir, 'relay-data')];
    this.relay = spawn(this.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return new Promise((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`relay did not start:\n${log}`)), 30_000);
      this.relay.stderr.on('data', (chunk) => {
        log += chunk;
        const m = log.match(/msg="parley relay listening" addr=(\S+)/);
        if (m && !this.relayBase) {
          clearTimeout(timer);
          this.relayBase = `http://${m[1]}`;
          resolve(this.relayBase);
        }
      });
      this.relay.on('exit', (code) => reject(new Error(`relay exited (${code}):\n${log}`)));
    });
  }

  relayToken(claims) {
    return this.token({ ...claims, secret: RELAY_SECRET });
  }

  async stop() {
    await this.browser?.close();
    if (this.relay && this.relay.exitCode === null) {
      const exited = new Promise((resolve) => this.relay.once('exit', resolve));
      this.relay.kill('SIGTERM');
      await exited;
    }
    if (this.proc && this.proc.exitCode === null) await this.stopServer();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  token({ room, role = 'participant', sub, name, ttl, secret = SECRET, ...attrs }) {
    const args = ['token', '--secret', secret, '--room', room, '--role', role, '--sub', sub, '--name', name];
    for (const [k, v] of Object.entries(attrs)) args.push(`--${k}`, v);
    if (ttl) args.push('--ttl', ttl);
    return execFileSync(this.bin, args, { encoding: 'utf8' }).trim();
  }

  async api(method, pathname, token, body) {
    const res = await fetch(this.base + pathname, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  // postCaption posts text as CART software does: plain text, a language
  // and a sequence number in the URL; a newline finishes the line.
  async postCaption(room, token, { lang, seq, text }) {
    const q = new URLSearchParams({ lang, seq: String(seq) });
    const res = await fetch(`${this.base}/api/v1/rooms/${room}/captions?${q}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: text,
    });
    if (!res.ok) throw new Error(`caption post: ${res.status} ${await res.text()}`);
    return res.json();
  }

  createRoom(id, title, chairToken) {
    return this.api('POST', '/api/v1/rooms', chairToken, { id, title });
  }

  snapshot(room, token) {
    return this.api('GET', `/api/v1/rooms/${room}`, token);
  }

  // open gives a person their own browser context (their own sessionStorage)
  // and opens path with the token in the fragment, as a link would.
  // bypassCSP is only for injecting axe-core, which the pages' CSP rightly
  // refuses.
  // files serves test-only pages and scripts under /e2e/ on the page's
  // origin, from the harness (never from the Parley binary): {name: path
  // or {body, type}}. expose gives the page functions to call back
  // ({name: fn}) and init runs in it before its own scripts.
  // origin opens the page on another server than the harness's (a relay).
  async open(pathname, token, { locale = 'en-GB', viewport = { width: 1280, height: 900 }, bypassCSP = false, files = null, expose = {}, init = null, origin = this.base } = {}) {
    const context = await this.browser.newContext({ locale, viewport, bypassCSP });
    // Every peer connection a page makes, for tests to read its stats.
    await context.addInitScript(() => {
      const Native = window.RTCPeerConnection;
      if (!Native) return;
      window.peerConnections = [];
      window.RTCPeerConnection = class extends Native {
        constructor(...args) {
          super(...args);
          window.peerConnections.push(this);
        }
      };
    });
    if (files) {
      await context.route(`${origin}/e2e/**`, (route) => {
        const name = new URL(route.request().url()).pathname.slice('/e2e/'.length);
        const f = files[name];
        if (!f) return route.fulfill({ status: 404, body: 'not a test file' });
        return typeof f === 'string' ? route.fulfill({ path: f }) : route.fulfill({ body: f.body, contentType: f.type });
      });
    }
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    for (const [name, fn] of Object.entries(expose)) await page.exposeFunction(name, fn);
    page.errors = [];
    page.requests = []; // every HTTP request's URL (the WebSocket's is not one)
    page.on('request', (req) => page.requests.push(req.url()));
    // What the server sent over live connections, for tests of who
    // receives what.
    page.received = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => page.received.push(String(f.payload))));
    page.on('pageerror', (err) => page.errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') page.errors.push(msg.text());
    });
    await page.goto(`${origin}${pathname}${token ? `#token=${token}` : ''}`);
    return page;
  }

  shot(page, name) {
    return page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  }
}

// freeAddr is a loopback address free a moment ago, for a node that must
// know its URL before it starts.
async function freeAddr() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return `127.0.0.1:${port}`;
}

// download clicks what starts a download and resolves with the file's
// name and text once the browser has saved it.
export async function download(page, locator) {
  const [file] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
}

// ordinal is how the English pages write a position.
export function ordinal(n) {
  const rule = new Intl.PluralRules('en', { type: 'ordinal' }).select(n);
  return `${n}${{ one: 'st', two: 'nd', few: 'rd' }[rule] ?? 'th'}`;
}

const AXE = path.join(import.meta.dirname, 'node_modules', 'axe-core', 'axe.min.js');

// axe runs axe-core's WCAG 2.1 A and AA rules on a page opened with
// bypassCSP and returns the violations, one line each.
export async function axe(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  if (result.passes.length <= 10) throw new Error('axe did not run its rules');
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

// text waits for a locator to contain text (a string or a RegExp).
export async function text(locator, expected, timeout = 10_000) {
  const want = typeof expected === 'string' ? new RegExp(escape(expected)) : expected;
  await locator.filter({ hasText: want }).first().waitFor({ timeout });
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
