/** Bad input at the downloader: each case is handled and counted, and the crawl goes on. */
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { startSite, type Site } from '../fixtures/site.js';
import { stat } from '../helpers/crawl.js';
import { fetchAll } from './fetch-spider.js';

let site: Site;
const truncated = gzipSync(Buffer.alloc(64 * 1024, 'a')).subarray(0, 40);
before(async () => {
  site = await startSite({
    routes: {
      '/truncated-gzip': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': String(truncated.length) });
        res.end(truncated);
      },
    },
  });
});
after(() => site.close());

test('a response header undici rejects is a counted ERR_BAD_RESPONSE, not a crash', async (t) => {
  const sockets = new Set<Socket>();
  const raw = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nBad Header Name: x\r\ncontent-length: 2\r\n\r\nok'));
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    raw.close();
  });
  const url = `http://127.0.0.1:${(raw.address() as { port: number }).port}`;
  const { seen, stats, reason } = await fetchAll([new Request(`${url}/x`), new Request(`${site.url}/page/1`)], { retry: { enabled: true } });
  assert.equal(reason, 'finished');
  assert.equal(seen.find((s) => s.url.startsWith(url))?.failed, 'ERR_BAD_RESPONSE');
  assert.equal(stat(stats, 'request/failed/ERR_BAD_RESPONSE'), 1);
  assert.equal(stat(stats, 'retry/count'), 0, 'a malformed response is not retried');
  assert.equal(seen.find((s) => s.url.endsWith('/page/1'))?.status, 200);
});

test('a request header with CR/LF, a truncated gzip body and a gzip bomb are each counted; items survive', async () => {
  const { seen, stats, reason } = await fetchAll(
    [
      new Request({ url: `${site.url}/echo`, headers: { 'x-evil': 'a\r\nInjected: yes' } }),
      new Request(`${site.url}/truncated-gzip`),
      new Request(`${site.url}/gzip-bomb?bytes=${64 * 1024 * 1024}`),
      new Request(`${site.url}/page/2`),
    ],
    { download: { maxResponseBytes: 1024 * 1024 } },
  );
  assert.equal(reason, 'finished');
  assert.equal(seen.find((s) => s.url.endsWith('/echo'))?.failed, 'ERR_INVALID_REQUEST');
  assert.equal(seen.find((s) => s.url.endsWith('/truncated-gzip'))?.failed, 'ERR_DECOMPRESSION');
  assert.equal(seen.find((s) => s.url.includes('/gzip-bomb'))?.failed, 'ERR_RESPONSE_TOO_LARGE');
  assert.equal(stat(stats, 'request/failed/ERR_INVALID_REQUEST'), 1);
  assert.equal(stat(stats, 'request/failed/ERR_DECOMPRESSION'), 1);
  assert.equal(stat(stats, 'request/failed/ERR_RESPONSE_TOO_LARGE'), 1);
  assert.equal(seen.find((s) => s.url.endsWith('/page/2'))?.status, 200, 'the good page was still scraped');
});
