/**
 * Sockets opened through proxies are counted like direct ones: per proxy and per origin, so the
 * reuse rate and requests per socket are true with proxies too. The proxy's own count of tunnels
 * (one per socket to the target) is the reference.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { Spider } from '../../src/spider/spider.js';
import { startProxy } from '../fixtures/proxy-server.js';
import { startSite } from '../fixtures/site.js';
import { crawl, stat } from '../helpers/crawl.js';

test('connections/opened counts the tunnels a proxy opened, per proxy and per origin', async () => {
  const site = await startSite({ pages: 80, latencyMs: 5 });
  const proxy = await startProxy({ exitAddress: '127.0.0.11', auth: { user: 'user', password: 's3cret-pw' } });
  try {
    const urls = Array.from({ length: 80 }, (_, i) => `${site.url}/page/${i}`);
    const ListSpider = class extends Spider {
      static override name = 'through-proxy';
      override async *start() {
        for (const url of urls) yield new Request(url);
      }
      async *parse(response: { url: string }) {
        yield { url: response.url };
      }
    };
    const { items, stats } = await crawl(ListSpider, {
      proxy: { enabled: true, list: [proxy.authUrl] },
      concurrency: { perDomain: 8 },
    });
    assert.equal(items.length, 80);
    assert.ok(proxy.tunnels > 0 && proxy.tunnels <= 8, `the proxy tunnelled ${proxy.tunnels} sockets`);
    const id = `127.0.0.1:${proxy.port}`;
    assert.equal(stat(stats, 'connections/opened'), proxy.tunnels, 'connections/opened = tunnels the proxy counted');
    assert.equal(stat(stats, `proxy/${id}/connections/opened`), proxy.tunnels);
    assert.equal(stat(stats, `connections/opened_by_origin/${site.url}`), proxy.tunnels);
    assert.equal(stat(stats, `proxy/${id}/connections/requests_per_socket`), Math.round((80 / proxy.tunnels) * 100) / 100);
    assert.equal(stat(stats, 'connections/new'), proxy.tunnels, 'responses on new sockets = sockets opened');
    assert.equal(stat(stats, 'connections/reused'), 80 - proxy.tunnels);
    assert.ok(!JSON.stringify(stats).includes('s3cret-pw'), 'no credentials in the stats');
  } finally {
    await site.close();
    await proxy.close();
  }
});
