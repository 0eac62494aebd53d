import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Request } from '../../../src/http/request.js';
import { startProxy } from '../../fixtures/proxy-server.js';
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
      // Bodies from w3lib's tests/test_html.py (TestGetMetaRefresh): a refresh a browser with
      // scripts on never acts upon.
      '/noscript-refresh': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><head><noscript><meta http-equiv="refresh" content="0;url=/page/6" /></noscript></head><body>content</body></html>');
      },
      '/script-refresh': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><head><script>if(!foobar()){ $('<meta http-equiv="refresh" content="0;url=/page/7" />').appendTo('body'); }</script></head></html>`);
      },
      '/script-space-refresh': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<script>var x = '<meta http-equiv="refresh" content="0;url=/page/8">';</script >`);
      },
      '/commented-refresh': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!--<meta http-equiv="refresh" content="0; url=/page/9">-->');
      },
      '/visible-refresh': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!-- commented --><noscript>js</noscript><meta content="0;url=/page/10" http-equiv="refresh">-->');
      },
      '/base-refresh': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><head><base href="/page/"><meta http-equiv="refresh" content="0; url=16"></head></html>');
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

test('a 3xx named by meta.handleHttpStatusList / handleHttpStatusAll or httpErrors.allowedCodes reaches the callback', async () => {
  a.resetCounters();
  const { seen } = await fetchAll(
    [
      new Request({ url: `${a.url}/redirect?to=/page/11&status=302`, meta: { handleHttpStatusList: [404, 302] } }),
      new Request({ url: `${a.url}/redirect?to=/page/12&status=307`, meta: { handleHttpStatusAll: true } }),
      new Request({ url: `${a.url}/redirect?to=/page/13&status=301` }),
      // Listed for another status: this one is followed.
      new Request({ url: `${a.url}/redirect?to=/page/14&status=302`, meta: { handleHttpStatusList: [301] } }),
    ],
    { httpErrors: { allowedCodes: [301] } },
  );
  const status = (to: string) => seen.find((s) => s.url.includes(`to=${to}`))?.status;
  assert.equal(status('/page/11'), 302);
  assert.equal(status('/page/12'), 307);
  assert.equal(status('/page/13'), 301);
  for (const page of ['/page/11', '/page/12', '/page/13']) assert.equal(a.hits.get(page), undefined, `${page} not fetched`);
  assert.equal(a.hits.get('/page/14'), 1, 'a 302 not listed is followed');
  // httpErrors.allowAll lets every status through to callbacks (fetchAll sets it) yet redirects are still followed.
  const followed = await fetchAll([new Request(`${a.url}/redirect?to=/page/15`)], { httpErrors: { allowAll: true } });
  assert.equal(followed.seen[0]?.url, `${a.url}/page/15`);
});

test('a meta refresh inside <noscript>, <script> or a comment is ignored: the page reaches its callback', async () => {
  const paths = ['/noscript-refresh', '/script-refresh', '/script-space-refresh', '/commented-refresh'];
  const { seen, stats } = await fetchAll([...paths, '/visible-refresh'].map((path) => new Request(`${a.url}${path}`)));
  for (const path of paths) assert.equal(seen.find((s) => s.url === `${a.url}${path}`)?.status, 200, path);
  assert.equal(stat(stats, 'redirect/status/meta_refresh'), 1, 'only the visible one is followed');
  assert.deepEqual(seen.find((s) => s.url.endsWith('/page/10'))?.redirectUrls, [`${a.url}/visible-refresh`]);
});

test('a meta refresh URL is joined against the page <base href>, as Scrapy (get_base_url) does', async () => {
  const { seen } = await fetchAll([new Request(`${a.url}/base-refresh`)]);
  assert.deepEqual(seen.map((s) => s.url), [`${a.url}/page/16`]);
});

test('Location bytes: UTF-8 is read as UTF-8, other bytes are percent-encoded as they are (raw server)', async () => {
  // A raw server: Node's http module would re-encode header strings; this writes the bytes.
  const sockets = new Set<Socket>();
  const raw: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const path = head.slice(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
      head = '';
      const location =
        path === '/utf8' ? Buffer.from('/ação?q=ç', 'utf8') : path === '/latin1' ? Buffer.from('/ação', 'latin1') : null;
      if (location) {
        socket.write(Buffer.concat([Buffer.from('HTTP/1.1 302 Found\r\nLocation: '), location, Buffer.from('\r\nContent-Length: 0\r\n\r\n')]));
      } else {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(path)}\r\n\r\n${path}`);
      }
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(raw.address() as { port: number }).port}`;
  try {
    const { seen } = await fetchAll([new Request(`${base}/utf8`), new Request(`${base}/latin1`)]);
    const urls = seen.map((s) => s.url).sort();
    assert.deepEqual(urls, [`${base}/a%C3%A7%C3%A3o?q=%C3%A7`, `${base}/a%E7%E3o`]);
    assert.deepEqual(seen.map((s) => s.body).sort(), ['/a%C3%A7%C3%A3o?q=%C3%A7', '/a%E7%E3o'], 'the server saw those bytes');
  } finally {
    for (const socket of sockets) socket.destroy();
    raw.close();
  }
});

test('proxy credentials follow the proxy, not the origin: a cross-origin hop through meta.proxy still authenticates, and no site sees them', async () => {
  // Scrapy's test_meta_proxy_* cases: the proxy (and its credentials) of meta.proxy stay on the
  // hop. Arachne sends them to the proxy only (CONNECT), never as a header to the target.
  const proxy = await startProxy({ auth: { user: 'u', password: 'p' } });
  try {
    const { seen } = await fetchAll([
      new Request({ url: `${a.url}/redirect?to=${encodeURIComponent(`${b.url}/echo?via-proxy`)}`, meta: { proxy: proxy.authUrl } }),
    ]);
    const echo = JSON.parse(seen.find((s) => s.url.endsWith('?via-proxy'))!.body!) as { headers: Record<string, string> };
    assert.equal(echo.headers['proxy-authorization'], undefined, 'the target never sees proxy credentials');
    assert.equal(proxy.authFailures, 0);
    assert.equal(proxy.tunnels, 2, 'both origins were reached through the authenticated proxy');
  } finally {
    await proxy.close();
  }
});

test('a Location without a fragment inherits the request fragment (RFC 9110 10.2.2, Scrapy test_redirect_keeps_fragment)', async () => {
  const { seen, stats } = await fetchAll([
    new Request(`${a.url}/redirect?to=/page/17#frag`),
    new Request(`${a.url}/redirect?to=${encodeURIComponent('/page/18')}&k=1#original`),
    new Request(`${a.url}/redirect?to=${encodeURIComponent('/page/19#target')}&k=2#original`),
    new Request(`${a.url}/self#x`),
  ]);
  const urls = seen.filter((s) => s.status === 200).map((s) => s.url).sort();
  assert.deepEqual(urls, [`${a.url}/page/17#frag`, `${a.url}/page/18#original`, `${a.url}/page/19#target`]);
  assert.equal(stat(stats, 'request/failed/ERR_REDIRECT_LOOP'), 1, 'a fragment does not hide a loop');
});
