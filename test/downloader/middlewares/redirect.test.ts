import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { Request } from '../../../src/http/request.js';
import { closeSites, startSites, type Site } from '../../fixtures/site.js';
import { stat } from '../../helpers/crawl.js';
import { fetchAll } from '../fetch-spider.js';

let a: Site;
let b: Site;
before(async () => {
  const redirect = (to: string, status = 302) => (_req: unknown, res: ServerResponse) => {
    res.writeHead(status, { location: to, 'content-length': '0' });
    res.end();
  };
  [a, b] = await startSites(2, {
    routes: {
      '/loop-a': redirect('/loop-b'),
      '/loop-b': redirect('/loop-a'),
      '/self': redirect('/self'),
      '/bad-location': redirect('http://[::1'),
      '/ftp': redirect('ftp://example.com/file'),
      '/js': redirect('javascript:alert(1)'),
      '/no-location': (_req, res) => {
        res.writeHead(302, { 'content-length': '2' });
        res.end('no');
      },
      '/refresh': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><head><meta http-equiv="refresh" content="0; url=/page/2"></head><body>moved</body></html>');
      },
      '/slow-refresh': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><head><meta http-equiv="refresh" content="3600; url=/page/2"></head><body>later</body></html>');
      },
    },
  });
});
after(() => closeSites([a, b]));

test('a chain of redirects arrives at the end, recording every hop in meta.redirectUrls', async () => {
  a.resetCounters();
  const end = `${a.url}/page/1`;
  const mid = `${a.url}/redirect?to=${encodeURIComponent(end)}&status=301`;
  const first = `${a.url}/redirect?to=${encodeURIComponent(mid)}&status=307`;
  const { seen, stats } = await fetchAll([new Request(first)]);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.url, end);
  assert.equal(seen[0]!.status, 200);
  assert.deepEqual(seen[0]!.redirectUrls, [first, mid]);
  assert.equal(stat(stats, 'redirect/count'), 2);
  assert.equal(stat(stats, 'redirect/status/301'), 1);
  assert.equal(stat(stats, 'redirect/status/307'), 1);
  assert.equal(a.hits.get('/page/1'), 1);
});

test('loops and redirect.maxTimes stop with counted coded errors', async () => {
  const hops = (n: number): string => `${a.url}/redirect?to=${encodeURIComponent(n === 0 ? '/page/0' : hops(n - 1))}`;
  const { seen, stats } = await fetchAll(
    [new Request(`${a.url}/loop-a`), new Request(`${a.url}/self`), new Request({ url: hops(4), userData: { id: 'long' } })],
    { redirect: { maxTimes: 3 } },
  );
  const failed = (url: string) => seen.find((s) => s.failed && s.url.includes(url))?.failed;
  assert.equal(failed('/loop-'), 'ERR_REDIRECT_LOOP');
  assert.equal(failed('/self'), 'ERR_REDIRECT_LOOP');
  assert.equal(seen.find((s) => s.userData?.id === 'long')?.failed, 'ERR_REDIRECT_MAX');
  assert.equal(stat(stats, 'request/failed/ERR_REDIRECT_LOOP'), 2);
  assert.equal(stat(stats, 'request/failed/ERR_REDIRECT_MAX'), 1);
  assert.equal(stat(stats, 'redirect/failed/ERR_REDIRECT_MAX'), 1);
  assert.ok(!seen.some((s) => s.status !== undefined), 'no response reached the callback');
});

test('301/302/303 turn a POST into a GET without body; 307/308 keep method and body', async () => {
  const post = (status: number) =>
    new Request({
      url: `${a.url}/redirect?status=${status}&to=${encodeURIComponent(`/echo?from=${status}`)}`,
      method: 'POST',
      body: 'x=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  const { seen } = await fetchAll([301, 302, 303, 307, 308].map(post));
  const echoes = new Map(seen.map((s) => [Number(new URL(s.url).searchParams.get('from')), JSON.parse(s.body!) as { method: string; body: string; headers: Record<string, string> }]));
  for (const status of [301, 302, 303]) {
    assert.equal(echoes.get(status)?.method, 'GET', `${status} method`);
    assert.equal(echoes.get(status)?.body, '', `${status} body`);
    assert.equal(echoes.get(status)?.headers['content-type'], undefined, `${status} content-type dropped`);
  }
  for (const status of [307, 308]) {
    assert.equal(echoes.get(status)?.method, 'POST', `${status} method`);
    assert.equal(echoes.get(status)?.body, 'x=1', `${status} body`);
  }
});

test('Authorization and Cookie are dropped when the host changes, kept on the same host', async () => {
  const headers = { authorization: 'Bearer secret', cookie: 'session=1' };
  const { seen } = await fetchAll(
    [
      new Request({ url: `${a.url}/redirect?to=${encodeURIComponent(`${b.url}/echo?cross`)}`, headers }),
      new Request({ url: `${a.url}/redirect?to=${encodeURIComponent('/echo?same')}`, headers }),
    ],
    { cookies: { enabled: false } },
  );
  const cross = JSON.parse(seen.find((s) => s.url.endsWith('?cross'))!.body!) as { headers: Record<string, string> };
  const same = JSON.parse(seen.find((s) => s.url.endsWith('?same'))!.body!) as { headers: Record<string, string> };
  assert.equal(cross.headers.authorization, undefined);
  assert.equal(cross.headers.cookie, undefined);
  assert.equal(same.headers.authorization, 'Bearer secret');
  assert.equal(same.headers.cookie, 'session=1');
});

test('a redirect to a non-http scheme or an invalid Location is counted, and the crawl goes on', async () => {
  const { seen, stats, reason } = await fetchAll([
    new Request(`${a.url}/ftp`),
    new Request(`${a.url}/js`),
    new Request(`${a.url}/bad-location`),
    new Request(`${a.url}/no-location`),
    new Request(`${a.url}/page/3`),
  ]);
  assert.equal(reason, 'finished');
  assert.equal(stat(stats, 'request/failed/ERR_REDIRECT_SCHEME'), 2);
  assert.equal(stat(stats, 'request/failed/ERR_REDIRECT_INVALID'), 1);
  // A 3xx without Location is a final response.
  assert.equal(seen.find((s) => s.url.endsWith('/no-location'))?.status, 302);
  assert.equal(seen.find((s) => s.url.endsWith('/page/3'))?.status, 200);
});

test('meta refresh is followed (within redirect.metaRefreshMaxDelayMs); meta.dontRedirect keeps the 3xx', async () => {
  const { seen, stats } = await fetchAll([
    new Request(`${a.url}/refresh`),
    new Request(`${a.url}/slow-refresh`),
    new Request({ url: `${a.url}/redirect?to=/page/4`, meta: { dontRedirect: true } }),
  ]);
  const page2 = seen.find((s) => s.url.endsWith('/page/2'));
  assert.deepEqual(page2?.redirectUrls, [`${a.url}/refresh`]);
  assert.equal(stat(stats, 'redirect/status/meta_refresh'), 1);
  assert.equal(seen.find((s) => s.url.endsWith('/slow-refresh'))?.status, 200);
  assert.equal(seen.find((s) => s.url.includes('/redirect?to=/page/4'))?.status, 302);
  assert.ok(!seen.some((s) => new URL(s.url).pathname === '/page/4'), 'the dontRedirect hop was not followed');
});

test('hops pass the seen set: two redirects to one page fetch it once', async () => {
  a.resetCounters();
  const { seen, stats } = await fetchAll([
    new Request(`${a.url}/redirect?to=/page/5&n=1`),
    new Request(`${a.url}/redirect?to=/page/5&n=2`),
  ]);
  assert.equal(a.hits.get('/page/5'), 1);
  assert.equal(seen.filter((s) => s.url.endsWith('/page/5')).length, 1);
  assert.ok(stat(stats, 'scheduler/duplicates') >= 1);
});
