/**
 * The browser under stress, in real Chromium: a crawl through two real authenticating proxies
 * (each counts its own traffic; the password appears in no output), Chromium killed mid-crawl
 * (every page still scraped after the restart), and `auto` on a site where half the sections
 * need JavaScript (the other half never opens a browser).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Response } from '../../src/http/response.js';
import { Request } from '../../src/http/request.js';
import { Spider } from '../../src/spider/spider.js';
import { startProxy } from '../fixtures/proxy-server.js';
import { startJsSite, type JsSite } from '../fixtures/js-site.js';
import { crawl, stat } from '../helpers/crawl.js';
import { BROWSER_SETTINGS } from './chromium-required.js';

let site: JsSite;
before(async () => {
  site = await startJsSite({ pages: 40, halfPages: 5 });
});
after(async () => {
  await site.close();
});

function pagesSpider(name: string, count: number) {
  return class extends Spider {
    static override name = name;
    override async *start() {
      for (let i = 0; i < count; i++) yield new Request(`${site.url}/pages/${i}`);
    }
    async *parse(response: Response) {
      yield { title: response.css('h1.title::text').get(''), value: response.css('p.v::text').get('') };
    }
  };
}

/** Chromium processes started by this process (its direct children), from /proc. */
function chromiumChildren(): number[] {
  const pids: number[] = [];
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    let children = '';
    try {
      children = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const pid of children.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        if (/chrom/i.test(readFileSync(`/proc/${pid}/comm`, 'utf8'))) pids.push(pid);
      } catch {
        // Gone already.
      }
    }
  }
  return pids;
}

test('through two real proxies with credentials: each carries its share, the password is in no output', async () => {
  const password = 's3cr3t-pw-xyz';
  const proxies = await Promise.all([11, 12].map((n) => startProxy({ exitAddress: `127.0.0.${n}`, auth: { user: 'crawler', password } })));
  const dir = mkdtempSync(join(tmpdir(), 'arachne-browser-proxy-'));
  try {
    const { items, stats, logs } = await crawl(pagesSpider('proxied', 12), {
      browser: { ...BROWSER_SETTINGS, mode: 'always', maxPages: 4 },
      proxy: { enabled: true, list: proxies.map((p) => p.authUrl), maxConcurrencyPerProxy: 2 },
      trace: { file: join(dir, 'trace.jsonl') },
      report: { file: join(dir, 'report.html') },
      'log.level': 'debug',
    });
    assert.equal(items.length, 12, logs.filter((l) => !l.startsWith('debug')).join('\n'));
    const counts = proxies.map((p) => site.byRemote.get(p.exitAddress) ?? 0);
    for (const [i, c] of counts.entries()) assert.ok(c >= 2, `proxy ${i} carried ${c} requests (${counts.join(', ')})`);
    for (const p of proxies) assert.ok(p.connections > 0, 'each proxy counted its own connections');
    assert.equal(site.byRemote.get('127.0.0.1') ?? 0, 0, 'nothing went direct');
    // Health: every page is a success of the proxy that carried it.
    const successes = proxies.reduce((n, p) => n + stat(stats, `proxy/127.0.0.1:${p.port}/success`), 0);
    assert.equal(successes, 12, JSON.stringify(stats));
    // The trace and the report show the browser attempts beside HTTP ones.
    const trace = readFileSync(join(dir, 'trace.jsonl'), 'utf8');
    const rendered = trace.split('\n').filter((l) => l.includes('"browser":')).map((l) => JSON.parse(l) as { browser: { subrequests: number; load: number | null } });
    assert.equal(rendered.length, 12);
    assert.ok(rendered.every((r) => r.browser.subrequests >= 1 && r.browser.load !== null), trace);
    const report = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(report, /<table id="browser"><tr><th>pages rendered<\/th>[\s\S]*?<td>12<\/td>/);
    const output = [logs.join('\n'), JSON.stringify(stats), trace, report].join('\n');
    assert.ok(!output.includes(password), 'the proxy password appears in no log, stat or trace line');
    assert.ok(stat(stats, 'browser/contexts_created') >= 2, 'one context per proxy');
  } finally {
    await Promise.all(proxies.map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Chromium killed mid-crawl: its pages fail coded and are retried, the browser restarts, every page is scraped', async () => {
  let killed = 0;
  const { items, stats, logs } = await crawl(
    pagesSpider('killed', 20),
    // A page that was mid-render when Chromium died fails within download.timeoutMs at the latest.
    { browser: { ...BROWSER_SETTINGS, mode: 'always', maxPages: 4, pagesPerContext: 5 }, download: { timeoutMs: 10_000 }, retry: { times: 3, backoffBaseMs: 10 }, 'log.level': 'warn' },
    {
      onCrawler: (crawler) =>
        crawler.events.on('itemScraped', () => {
          if (killed > 0 || stat(crawler.stats.toJSON(), 'browser/pages') < 6) return;
          for (const pid of chromiumChildren()) {
            process.kill(pid, 'SIGKILL');
            killed++;
          }
        }),
    },
  );
  assert.ok(killed >= 1, 'a Chromium process was killed');
  assert.equal(new Set(items.map((i) => i.value)).size, 20, logs.join('\n'));
  assert.equal(stat(stats, 'browser/crashes'), 1);
  assert.equal(stat(stats, 'browser/launches'), 2);
  assert.ok(logs.some((l) => l.includes('Chromium exited')), logs.join('\n'));
  // Bounded over a long crawl: contexts are replaced every 5 pages, one page per attempt.
  assert.ok(stat(stats, 'browser/contexts_recycled') >= 3, JSON.stringify(stats));
});

function halfSpider(name: string, needsBrowser?: (response: Response) => boolean) {
  return class extends Spider {
    static override name = name;
    override async *start() {
      yield new Request(`${site.url}/static/0`);
      yield new Request(`${site.url}/js/0`);
    }
    async *parse(response: Response) {
      // A page without its content yields nothing: that is what tells 'auto' to render it.
      const title = response.css('h1.title::text').get();
      if (title) yield { title, rendered: response.browser !== undefined };
      yield* response.followAll('a.next');
    }
    needsBrowser(response: Response) {
      return needsBrowser?.(response) ?? false;
    }
  };
}

test("browser.mode 'auto' on a half-JavaScript site, judged by what the callback yields: the plain half never opens a browser", async () => {
  const Half = halfSpider('half');
  delete (Half.prototype as { needsBrowser?: unknown }).needsBrowser;
  const { items, stats, logs } = await crawl(Half, { browser: { ...BROWSER_SETTINGS, mode: 'auto', autoRecheckRate: 0 }, 'log.level': 'warn' });
  const titles = items.map((i) => i.title).sort();
  assert.deepEqual(titles, [...[0, 1, 2, 3, 4].map((n) => `js ${n}`), ...[0, 1, 2, 3, 4].map((n) => `static ${n}`)], logs.join('\n'));
  assert.ok(items.every((i) => i.rendered === String(i.title).startsWith('js')));
  for (let n = 0; n < 5; n++) assert.equal(site.browserHits.get(`/static/${n}`) ?? 0, 0, `/static/${n} never reached the browser`);
  // /js/0's callback yielded nothing over HTTP: a rendered copy was queued, yielded, and taught the
  // section; /js/1../js/4 went to the browser directly (one request each, from Chromium).
  assert.equal(stat(stats, 'browser/auto/rendered'), 1, JSON.stringify(stats));
  assert.equal(stat(stats, 'browser/auto/sections_learnt'), 1);
  assert.equal(stat(stats, 'browser/auto/direct'), 4);
  assert.equal(stat(stats, 'browser/auto/http_enough'), 5);
  assert.equal(site.hits.get('/js/0'), 2);
  assert.equal(site.browserHits.get('/js/0'), 1);
  for (let n = 1; n < 5; n++) assert.equal(site.hits.get(`/js/${n}`), 1, `/js/${n} rendered directly`);
  assert.equal(site.browserHits.get('/js/3'), 1);
});

test("browser.mode 'auto' with the spider's needsBrowser(response): the spider judges before the callback", async () => {
  for (const path of site.hits.keys()) site.hits.delete(path);
  const Judged = halfSpider('judged', (response) => response.url.includes('/js/'));
  const { items, stats, logs } = await crawl(Judged, { browser: { ...BROWSER_SETTINGS, mode: 'auto', autoRecheckRate: 0 }, 'log.level': 'warn' });
  assert.equal(items.length, 10, logs.join('\n'));
  assert.equal(stat(stats, 'browser/auto/rendered'), 1);
  assert.equal(stat(stats, 'browser/auto/direct'), 4);
  assert.equal(site.hits.get('/js/0'), 2, 'fetched over HTTP, judged, rendered: no third fetch from a callback test');
});
