import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { LookupFunction, Socket } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { performance } from 'node:perf_hooks';
import { Transport } from '../../src/downloader/transport.js';
import { Request } from '../../src/http/request.js';
import { rejectsWith } from '../helpers/assert-code.js';
import { serve } from '../helpers/http-server.js';
import { transport } from '../helpers/transport.js';
test('200: status, lower-case headers, set-cookie as an array, body, ip, timings', async (t) => {
  const site = await serve(t, (req, res) => {
    res.setHeader('X-Custom', 'yes');
    res.setHeader('Set-Cookie', 'a=1');
    res.setHeader('Content-Type', 'text/plain');
    res.end(`hello ${req.method} ${req.url}`);
  });
  const tr = transport(t);
  const response = await tr.fetch(new Request(`${site.url}/path?q=1`));
  assert.equal(response.status, 200);
  assert.equal(Buffer.from(response.body).toString(), 'hello GET /path?q=1');
  assert.equal(response.headers['x-custom'], 'yes');
  assert.deepEqual(response.headers['set-cookie'], ['a=1']);
  assert.equal(response.header('content-type'), 'text/plain');
  assert.equal(response.ip, '127.0.0.1');
  assert.equal(response.reusedConnection, false);
  assert.equal(response.url, `${site.url}/path?q=1`);
  const { dispatchedAt, headersAt, doneAt } = response.timings;
  assert.ok(headersAt !== undefined && doneAt !== undefined);
  assert.ok(dispatchedAt <= headersAt && headersAt <= doneAt, JSON.stringify(response.timings));
});

test('several set-cookie headers stay separate', async (t) => {
  const site = await serve(t, (_req, res) => {
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    res.end();
  });
  const response = await transport(t).fetch(new Request(site.url));
  assert.deepEqual(response.headers['set-cookie'], ['a=1', 'b=2']);
});

test('4xx and 5xx are returned, not thrown', async (t) => {
  const site = await serve(t, (req, res) => {
    res.statusCode = req.url === '/missing' ? 404 : 500;
    res.end('nope');
  });
  const tr = transport(t);
  const missing = await tr.fetch(new Request(`${site.url}/missing`));
  const broken = await tr.fetch(new Request(`${site.url}/broken`));
  assert.equal(missing.status, 404);
  assert.equal(broken.status, 500);
  assert.equal(Buffer.from(broken.body).toString(), 'nope');
});

test('3xx is returned as is: redirects are not followed', async (t) => {
  const site = await serve(t, (req, res) => {
    if (req.url === '/from') {
      res.writeHead(302, { location: '/to' }).end();
    } else {
      res.end('target');
    }
  });
  const response = await transport(t).fetch(new Request(`${site.url}/from`));
  assert.equal(response.status, 302);
  assert.equal(response.header('location'), '/to');
});

test('request body and headers are sent', async (t) => {
  const site = await serve(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.end(JSON.stringify({ method: req.method, length: req.headers['content-length'], token: req.headers['x-token'], body: Buffer.concat(chunks).toString() }));
    });
  });
  const tr = transport(t);
  const response = await tr.fetch(new Request({ url: site.url, method: 'POST', headers: { 'X-Token': 't1' }, body: 'a=1&b=2' }));
  assert.deepEqual(JSON.parse(Buffer.from(response.body).toString()), { method: 'POST', length: '7', token: 't1', body: 'a=1&b=2' });
  const bytes = await tr.fetch(new Request({ url: site.url, method: 'PUT', body: new Uint8Array([104, 105]) }));
  assert.equal(JSON.parse(Buffer.from(bytes.body).toString()).body, 'hi');
});

test('a Content-Length over the cap aborts before the body is read', async (t) => {
  const site = await serve(t, (_req, res) => {
    // Announce 10 MB, send a little, then stall: only a header check can fail fast.
    res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
    res.write(Buffer.alloc(1024));
  });
  const tr = transport(t, { maxResponseBytes: 1024 * 1024, timeoutMs: 10_000 });
  const started = performance.now();
  const error = await rejectsWith(tr.fetch(new Request(`${site.url}/big`)), 'ERR_RESPONSE_TOO_LARGE');
  assert.ok(performance.now() - started < 5_000);
  assert.equal(error.kind, 'drop');
  assert.match(error.message, new RegExp(`${site.url}/big`));
  assert.match(error.message, /1048576/);
  assert.match(error.message, /download\.maxResponseBytes/);
});

test('a chunked body of unknown length is cut at the cap', async (t) => {
  let sent = 0;
  const site = await serve(t, (_req, res) => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    // Up to 320 chunks (20 MB); stops once the client goes away.
    const write = (): void => {
      while (sent < 320 && !res.destroyed) {
        sent++;
        if (!res.write(chunk)) {
          res.once('drain', write);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    write();
  });
  const tr = transport(t, { maxResponseBytes: 1024 * 1024 });
  await rejectsWith(tr.fetch(new Request(site.url)), 'ERR_RESPONSE_TOO_LARGE');
  assert.ok(sent < 320, `the server should not have sent all 320 chunks, sent ${sent}`);
});

test('meta.maxResponseBytes overrides the transport cap', async (t) => {
  const site = await serve(t, (_req, res) => res.end(Buffer.alloc(2048)));
  const tr = transport(t, { maxResponseBytes: 0 });
  const ok = await tr.fetch(new Request(site.url));
  assert.equal(ok.body.length, 2048);
  await rejectsWith(tr.fetch(new Request({ url: site.url, meta: { maxResponseBytes: 1000 } })), 'ERR_RESPONSE_TOO_LARGE');
});

test('warnResponseBytes calls onWarning once for a large body', async (t) => {
  const site = await serve(t, (req, res) => res.end(Buffer.alloc(req.url === '/big' ? 5000 : 10)));
  const warnings: string[] = [];
  const tr = transport(t, { warnResponseBytes: 4096, onWarning: (message) => warnings.push(message) });
  await tr.fetch(new Request(`${site.url}/small`));
  assert.equal(warnings.length, 0);
  await tr.fetch(new Request(`${site.url}/big`));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /\/big/);
  assert.match(warnings[0]!, /download\.warnResponseBytes/);
});

test('a body that drips forever is cut at timeoutMs', async (t) => {
  const timers = new Set<NodeJS.Timeout>();
  t.after(() => timers.forEach(clearInterval));
  const site = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('.'), 50);
    timers.add(timer);
    res.on('close', () => clearInterval(timer));
  });
  const tr = transport(t, { timeoutMs: 300 });
  const started = performance.now();
  const error = await rejectsWith(tr.fetch(new Request(`${site.url}/drip`)), 'ERR_DOWNLOAD_TIMEOUT');
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 290 && elapsed < 3_000, `cut after ${elapsed} ms`);
  assert.equal(error.kind, 'retry');
  assert.match(error.message, /\/drip/);
  assert.match(error.message, /300 ms/);
  assert.match(error.message, /download\.timeoutMs/);
});

test('meta.downloadTimeoutMs overrides the transport timeout', async (t) => {
  const site = await serve(t, () => {
    // Never answers.
  });
  const tr = transport(t, { timeoutMs: 60_000 });
  const error = await rejectsWith(tr.fetch(new Request({ url: site.url, meta: { downloadTimeoutMs: 100 } })), 'ERR_DOWNLOAD_TIMEOUT');
  assert.match(error.message, /100 ms/);
});

test('a socket destroyed mid-response is ERR_CONNECTION_RESET', async (t) => {
  const site = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('partial');
    setImmediate(() => res.socket?.destroy());
  });
  const error = await rejectsWith(transport(t).fetch(new Request(site.url)), 'ERR_CONNECTION_RESET');
  assert.equal(error.kind, 'retry');
  assert.ok(error.cause !== undefined);
});

test('a refused port is ERR_CONNECTION_REFUSED', async (t) => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const error = await rejectsWith(transport(t).fetch(new Request(`http://127.0.0.1:${port}/`)), 'ERR_CONNECTION_REFUSED');
  assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
});

test('an unknown host is ERR_DNS with a hint', async (t) => {
  const lookup: LookupFunction = (hostname, _options, callback) => {
    const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    callback(error, []);
  };
  const error = await rejectsWith(transport(t, { lookup }).fetch(new Request('http://no-such-host.invalid/')), 'ERR_DNS');
  assert.match(error.hint ?? '', /host name/);
});

test('a connection that does not open in connectTimeoutMs is ERR_CONNECT_TIMEOUT', async (t) => {
  // A lookup that never answers keeps the socket connecting until undici's connect timer fires.
  const lookup: LookupFunction = () => {};
  const tr = transport(t, { lookup, connectTimeoutMs: 100, timeoutMs: 10_000 });
  const error = await rejectsWith(tr.fetch(new Request('http://stuck.test/')), 'ERR_CONNECT_TIMEOUT');
  assert.equal(error.kind, 'retry');
  assert.match(error.message, /download\.connectTimeoutMs/);
});

test('a request undici refuses to send is dropped, not retried', async (t) => {
  const site = await serve(t, (_req, res) => res.end('ok'));
  const error = await rejectsWith(transport(t).fetch(new Request({ url: site.url, headers: { 'x-bad': 'a\r\nb' } })), 'ERR_INVALID_REQUEST');
  assert.equal(error.kind, 'drop');
});

test('a custom lookup decides the address connected to', async (t) => {
  const site = await serve(t, (req, res) => res.end(req.headers.host));
  const asked: string[] = [];
  const lookup = ((hostname: string, options: { all?: boolean }, callback: (error: Error | null, addresses: LookupAddress[] | string, family?: number) => void) => {
    asked.push(hostname);
    // Node 20 asks with {all: true} and wants an array (DESIGN.md section 8).
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  }) as unknown as LookupFunction;
  const response = await transport(t, { lookup }).fetch(new Request(`http://crawl-target.test:${site.port}/`));
  assert.deepEqual(asked, ['crawl-target.test']);
  assert.equal(Buffer.from(response.body).toString(), `crawl-target.test:${site.port}`);
  assert.equal(response.ip, '127.0.0.1');
});

test('keep-alive: 20 sequential requests share one connection', async (t) => {
  const site = await serve(t, (req, res) => res.end(req.url));
  const tr = transport(t);
  const reused: (boolean | undefined)[] = [];
  for (let i = 0; i < 20; i++) {
    const response = await tr.fetch(new Request(`${site.url}/${i}`));
    assert.equal(Buffer.from(response.body).toString(), `/${i}`);
    reused.push(response.reusedConnection);
  }
  assert.equal(site.connections(), 1);
  assert.deepEqual(reused, [false, ...Array<boolean>(19).fill(true)]);
  assert.deepEqual(tr.stats(), { connectionsOpened: 1, requests: 20, staleSocketRetries: 0, byProxy: {}, openedByOrigin: { [site.url]: 1 } });
});

test('concurrent requests open one connection each and report them as new', async (t) => {
  const site = await serve(t, (_req, res) => setImmediate(() => res.end('ok')));
  const tr = transport(t);
  const first = await Promise.all([0, 1, 2].map((i) => tr.fetch(new Request(`${site.url}/${i}`))));
  assert.deepEqual(first.map((r) => r.reusedConnection), [false, false, false]);
  const second = await Promise.all([0, 1, 2].map((i) => tr.fetch(new Request(`${site.url}/${i}`))));
  assert.deepEqual(second.map((r) => r.reusedConnection), [true, true, true]);
  assert.equal(site.connections(), 3);
  assert.equal(tr.stats().connectionsOpened, 3);
});

test("Node's own fetch on the same diagnostics channel does not confuse the reuse record", async (t) => {
  const site = await serve(t, (_req, res) => res.end('ok'));
  const tr = transport(t);
  const first = await tr.fetch(new Request(site.url));
  const viaFetch = await fetch(site.url);
  await viaFetch.text();
  const second = await tr.fetch(new Request(site.url));
  assert.equal(first.reusedConnection, false);
  assert.equal(second.reusedConnection, true);
  assert.equal(tr.stats().requests, 2);
  assert.equal(tr.stats().connectionsOpened, 1);
});

test('Keep-Alive: timeout=2 from the server still allows reuse', async (t) => {
  const site = await serve(t, (_req, res) => {
    res.setHeader('Keep-Alive', 'timeout=2');
    res.end('ok');
  });
  const tr = transport(t);
  const reused: (boolean | undefined)[] = [];
  for (let i = 0; i < 5; i++) reused.push((await tr.fetch(new Request(site.url))).reusedConnection);
  // With undici's default keepAliveTimeoutThreshold (2 s) every request would open a socket.
  assert.deepEqual(reused, [false, true, true, true, true]);
  assert.equal(site.connections(), 1);
});

test('a kept-alive socket the server closes as we write is retried once at once (idempotent only)', async (t) => {
  // The race as the client sees it: the server took the request on an idle socket, then
  // closed it without answering (its keep-alive timer fired as the request arrived).
  const perSocket = new WeakMap<Socket, number>();
  const site = await serve(t, (req, res) => {
    const socket = req.socket;
    const count = (perSocket.get(socket) ?? 0) + 1;
    perSocket.set(socket, count);
    if (count > 1) {
      socket.destroy();
      return;
    }
    res.end(req.url);
  });
  const tr = transport(t);
  for (let i = 0; i < 10; i++) {
    const response = await tr.fetch(new Request(`${site.url}/${i}`));
    assert.equal(Buffer.from(response.body).toString(), `/${i}`);
    assert.equal(response.reusedConnection, false);
  }
  assert.equal(tr.stats().staleSocketRetries, 9);
  assert.equal(tr.stats().requests, 19);

  // A POST is not idempotent: the same failure is reported, not resent.
  await rejectsWith(tr.fetch(new Request({ url: `${site.url}/post`, method: 'POST', body: 'x' })), 'ERR_CONNECTION_RESET');
  assert.equal(tr.stats().staleSocketRetries, 9);
});

test('a server that closes idle sockets right after each response loses no request', async (t) => {
  const site = await serve(t, (req, res) => {
    res.on('finish', () => setImmediate(() => req.socket.destroy()));
    res.end(req.url);
  });
  const tr = transport(t);
  for (let i = 0; i < 10; i++) {
    const response = await tr.fetch(new Request(`${site.url}/${i}`));
    assert.equal(Buffer.from(response.body).toString(), `/${i}`);
  }
  assert.equal(site.connections(), 10);
  assert.equal(tr.stats().connectionsOpened, 10);
});

test('after close, fetch rejects with a coded error', async (t) => {
  const site = await serve(t, (_req, res) => res.end('ok'));
  const tr = new Transport();
  assert.equal((await tr.fetch(new Request(site.url))).status, 200);
  await tr.close();
  await rejectsWith(tr.fetch(new Request(site.url)), 'ERR_TRANSPORT_CLOSED');
  await tr.close();
});
