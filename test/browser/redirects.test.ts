/**
 * Redirects of rendered pages, in real Chromium: Chromium follows none itself; each hop goes back
 * through the redirect middleware and the admission path like an HTTP hop. An offsite hop
 * (127.0.0.1 -> 127.0.0.2 with allowedDomains ['127.0.0.1']) never reaches 127.0.0.2, an on-site
 * hop is rendered, redirect.maxTimes holds, and credentials do not follow to another origin. A
 * page's script navigating outside allowedDomains is cancelled inside Chromium the same way.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { test, type TestContext } from 'node:test';
import type { Response } from '../../src/http/response.js';
import { Request } from '../../src/http/request.js';
import { Spider } from '../../src/spider/spider.js';
import { crawl, stat } from '../helpers/crawl.js';
import { serve } from '../helpers/http-server.js';
import { BROWSER_SETTINGS } from './chromium-required.js';

/** The other origin, on 127.0.0.2: records what reached it. */
async function otherOrigin(t: TestContext): Promise<{ url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    if (req.url === '/frame') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<p>in a frame</p><img src="/frame.png">');
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1 class="title">elsewhere</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.2:${(server.address() as { port: number }).port}`, seen };
}

async function site(t: TestContext, other: string) {
  const hits = new Map<string, number>();
  const served = await serve(t, (req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    let m: RegExpExecArray | null;
    if (path === '/offsite' || path === '/auth-offsite') return void res.writeHead(302, { location: `${other}/landed` }).end();
    if (path === '/onsite') return void res.writeHead(301, { location: '/landing', 'set-cookie': 'hop=1; Path=/' }).end();
    if ((m = /^\/chain\/(\d+)$/.exec(path))) return void res.writeHead(302, { location: `/chain/${Number(m[1]) + 1}` }).end();
    if (path === '/script-offsite' || path === '/script-onsite') {
      const to = path === '/script-offsite' ? `${other}/landed` : '/landing';
      return void res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1 class="title">before the script</h1><script>location.href = ${JSON.stringify(to)};</script>`);
    }
    if (path === '/framed') return void res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1 class="title">framed</h1><iframe src="${other}/frame"></iframe>`);
    if (path === '/landing') {
      return void res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<div id="app"></div><script>document.getElementById('app').innerHTML = '<h1 class="title">landed by script</h1><p class="c">' + document.cookie + '</p>';</script>`);
    }
    res.writeHead(404).end();
  });
  return { url: served.url, hits };
}

function spider(name: string, starts: () => Request[], allowedDomains?: string[]) {
  return class extends Spider {
    static override name = name;
    static override allowedDomains = allowedDomains;
    override async *start() {
      yield* starts();
    }
    async *parse(response: Response) {
      yield { url: response.url, title: response.css('h1.title::text').get(''), cookie: response.css('p.c::text').get(''), rendered: response.browser !== undefined };
    }
  };
}

test('a redirect inside Chromium obeys the admission path: offsite refused, on-site rendered, redirect.maxTimes holds', async (t) => {
  const other = await otherOrigin(t);
  const { url, hits } = await site(t, other.url);
  const Redirected = spider('redirected', () => ['/offsite', '/onsite', '/chain/0'].map((p) => new Request(`${url}${p}`)), ['127.0.0.1']);
  const { items, stats, logs } = await crawl(Redirected, {
    browser: { ...BROWSER_SETTINGS, mode: 'always' },
    redirect: { maxTimes: 3 },
    'log.level': 'warn',
  });
  assert.equal(other.seen.length, 0, 'no request reached 127.0.0.2');
  assert.equal(stat(stats, 'offsite/filtered'), 1, JSON.stringify(stats));
  // The on-site hop was rendered (its script ran) with the cookie its 301 set, by way of the jar.
  assert.deepEqual(items, [{ url: `${url}/landing`, title: 'landed by script', cookie: 'hop=1', rendered: true }], logs.join('\n'));
  assert.equal(hits.get('/landing'), 1);
  // /chain/0 -> 1 -> 2 -> 3 is followed, the fourth hop is refused, coded.
  assert.equal(stat(stats, 'request/failed/ERR_REDIRECT_MAX'), 1);
  assert.equal(hits.get('/chain/3'), 1);
  assert.equal(hits.get('/chain/4') ?? 0, 0);
  // Each 3xx Chromium stopped: 1 offsite + 1 on-site + 4 of the chain.
  assert.equal(stat(stats, 'browser/redirects'), 6);
  assert.equal(stat(stats, 'redirect/count'), 5);
});

test('a rendered redirect to another origin drops the credentials of the first', async (t) => {
  const other = await otherOrigin(t);
  const { url } = await site(t, other.url);
  const Credentialed = spider('credentialed', () => [new Request({ url: `${url}/auth-offsite`, headers: { authorization: 'Basic c2VjcmV0OnB3' } })]);
  const { items, logs } = await crawl(Credentialed, { browser: { ...BROWSER_SETTINGS, mode: 'always' }, 'log.level': 'warn' });
  assert.deepEqual(items.map((i) => i.title), ['elsewhere'], logs.join('\n'));
  assert.deepEqual(other.seen.map((r) => r.url), ['/landed']);
  assert.equal(other.seen[0]!.headers['sec-fetch-mode'], 'navigate', 'the hop was rendered by Chromium');
  assert.equal(other.seen[0]!.headers.authorization, undefined, 'no credentials to another origin');
});

test("a page's script navigating outside allowedDomains is cancelled in Chromium: nothing reaches the other host, the page is what it rendered", async (t) => {
  const other = await otherOrigin(t);
  const { url, hits } = await site(t, other.url);
  const Scripted = spider('scripted', () => ['/script-offsite', '/script-onsite'].map((p) => new Request(`${url}${p}`)), ['127.0.0.1']);
  const { items, stats, logs } = await crawl(Scripted, { browser: { ...BROWSER_SETTINGS, mode: 'always' }, 'log.level': 'info' });
  assert.deepEqual(other.seen.map((r) => r.url), [], 'no request reached 127.0.0.2');
  assert.equal(stat(stats, 'browser/navigations_blocked'), 1, JSON.stringify(stats));
  assert.ok(logs.some((l) => l.includes('ERR_BROWSER_NAVIGATION_OFFSITE') && l.includes(`${other.url}/landed`)), logs.join('\n'));
  const byTitle = new Map(items.map((i) => [i.title, i]));
  // Offsite: the page stays where it was, as its script left it before navigating.
  assert.deepEqual(byTitle.get('before the script'), { url: `${url}/script-offsite`, title: 'before the script', cookie: '', rendered: true }, JSON.stringify(items));
  // On-site: the page renders where the script led, as before.
  assert.equal(byTitle.get('landed by script')?.url, `${url}/landing`, JSON.stringify(items));
  assert.equal(hits.get('/landing'), 1);
  assert.equal(items.length, 2);
});

test('without allowedDomains a script navigation is followed in the page', async (t) => {
  const other = await otherOrigin(t);
  const { url } = await site(t, other.url);
  const Anywhere = spider('anywhere', () => [new Request(`${url}/script-offsite`)]);
  const { items, stats } = await crawl(Anywhere, { browser: { ...BROWSER_SETTINGS, mode: 'always' }, 'log.level': 'warn' });
  assert.deepEqual(other.seen.map((r) => r.url), ['/landed']);
  assert.deepEqual(items.map((i) => i.title), ['elsewhere']);
  assert.equal(stat(stats, 'browser/navigations_blocked'), 0);
});

test("a cross-site iframe's resources are blocked like the page's own (the frame shares the page's Fetch session)", async (t) => {
  const other = await otherOrigin(t);
  const { url } = await site(t, other.url);
  const Framed = spider('framed', () => [new Request(`${url}/framed`)], ['127.0.0.1']);
  const { items, stats } = await crawl(Framed, { browser: { ...BROWSER_SETTINGS, mode: 'always' }, 'log.level': 'warn' });
  assert.deepEqual(items.map((i) => i.title), ['framed']);
  // The frame's document is a part of the page (not a navigation): it loads; its image does not.
  assert.deepEqual(other.seen.map((r) => r.url), ['/frame']);
  assert.equal(stat(stats, 'browser/subrequests_blocked'), 1, JSON.stringify(stats));
});
