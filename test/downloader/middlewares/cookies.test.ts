import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { CookiesMiddleware } from '../../../src/downloader/middlewares/cookies.js';
import { Request } from '../../../src/http/request.js';
import { Response } from '../../../src/http/response.js';
import { createLogger } from '../../../src/log.js';
import { mergeSettings } from '../../../src/settings/config.js';
import { Stats } from '../../../src/stats.js';
import { closeSites, startSites, type Site } from '../../fixtures/site.js';
import { stat } from '../../helpers/crawl.js';
import { fetchAll } from '../fetch-spider.js';

let a: Site;
let b: Site;
before(async () => {
  const routes = {
    '/login': (req: IncomingMessage, res: ServerResponse) => {
      const user = new URL(req.url!, 'http://x').searchParams.get('user') ?? 'anon';
      res.writeHead(200, { 'set-cookie': [`session=${user}; Path=/`, 'evil=1; Domain=example.com', 'theme=dark'], 'content-length': '2' });
      res.end('ok');
    },
    '/login-and-go': (_req: unknown, res: ServerResponse) => {
      res.writeHead(302, { 'set-cookie': 'hop=yes; Path=/', location: '/echo?after-hop', 'content-length': '0' });
      res.end();
    },
  };
  [a, b] = await startSites(2, { routes });
});
after(() => closeSites([a, b]));

const cookieOf = (body: string | undefined): string | undefined => (JSON.parse(body!) as { headers: { cookie?: string } }).headers.cookie;

/** Requests in order: a later priority is dispatched later (concurrency 1 keeps it strict). */
function ordered(...requests: Request[]): Request[] {
  return requests.map((r, i) => r.replace({ priority: -i }));
}

test('cookies persist across requests; a cookie for another domain is rejected and counted', async () => {
  const { seen, stats, reason } = await fetchAll(ordered(new Request(`${a.url}/login?user=ann`), new Request(`${a.url}/echo?one`)), {
    concurrency: { perDomain: 1, global: 1 },
  });
  assert.equal(reason, 'finished');
  assert.equal(cookieOf(seen.find((s) => s.url.endsWith('?one'))?.body), 'session=ann; theme=dark');
  assert.equal(stat(stats, 'cookies/stored'), 2);
  assert.equal(stat(stats, 'cookies/rejected'), 1);
});

test('separate jars per meta.cookieJar', async () => {
  const { seen } = await fetchAll(
    ordered(
      new Request({ url: `${a.url}/login?user=ann`, meta: { cookieJar: 'ann' } }),
      new Request({ url: `${a.url}/login?user=bob`, meta: { cookieJar: 'bob' } }),
      new Request({ url: `${a.url}/echo?ann`, meta: { cookieJar: 'ann' } }),
      new Request({ url: `${a.url}/echo?bob`, meta: { cookieJar: 'bob' } }),
      new Request({ url: `${a.url}/echo?none` }),
    ),
    { concurrency: { perDomain: 1, global: 1 } },
  );
  assert.equal(cookieOf(seen.find((s) => s.url.endsWith('?ann'))?.body), 'session=ann; theme=dark');
  assert.equal(cookieOf(seen.find((s) => s.url.endsWith('?bob'))?.body), 'session=bob; theme=dark');
  assert.equal(cookieOf(seen.find((s) => s.url.endsWith('?none'))?.body), undefined);
});

test('a redirect stores the 3xx cookie, and the hop to another host carries that host\'s cookies only', async () => {
  const { seen } = await fetchAll(
    ordered(
      new Request(`${b.url}/login?user=bea`),
      new Request(`${a.url}/login-and-go`),
      new Request(`${a.url}/redirect?to=${encodeURIComponent(`${b.url}/echo?cross`)}`),
    ),
    { concurrency: { perDomain: 1, global: 1 } },
  );
  assert.equal(cookieOf(seen.find((s) => s.url.endsWith('?after-hop'))?.body), 'hop=yes');
  assert.equal(cookieOf(seen.find((s) => s.url.endsWith('?cross'))?.body), 'session=bea; theme=dark');
});

test('cookies.enabled=false sends and stores nothing', async () => {
  const { seen, stats } = await fetchAll(ordered(new Request(`${a.url}/login?user=ann`), new Request(`${a.url}/echo?one`)), {
    concurrency: { perDomain: 1, global: 1 },
    cookies: { enabled: false },
  });
  assert.equal(cookieOf(seen.find((s) => s.url.endsWith('?one'))?.body), undefined);
  assert.equal(stat(stats, 'cookies/stored'), 0);
});

test('a cookie put in through jar() is sent; an empty jar sends no Cookie header', async () => {
  const mw = new CookiesMiddleware({ settings: mergeSettings({}), stats: new Stats(), logger: createLogger('t', 'error'), now: Date.now, random: Math.random });
  const sent: (string | undefined)[] = [];
  const handler = mw.wrap(async (request) => {
    sent.push(request.headers.cookie);
    return new Response({ url: request.url, status: 200, headers: {}, body: Buffer.alloc(0), request });
  });
  await handler(new Request('http://shop.test/a'));
  mw.jar().setCookieSync('k=v; Path=/', 'http://shop.test/');
  await handler(new Request({ url: 'http://shop.test/b', headers: { cookie: 'own=1' } }));
  await handler(new Request('http://other.test/c'));
  mw.jar('named').setCookieSync('n=1', 'http://other.test/');
  await handler(new Request({ url: 'http://other.test/d', meta: { cookieJar: 'named' } }));
  assert.deepEqual(sent, [undefined, 'own=1; k=v', undefined, 'n=1']);
});
