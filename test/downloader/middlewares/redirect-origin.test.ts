/**
 * Credentials across redirect hops, against one loopback port that speaks both https and http
 * (the first byte of a connection tells a TLS handshake from a request line), so a hop from
 * https://127.0.0.1:P to http://127.0.0.1:P changes the scheme only: the downgrade case.
 * The certificate is self-signed, made at test time with openssl (as test/downloader/tls.test.ts).
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Request } from '../../../src/http/request.js';
import { fetchAll } from '../fetch-spider.js';
import { listen, selfSignedCert } from '../../helpers/http-server.js';

type Echo = { url: string; headers: Record<string, string | undefined> };

let port: number;
let other: number;
const sockets = new Set<Socket>();
const closers: (() => void)[] = [];

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x.invalid');
  const to = url.searchParams.get('to') ?? '/';
  switch (url.pathname) {
    case '/redirect':
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: to, 'content-length': '0' });
      return void res.end();
    case '/login':
      // One Secure cookie, one plain, then off to `to`.
      res.writeHead(302, { location: to, 'set-cookie': ['sec=1; Secure; Path=/', 'plain=1; Path=/'], 'content-length': '0' });
      return void res.end();
    case '/refresh':
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end(`<html><head><meta http-equiv="refresh" content="0; url=${to}"></head></html>`);
    default:
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  }
}

before(async () => {
  const { key, cert } = selfSignedCert();
  const https = createHttpsServer({ key, cert }, handler);
  const http = createHttpServer(handler);
  const dual = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (chunk) => {
      socket.pause();
      socket.unshift(chunk);
      // 0x16: a TLS handshake record; anything else is a plain HTTP request line.
      (chunk[0] === 0x16 ? https : http).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  port = await listen(dual);
  const second = createHttpServer(handler);
  second.on('connection', (socket: Socket) => sockets.add(socket));
  other = await listen(second);
  closers.push(() => dual.close(), () => second.close());
});
after(() => {
  for (const socket of sockets) socket.destroy();
  for (const close of closers) close();
});

const credentials = { authorization: 'Bearer secret', cookie: 'session=1', 'proxy-authorization': 'Basic cDpx', 'x-safe': 'kept', referer: 'https://127.0.0.1/secret-page' };
const config = { download: { verifyTls: false }, cookies: { enabled: false } };

function echoOf(seen: { url: string; body?: string }[], suffix: string): Echo {
  const hit = seen.find((s) => s.url.endsWith(suffix));
  assert.ok(hit?.body, `a response for ${suffix}`);
  return JSON.parse(hit.body) as Echo;
}

test('an https -> http hop on the same host and port drops Authorization, Proxy-Authorization and a set Cookie', async () => {
  const https = `https://127.0.0.1:${port}`;
  const http = `http://127.0.0.1:${port}`;
  const { seen } = await fetchAll(
    [
      new Request({ url: `${https}/redirect?to=${encodeURIComponent(`${http}/echo?down`)}`, headers: credentials }),
      new Request({ url: `${https}/redirect?to=${encodeURIComponent('/echo?same')}`, headers: credentials }),
      new Request({ url: `${https}/refresh?to=${encodeURIComponent(`${http}/echo?refresh-down`)}`, headers: credentials }),
    ],
    config,
  );
  const down = echoOf(seen, '?down');
  assert.equal(down.headers.authorization, undefined);
  assert.equal(down.headers['proxy-authorization'], undefined);
  assert.equal(down.headers.cookie, undefined);
  assert.equal(down.headers['x-safe'], 'kept', 'other headers survive');
  assert.equal(down.headers.referer, undefined, 'no Referer on a downgrade (no-referrer-when-downgrade)');
  const refreshed = echoOf(seen, '?refresh-down');
  assert.equal(refreshed.headers.authorization, undefined, 'a meta refresh hop follows the same rule');
  assert.equal(refreshed.headers.cookie, undefined);
  const same = echoOf(seen, '?same');
  assert.equal(same.headers.authorization, 'Bearer secret', 'same origin keeps them');
  assert.equal(same.headers.cookie, 'session=1');
  assert.equal(same.headers['proxy-authorization'], 'Basic cDpx');
  assert.equal(same.headers.referer, 'https://127.0.0.1/secret-page');
});

test('an http -> https upgrade and a port change are origin changes too: credentials are dropped', async () => {
  const http = `http://127.0.0.1:${port}`;
  const { seen } = await fetchAll(
    [
      new Request({ url: `${http}/redirect?to=${encodeURIComponent(`https://127.0.0.1:${port}/echo?up`)}`, headers: credentials }),
      new Request({ url: `${http}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${other}/echo?port`)}`, headers: credentials }),
      // An explicit default-less port that equals the current one is the same origin.
      new Request({ url: `${http}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${port}/echo?explicit`)}`, headers: credentials }),
    ],
    config,
  );
  for (const suffix of ['?up', '?port']) {
    const echo = echoOf(seen, suffix);
    assert.equal(echo.headers.authorization, undefined, `${suffix} authorization`);
    assert.equal(echo.headers.cookie, undefined, `${suffix} cookie`);
    assert.equal(echo.headers['proxy-authorization'], undefined, `${suffix} proxy-authorization`);
  }
  assert.equal(echoOf(seen, '?explicit').headers.authorization, 'Bearer secret');
  assert.equal(echoOf(seen, '?up').headers.referer, 'https://127.0.0.1/secret-page', 'an upgrade keeps the Referer');
});

test('cookies from the jar follow its own rules on a downgrade: the Secure one stays on https', async () => {
  const https = `https://127.0.0.1:${port}`;
  const http = `http://127.0.0.1:${port}`;
  const { seen, stats } = await fetchAll(
    [
      new Request(`${https}/login?to=${encodeURIComponent(`${http}/redirect?to=${encodeURIComponent(`${https}/echo?back`)}`)}`),
    ],
    { download: { verifyTls: false } },
  );
  assert.equal(stats['cookies/stored'], 2, 'both cookies were stored');
  const trail = seen.find((s) => s.url.endsWith('?back'));
  // The http hop in the middle is a /redirect: it went out, and the final https page echoes.
  assert.deepEqual(trail?.redirectUrls?.length, 2);
  const back = echoOf(seen, '?back');
  assert.match(back.headers.cookie ?? '', /sec=1/, 'https gets the Secure cookie');
  assert.match(back.headers.cookie ?? '', /plain=1/);

  const direct = await fetchAll(
    [new Request(`${https}/login?to=${encodeURIComponent(`${http}/echo?plain`)}`)],
    { download: { verifyTls: false } },
  );
  const plain = echoOf(direct.seen, '?plain');
  assert.equal(plain.headers.cookie, 'plain=1', 'http (loopback included) never gets the Secure cookie');
});
