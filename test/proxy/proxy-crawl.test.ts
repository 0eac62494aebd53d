/**
 * The proxy pool through real crawls: real CONNECT proxies on 127.0.0.1, each connecting out
 * from its own loopback address, so the target site counts per-proxy requests and concurrency.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { Spider } from '../../src/spider/spider.js';
import { startProxy, type ProxyServer } from '../fixtures/proxy-server.js';
import { startSite, startSites, closeSites } from '../fixtures/site.js';
import { crawl, listSpider, stat } from '../helpers/crawl.js';
import { tempDir } from '../helpers/temp-dir.js';

async function proxies(n: number, options: { auth?: { user: string; password: string } } = {}): Promise<ProxyServer[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => startProxy({ exitAddress: `127.0.0.${11 + i}`, ...options })));
}

const closeAll = (servers: { close(): Promise<void> }[]) => Promise.all(servers.map((s) => s.close()));

test('lru-weighted spreads requests evenly over healthy proxies, and never exceeds a proxy limit', async () => {
  const site = await startSite({ pages: 90, latencyMs: 20 });
  const ps = await proxies(3);
  try {
    const urls = () => Array.from({ length: 90 }, (_, i) => `${site.url}/page/${i}`);
    const { items, stats } = await crawl(listSpider('spread', urls), {
      proxy: { enabled: true, list: ps.map((p) => p.url), maxConcurrencyPerProxy: 2 },
      concurrency: { perDomain: 16 },
    });
    assert.equal(items.length, 90);
    const counts = ps.map((p) => site.requestsByRemote.get(p.exitAddress) ?? 0);
    assert.deepEqual(counts.reduce((a, b) => a + b), 90, 'every request went through a proxy');
    for (const c of counts) assert.ok(c >= 25 && c <= 35, `even spread: ${counts.join(', ')}`);
    for (const p of ps) assert.ok((site.peakByRemote.get(p.exitAddress) ?? 0) <= 2, `${p.exitAddress} peak ${site.peakByRemote.get(p.exitAddress)}`);
    assert.equal(stat(stats, `proxy/127.0.0.1:${ps[0]!.port}/requests`), counts[0]);
  } finally {
    await closeAll([site, ...ps]);
  }
});

test('a proxy with half the success rate gets clearly less traffic', async () => {
  const ps = await proxies(2);
  const flaky = ps[1]!.exitAddress;
  let flip = 0;
  // The target bans every other request coming out of the flaky proxy.
  const site = await startSite({
    routes: {
      '/item': (req, res) => {
        const banned = req.socket.remoteAddress === flaky && flip++ % 2 === 0;
        res.writeHead(banned ? 403 : 200, { 'content-type': 'text/html' }).end('<p>x</p>');
      },
    },
  });
  try {
    const urls = () => Array.from({ length: 200 }, (_, i) => `${site.url}/item?i=${i}`);
    // Demand (3 at a time) below the proxies' room (4 each): the strategy, not capacity, decides.
    const { items } = await crawl(listSpider('weighted', urls), {
      concurrency: { perDomain: 3 },
      proxy: { enabled: true, list: ps.map((p) => p.url), maxConcurrencyPerProxy: 4, failureThreshold: 5 },
      retry: { times: 5, backoffBaseMs: 1 },
    });
    assert.equal(items.length, 200, 'banned requests were retried through the other proxy');
    const good = site.requestsByRemote.get(ps[0]!.exitAddress) ?? 0;
    const bad = site.requestsByRemote.get(flaky) ?? 0;
    assert.ok(bad < good * 0.6, `healthy ${good} vs half-failing ${bad}`);
  } finally {
    await closeAll([site, ...ps]);
  }
});

test('sticky domain keeps one proxy per domain until its budget ends; reuse through it >= 0.95 at the proxy', async () => {
  const sites = await startSites(2, { pages: 150 });
  const ps = await proxies(3);
  try {
    const urls = () => sites.flatMap((s) => Array.from({ length: 150 }, (_, i) => `${s.url}/page/${i}`));
    await crawl(listSpider('sticky', urls), {
      proxy: { enabled: true, list: ps.map((p) => p.url), sticky: 'domain', stickyMaxRequests: 1000, maxConcurrencyPerProxy: 4 },
      concurrency: { perDomain: 4 },
    });
    for (const s of sites) {
      const used = ps.filter((p) => (s.requestsByRemote.get(p.exitAddress) ?? 0) > 0);
      assert.equal(used.length, 1, `${s.host} went through exactly one proxy`);
    }
    const tunnels = ps.reduce((sum, p) => sum + p.tunnels, 0);
    const reuse = 1 - tunnels / 300;
    assert.ok(reuse >= 0.95, `reuse through sticky proxies: ${reuse.toFixed(3)} (${tunnels} tunnels for 300 requests)`);

    // A budget of 10 requests per binding: the domain moves between proxies.
    for (const s of sites) s.resetCounters();
    await crawl(listSpider('sticky-budget', urls), {
      proxy: { enabled: true, list: ps.map((p) => p.url), sticky: 'domain', stickyMaxRequests: 10, maxConcurrencyPerProxy: 4 },
      concurrency: { perDomain: 1 },
    });
    const usedBySite0 = ps.filter((p) => (sites[0]!.requestsByRemote.get(p.exitAddress) ?? 0) > 0);
    assert.ok(usedBySite0.length > 1, 'rebound after 10 requests');
    for (const p of usedBySite0) assert.equal((sites[0]!.requestsByRemote.get(p.exitAddress) ?? 0) % 10, 0, 'in runs of 10');
  } finally {
    await closeSites(sites);
    await closeAll(ps);
  }
});

test('a proxy that drops every connection is cooled down, probed, and restored once it recovers', async () => {
  const site = await startSite({ pages: 10, latencyMs: 15 });
  const ps = await proxies(2);
  const dead = ps[1]!;
  dead.mode = 'drop';
  try {
    const deadId = `127.0.0.1:${dead.port}`;
    const logs: string[] = [];
    // The dead proxy comes back only once the pool has cooled it down: undici keeps reconnecting
    // a failed tunnel for queued requests, so a revival before that could hide every failure.
    const logSink = (level: string, name: string, message: string) => {
      logs.push(`${level} [${name}] ${message}`);
      if (message.includes(`proxy ${deadId}: healthy -> cooling`)) dead.mode = 'ok';
    };
    class Recovering extends Spider {
      static override name = 'recovering';
      override async *start() {
        for (let i = 0; i < 150; i++) yield new Request(`${site.url}/page/${i % 10}?i=${i}`);
      }
      async *parse(response: { url: string }) {
        yield { url: response.url };
      }
    }
    const { items, stats } = await crawl(
      Recovering,
      {
        proxy: { enabled: true, list: ps.map((p) => p.url), cooldownMs: 100, failureThreshold: 2, maxConcurrencyPerProxy: 1 },
        retry: { times: 5, backoffBaseMs: 1 },
        // A dead proxy is found by the download timeout as much as by resets.
        download: { timeoutMs: 1000 },
      },
      { logSink },
    );
    assert.equal(items.length, 150, 'no request lost');
    assert.ok(dead.dropped > 0);
    assert.ok(logs.some((l) => l.includes(`proxy ${deadId}: healthy -> cooling`)), `cooled down:\n${logs.filter((l) => l.includes('proxy')).join('\n')}`);
    assert.ok(logs.some((l) => l.includes(`proxy ${deadId}: cooling -> probing`)), 'probed');
    assert.ok(logs.some((l) => l.includes(`proxy ${deadId}: probing -> healthy`)), 'restored');
    assert.ok((site.requestsByRemote.get(dead.exitAddress) ?? 0) > 0, 'served requests again after recovering');
    assert.equal(stats[`proxy/${deadId}/state`], 'healthy');
  } finally {
    await closeAll([site, ...ps]);
  }
});

test('every request completes when one of three proxies dies mid-run', async () => {
  const site = await startSite({ pages: 20, latencyMs: 10 });
  const ps = await proxies(3);
  try {
    let parsed = 0;
    class Survivor extends Spider {
      static override name = 'survivor';
      override async *start() {
        for (let i = 0; i < 120; i++) yield new Request(`${site.url}/page/${i % 20}?i=${i}`);
      }
      async *parse(response: { url: string }) {
        if (++parsed === 30) ps[2]!.mode = 'drop';
        yield { url: response.url };
      }
    }
    const { items } = await crawl(Survivor, { proxy: { enabled: true, list: ps.map((p) => p.url), failureThreshold: 2 }, retry: { times: 5, backoffBaseMs: 1 } });
    assert.equal(items.length, 120);
    assert.equal(new Set(items.map((i) => i.url)).size, 120);
  } finally {
    await closeAll([site, ...ps]);
  }
});

test('a 407 names the proxy, never its password; no file the crawl wrote holds the password', async (t) => {
  const site = await startSite({ pages: 5 });
  const password = 'Sup3rS3cretPw';
  const [good] = await proxies(1, { auth: { user: 'crawler', password } });
  const [wrong] = await proxies(1, { auth: { user: 'crawler', password: 'different' } });
  const dir = tempDir(t, 'proxy');
  try {
    const urls = () => Array.from({ length: 5 }, (_, i) => `${site.url}/page/${i}`);
    const wrongUrl = `http://crawler:${password}@127.0.0.1:${wrong!.port}`;
    const { items, logs, stats } = await crawl(listSpider('auth', urls), {
      proxy: { enabled: true, list: [good!.authUrl, wrongUrl], failureThreshold: 1, cooldownMs: 60_000 },
      retry: { times: 3, backoffBaseMs: 1 },
      feeds: { [join(dir, 'items.jsonl')]: {} },
      log: { level: 'debug' },
    });
    assert.equal(items.length, 5);
    assert.ok(wrong!.authFailures > 0);
    const wrongId = `127.0.0.1:${wrong!.port}`;
    assert.ok(logs.some((l) => l.includes('ERR_PROXY_AUTH') && l.includes(wrongId)) || stat(stats, `proxy/${wrongId}/failures/ERR_PROXY_AUTH`) > 0, 'the 407 is reported against the proxy id');
    assert.equal(stat(stats, `proxy/${wrongId}/failures/ERR_PROXY_AUTH`) > 0, true);
    // Everything the crawl wrote: feed file, stats, logs.
    const written = [...readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')), JSON.stringify(stats), logs.join('\n')].join('\n');
    assert.ok(!written.includes(password), 'no password anywhere');
  } finally {
    await closeAll([site, good!, wrong!]);
  }
});

test('bad proxy settings are coded errors at start-up naming the entry', async () => {
  const S = listSpider('bad', () => []);
  await assert.rejects(crawl(S, { proxy: { enabled: true, list: ['not a url'] } }), { code: 'ERR_PROXY_URL' });
  await assert.rejects(crawl(S, { proxy: { enabled: true, list: ['socks5://h:1'] } }), { code: 'ERR_PROXY_SCHEME' });
  await assert.rejects(crawl(S, { proxy: { enabled: true } }), { code: 'ERR_PROXY_EMPTY' });
  await assert.rejects(crawl(S, { proxy: { enabled: true, file: '/nonexistent/list.txt' } }), { code: 'ERR_PROXY_FILE' });
  await assert.rejects(crawl(S, { proxy: { banPattern: '(' } }), { code: 'ERR_SETTING_TYPE' });
});

test('meta.proxy overrides the pool: null goes direct, a URL goes through that proxy', async () => {
  const site = await startSite({ pages: 4 });
  const ps = await proxies(2);
  try {
    class Override extends Spider {
      static override name = 'override';
      override async *start() {
        yield new Request({ url: `${site.url}/page/0`, meta: { proxy: null } });
        yield new Request({ url: `${site.url}/page/1`, meta: { proxy: ps[1]!.url } });
      }
      async *parse(response: { url: string }) {
        yield { url: response.url };
      }
    }
    await crawl(Override, { proxy: { enabled: true, list: [ps[0]!.url] } });
    assert.equal(site.requestsByRemote.get('127.0.0.1'), 1, 'direct');
    assert.equal(site.requestsByRemote.get(ps[1]!.exitAddress), 1, 'through the named proxy');
    assert.equal(site.requestsByRemote.get(ps[0]!.exitAddress) ?? 0, 0);
  } finally {
    await closeAll([site, ...ps]);
  }
});

