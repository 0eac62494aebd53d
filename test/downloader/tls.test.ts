/** HTTPS against a self-signed certificate made at test time with openssl, and opt-in HTTP/2. */
import assert from 'node:assert/strict';
import { createSecureServer } from 'node:http2';
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { stat } from '../helpers/crawl.js';
import { fetchAll } from './fetch-spider.js';
import { listen, selfSignedCert } from '../helpers/http-server.js';

let key: Buffer;
let cert: Buffer;
before(() => {
  ({ key, cert } = selfSignedCert());
});

const servers: { close(): void; closeAllConnections?(): void }[] = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections?.();
    server.close();
  }
});

test('a self-signed certificate fails with ERR_TLS_CERT naming the fix, unless download.verifyTls is false', async () => {
  const server = createServer({ key, cert }, (req, res) => res.end(`secure ${req.url}`));
  servers.push(server);
  const url = `https://127.0.0.1:${await listen(server)}`;
  const refused = await fetchAll([new Request(`${url}/a`)]);
  assert.equal(refused.seen[0]?.failed, 'ERR_TLS_CERT');
  assert.equal(stat(refused.stats, 'request/failed/ERR_TLS_CERT'), 1);
  assert.ok(refused.logs.some((line) => line.includes('download.verifyTls=false')), 'the log names the setting');

  const accepted = await fetchAll([new Request(`${url}/a`), new Request(`${url}/b`)], { download: { verifyTls: false } });
  assert.deepEqual(accepted.seen.map((s) => s.body).sort(), ['secure /a', 'secure /b']);
});

test('pool.http2: requests share one TLS socket as streams; each stream after the first counts as reused', async () => {
  const sockets = new Set<Socket>();
  const protocols: string[] = [];
  const server = createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
    protocols.push(req.httpVersion);
    res.end(`h${req.httpVersion} ${req.url}`);
  });
  server.on('secureConnection', (socket: Socket) => sockets.add(socket));
  servers.push(server);
  const url = `https://127.0.0.1:${await listen(server)}`;
  const n = 40;
  const { seen, stats } = await fetchAll(
    Array.from({ length: n }, (_, i) => new Request(`${url}/p${i}`)),
    { download: { verifyTls: false }, pool: { http2: true }, concurrency: { perDomain: 8 } },
  );
  assert.equal(seen.filter((s) => s.status === 200).length, n);
  assert.ok(protocols.every((p) => p === '2.0'), 'every request went over HTTP/2');
  assert.equal(stat(stats, 'connections/new'), sockets.size, 'new = TLS sockets the server accepted');
  assert.equal(stat(stats, 'connections/reused'), n - sockets.size);

  protocols.length = 0;
  await fetchAll([new Request(`${url}/h1`)], { download: { verifyTls: false } });
  assert.deepEqual(protocols, ['1.1'], 'without pool.http2 the same server is spoken to in HTTP/1.1');
});
