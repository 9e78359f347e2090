// A load balancer for browser tests of several `parley serve` nodes: the
// pages see one origin, and each new HTTP request or WebSocket goes to the
// first node still ready, as a load balancer's health check (GET /readyz)
// decides, or to the node a route names for its path, while that one is.
// A node that fails its check once is out for good: a draining node does
// not come back. It may also refuse offers itself, as a draining node may
// (503 with Retry-After).

import http from 'node:http';
import net from 'node:net';

const READY_TIMEOUT_MS = 10_000;

export class Balancer {
  // nodes are the nodes' base URLs, in order of preference.
  constructor(nodes) {
    this.nodes = nodes.map((n) => new URL(n));
    this.out = new Set(); // the nodes that failed their check
    // pins are routes by path, first match first: {path (a RegExp), node
    // (its index)}, such as the media to one node, the live connections to
    // another. Other requests, and those of a pin whose node is out, go to
    // the first node still ready.
    this.pins = [];
    // Where each request went: {kind: 'http'|'ws', path, after, node (its
    // index)}. Paths only: a live connection's query has its token.
    this.routes = [];
    this.upgraded = new Set(); // WebSocket sockets, which server.close leaves open
    // hold, while set, is a promise new WebSockets wait for before they go
    // to a node: a slow hand-over, so that a test knows the room moved on
    // while a page was away. held counts those waiting.
    this.hold = null;
    this.held = 0;
    // busy, while set, is how many more offers (POSTs) to a path the
    // balancer answers itself with 503 and Retry-After, as a draining node
    // may: {path, count, retryAfter (s)}. Their routes have node -1.
    this.busy = null;
  }

  // start listens on a free loopback port and resolves with the base URL
  // the pages are opened on.
  async start() {
    this.server = http.createServer((req, res) => this.#forward(req, res));
    this.server.on('upgrade', (req, socket, head) => this.#tunnel(req, socket, head));
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${this.server.address().port}`;
    return this.base;
  }

  async stop() {
    for (const s of this.upgraded) s.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  // #pick is the index of the node to send a new request to; the last node
  // in, whichever it is, is taken unchecked.
  async #pick(req) {
    const pinned = this.pins.find((p) => p.path.test(pathOf(req)))?.node ?? 0;
    const order = [...new Set([pinned, ...this.nodes.keys()])].filter((i) => !this.out.has(i));
    for (const i of order.slice(0, -1)) {
      if (await this.#ready(this.nodes[i])) return i;
      this.out.add(i);
    }
    return order.at(-1);
  }

  async #ready(node) {
    try {
      const res = await fetch(new URL('/readyz', node), { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false; // gone: as not ready
    }
  }

  #route(kind, req, node) {
    const url = new URL(req.url, 'http://balancer');
    this.routes.push({ kind, path: url.pathname, after: url.searchParams.get('after'), node });
  }

  async #forward(req, res) {
    if (this.#refuse(req, res)) return;
    const i = await this.#pick(req);
    this.#route('http', req, i);
    const node = this.nodes[i];
    // One connection to the node per request: a pooled one would outlive
    // the node it was opened to.
    const up = http.request({
      host: node.hostname, port: node.port, method: req.method, path: req.url,
      headers: { ...req.headers, connection: 'close' }, agent: false,
    }, (upRes) => {
      res.writeHead(upRes.statusCode, upRes.statusMessage, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    });
    req.pipe(up);
  }

  #refuse(req, res) {
    const busy = this.busy;
    if (!busy || busy.count <= 0 || req.method !== 'POST' || pathOf(req) !== busy.path) return false;
    busy.count--;
    this.#route('http', req, -1);
    req.resume();
    res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': String(busy.retryAfter) });
    res.end(JSON.stringify({ error: { code: 'shutting_down', message: 'node draining' } }));
    return true;
  }

  // #tunnel passes a WebSocket's upgrade request to a node and then its
  // bytes both ways, close frames and codes as they are.
  async #tunnel(req, socket, head) {
    this.upgraded.add(socket);
    socket.on('close', () => this.upgraded.delete(socket));
    socket.on('error', () => socket.destroy());
    if (this.hold) {
      this.held++;
      await this.hold;
      this.held--;
    }
    const i = await this.#pick(req);
    if (socket.destroyed) return;
    this.#route('ws', req, i);
    const node = this.nodes[i];
    const up = net.connect(Number(node.port), node.hostname);
    up.on('error', () => socket.destroy());
    socket.on('close', () => up.destroy());
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let k = 0; k < req.rawHeaders.length; k += 2) lines.push(`${req.rawHeaders[k]}: ${req.rawHeaders[k + 1]}`);
    up.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  }
}

function pathOf(req) {
  return new URL(req.url, 'http://balancer').pathname;
}
