import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Stats } from '../../src/stats.js';
import type { Response } from '../../src/http/response.js';
import { createLogger } from '../../src/log.js';
import { MetricsServer, renderMetrics } from '../../src/extensions/metrics.js';
import { Spider } from '../../src/spider/spider.js';
import { startSite, type Site } from '../fixtures/site.js';
import { crawl } from '../helpers/crawl.js';
import { freePort } from '../helpers/net.js';

/** Prometheus text to `name{labels}` -> value. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(match, `a valid sample line: ${line}`);
    out.set(match[1]!, Number(match[2]));
  }
  return out;
}

test('stats become metric names with labels, counters with _total, TYPE lines once per family', () => {
  const text = renderMetrics(
    { 'downloader/status/200': 7, 'downloader/status/404': 1, 'item/scraped': 5, 'proxy/p1:8080/success': 3, 'proxy/p1:8080/state': 'cooling', 'connections/reuse_rate': 0.9, 'httpErrors/ignored': 2, 'retry/reason/status/503': 1, finish_reason: 'x' },
    { inFlight: 2, queued: 9 },
  );
  const samples = parse(text);
  assert.equal(samples.get('arachne_downloader_status_total{status="200"}'), 7);
  assert.equal(samples.get('arachne_downloader_status_total{status="404"}'), 1);
  assert.equal(samples.get('arachne_item_scraped_total'), 5);
  assert.equal(samples.get('arachne_proxy_success_total{proxy="p1:8080"}'), 3);
  assert.equal(samples.get('arachne_proxy_state{proxy="p1:8080",state="cooling"}'), 1);
  assert.equal(samples.get('arachne_connections_reuse_rate'), 0.9);
  assert.equal(samples.get('arachne_http_errors_ignored_total'), 2);
  assert.equal(samples.get('arachne_retry_reason_total{reason="status/503"}'), 1);
  assert.equal(samples.get('arachne_requests_in_flight'), 2);
  assert.equal(samples.get('arachne_requests_queued'), 9);
  assert.equal(text.match(/# TYPE arachne_downloader_status_total counter/g)?.length, 1);
  assert.match(text, /# TYPE arachne_connections_reuse_rate gauge/);
});

let site: Site;
let releaseHold: () => void = () => {};
let holdArrived: () => void = () => {};
const arrived = new Promise<void>((resolve) => (holdArrived = resolve));

before(async () => {
  site = await startSite({
    pages: 10,
    routes: {
      // Held open until the test has scraped: the crawl is live and its figures are still.
      '/hold': (_req, res) =>
        new Promise<void>((resolve) => {
          releaseHold = () => {
            res.writeHead(200, { 'content-type': 'text/html' }).end('<p>held</p>');
            resolve();
          };
          holdArrived();
        }),
    },
  });
});
after(() => site.close());

class HoldSpider extends Spider {
  static override name = 'hold';
  override async *start() {
    for (let i = 0; i < 10; i++) yield this.request(`${site.url}/page/${i}`);
  }
  async *parse(response: Response) {
    yield { url: response.url };
    if (response.url.endsWith('/page/9')) yield this.request(`${site.url}/hold`);
  }
}

test('the live endpoint is scraped mid-crawl and agrees with the stats; it closes with the crawl', async () => {
  const port = await freePort();
  let scraped: Map<string, number> | undefined;
  let stats: Record<string, number | string> = {};
  const done = crawl(HoldSpider, { 'metrics.port': port, 'concurrency.perDomain': 1 }, {
    onCrawler: (crawler) => {
      void arrived.then(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
        scraped = parse(await response.text());
        stats = crawler.stats.toJSON();
        releaseHold();
      });
    },
  });
  await done;
  assert.ok(scraped, 'scraped while the crawl ran');
  assert.equal(scraped.get('arachne_downloader_status_total{status="200"}'), stats['downloader/status/200']);
  assert.equal(scraped.get('arachne_downloader_status_total{status="200"}'), 10);
  assert.equal(scraped.get('arachne_item_scraped_total'), stats['item/scraped']);
  assert.equal(scraped.get('arachne_requests_in_flight'), 1);
  assert.equal(scraped.get('arachne_requests_queued'), 0);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'the server is closed at the end of the crawl');
});

test('a busy metrics port is ERR_METRICS_PORT', async () => {
  const logger = createLogger('t', 'silent', () => {});
  const first = await MetricsServer.start({ port: 0, stats: new Stats(), counts: () => ({ inFlight: 0, queued: 0 }), logger });
  await assert.rejects(MetricsServer.start({ port: first.port, stats: new Stats(), counts: () => ({ inFlight: 0, queued: 0 }), logger }), { code: 'ERR_METRICS_PORT' });
  const notFound = await fetch(`http://127.0.0.1:${first.port}/other`);
  assert.equal(notFound.status, 404);
  await notFound.text();
  await first.close();
});
