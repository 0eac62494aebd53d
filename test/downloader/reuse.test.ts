/**
 * Connection reuse, counted by the server: the crawl's `connections/*` stats must report the
 * same number of sockets the server accepted.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { Request } from '../../src/http/request.js';
import { startSite } from '../fixtures/site.js';
import { stat } from '../helpers/crawl.js';
import { fetchAll } from './fetch-spider.js';

interface Counted {
  url: string;
  connections: () => number;
  requests: () => number;
}

/**
 * A keep-alive server on 127.0.0.1:0 that answers every path with a small page. `perSocket`
 * decides, from the socket's request count (1-based), what to do: answer, answer with
 * `connection: close`, or destroy the socket without answering (a server that closed it).
 */
async function servePerSocket(t: TestContext, perSocket: (n: number) => 'ok' | 'close' | 'destroy', setup?: (server: ReturnType<typeof createServer>) => void): Promise<Counted> {
  const counts = new WeakMap<Socket, number>();
  let connections = 0;
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const n = (counts.get(req.socket) ?? 0) + 1;
    counts.set(req.socket, n);
    const action = perSocket(n);
    if (action === 'destroy') return void req.socket.destroy();
    requests++;
    const body = `<html><body><p>${req.url}</p></body></html>`;
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(body.length), ...(action === 'close' ? { connection: 'close' } : {}) });
    res.end(body);
  });
  setup?.(server);
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, requests: () => requests };
}

const pages = (base: string, n: number) => () => Array.from({ length: n }, (_, i) => new Request(`${base}/page/${i}`));

test('2,000 pages at per-domain concurrency 8 open at most 8 + 1% sockets, and the stats agree with the server', async () => {
  const site = await startSite({ pages: 2_000, linksPerPage: 0 });
  try {
    const { stats, seen } = await fetchAll(pages(site.url, 2_000), { concurrency: { perDomain: 8, global: 16 } });
    assert.equal(seen.filter((s) => s.status === 200).length, 2_000);
    assert.ok(site.connections <= 8 + 20, `server counted ${site.connections} connections`);
    assert.equal(stat(stats, 'connections/new'), site.connections, 'connections/new = what the server accepted');
    assert.equal(stat(stats, 'connections/opened'), site.connections, 'connections/opened = what the server accepted');
    assert.equal(stat(stats, 'connections/new') + stat(stats, 'connections/reused'), 2_000);
    assert.ok(stat(stats, 'connections/reuse_rate') >= 0.99, `reuse rate ${stats['connections/reuse_rate']}`);
    assert.equal(stats['connections/requests_per_socket'], Math.round((2_000 / site.connections) * 100) / 100);
  } finally {
    await site.close();
  }
});

test('a server that closes each socket after 100 requests (nginx keepalive_requests) loses no request', async (t) => {
  const server = await servePerSocket(t, (n) => (n === 100 ? 'close' : 'ok'));
  const { stats, seen } = await fetchAll(pages(server.url, 1_000), { concurrency: { perDomain: 4, global: 4 } });
  assert.equal(seen.filter((s) => s.status === 200).length, 1_000);
  assert.equal(stat(stats, 'request/failed'), 0);
  assert.equal(server.requests(), 1_000);
  assert.equal(stat(stats, 'connections/new'), server.connections());
  assert.ok(server.connections() <= 1_000 / 100 + 4 + 2, `server counted ${server.connections()}`);
  assert.ok(stat(stats, 'connections/reuse_rate') >= 0.98, `reuse rate ${stats['connections/reuse_rate']}`);
});

test('a server that sends Keep-Alive: timeout=2 keeps its sockets reused', async (t) => {
  const server = await servePerSocket(t, () => 'ok', (s) => {
    // Node sends `Keep-Alive: timeout=<keepAliveTimeout in s>` on every kept-alive response.
    s.keepAliveTimeout = 2_000;
  });
  const { stats, seen } = await fetchAll(pages(server.url, 500), { concurrency: { perDomain: 4, global: 4 } });
  assert.equal(seen.filter((s) => s.status === 200).length, 500);
  assert.equal(stat(stats, 'connections/new'), server.connections());
  assert.ok(stat(stats, 'connections/reuse_rate') >= 0.98, `reuse rate ${stats['connections/reuse_rate']}`);
});

test('a socket the server drops without a word is resent at once: not a retry, counted as stale', async (t) => {
  // Every socket's 51st request finds the socket destroyed: the request went out on a kept-alive
  // connection the server had closed (DESIGN.md section 8).
  const server = await servePerSocket(t, (n) => (n === 51 ? 'destroy' : 'ok'));
  const { stats, seen } = await fetchAll(pages(server.url, 400), { concurrency: { perDomain: 2, global: 2 }, retry: { enabled: true } });
  assert.equal(seen.filter((s) => s.status === 200).length, 400);
  assert.equal(server.requests(), 400);
  assert.ok(stat(stats, 'connections/stale_retries') >= 1, `stale retries ${stats['connections/stale_retries']}`);
  assert.equal(stat(stats, 'retry/count'), 0, 'stale-socket resends are not retries');
  assert.equal(stat(stats, 'connections/new'), server.connections());
});

test('pool.maxRequestsPerSocket = 10 opens one socket per 10 requests, as the server counts', async (t) => {
  const server = await servePerSocket(t, () => 'ok');
  const { stats, seen } = await fetchAll(pages(server.url, 200), { concurrency: { perDomain: 4, global: 4 }, pool: { maxRequestsPerSocket: 10 } });
  assert.equal(seen.filter((s) => s.status === 200).length, 200);
  assert.ok(server.connections() >= 20 && server.connections() <= 22, `server counted ${server.connections()}`);
  assert.equal(stat(stats, 'connections/new'), server.connections());
});
