import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { RobotsMiddleware } from '../../../src/downloader/middlewares/robots.js';
import { Request } from '../../../src/http/request.js';
import { closeSites, startSite, type Site } from '../../fixtures/site.js';
import { stat } from '../../helpers/crawl.js';
import { harness } from '../harness.js';
import { fetchAll } from '../fetch-spider.js';

const text = (status: number, body: string, type = 'text/plain') => (_req: unknown, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
};

let rules: Site;
let html: Site;
let missing: Site;
let broken: Site;
before(async () => {
  // Distinct loopback addresses: each site is its own origin.
  [rules, html, missing, broken] = await Promise.all([
    startSite({
      host: '127.0.0.1',
      routes: { '/robots.txt': text(200, 'User-agent: *\nDisallow: /private\nCrawl-delay: 2\n\nUser-agent: OtherBot\nDisallow: /\n') },
    }),
    startSite({ host: '127.0.0.2', routes: { '/robots.txt': text(200, '<!doctype html><html><body>Disallow: /</body></html>', 'text/html') } }),
    startSite({ host: '127.0.0.3', routes: { '/robots.txt': text(404, 'nope') } }),
    startSite({ host: '127.0.0.4', routes: { '/robots.txt': text(503, 'down') } }),
  ]);
});
after(() => closeSites([rules, html, missing, broken]));

test('robots.txt disallows and allows; it is fetched once per origin through the crawl', async () => {
  rules.resetCounters();
  const { seen, stats } = await fetchAll(
    [
      new Request(`${rules.url}/page/1`),
      new Request(`${rules.url}/private/secret`),
      new Request(`${rules.url}/page/2`),
      new Request({ url: `${rules.url}/private/ok`, meta: { dontObeyRobots: true } }),
    ],
    { robots: { obey: true } },
  );
  assert.equal(rules.hits.get('/robots.txt'), 1, 'one robots.txt fetch');
  assert.equal(rules.hits.get('/private/secret'), undefined, 'a disallowed URL never reaches the server');
  assert.equal(seen.find((s) => s.url.endsWith('/private/secret'))?.failed, 'ERR_ROBOTS_DISALLOWED');
  assert.equal(stat(stats, 'request/failed/ERR_ROBOTS_DISALLOWED'), 1);
  assert.equal(stat(stats, 'robots/forbidden'), 1);
  assert.equal(seen.filter((s) => s.status !== undefined).length, 3);
  assert.equal(rules.hits.get('/private/ok'), 1, 'meta.dontObeyRobots skips the check');
  // It went through the transport and the stats middleware like any request.
  assert.equal(stat(stats, 'robots/response_status/200'), 1);
  assert.equal(stat(stats, 'downloader/requests'), 4);
});

test('Crawl-delay is exposed per origin; another user agent group applies to its bot', async () => {
  const make = (userAgent: string) => {
    const h = harness({ 'robots.obey': true, userAgent });
    return { downloader: h.downloader, stats: h.stats, delays: h.minDelays };
  };
  const arachne = make('Arachne/0.1 (+crawler)');
  let response = await arachne.downloader.fetch(new Request(`${rules.url}/page/1`));
  // A request that left its slot before the Crawl-delay was known is handed back to the frontier.
  if (Request.isRequest(response)) response = await arachne.downloader.fetch(response);
  assert.equal('status' in response && response.status, 200);
  const robots = arachne.downloader.middleware(RobotsMiddleware);
  assert.equal(robots?.robotsCrawlDelayMs(rules.url), 2_000);
  assert.ok(arachne.delays.length >= 1, 'the slot was told');
  for (const call of arachne.delays) assert.deepEqual(call, [rules.address, 2_000]);
  await arachne.downloader.close();

  const other = make('OtherBot/2.0');
  await assert.rejects(other.downloader.fetch(new Request(`${rules.url}/page/1`)), { code: 'ERR_ROBOTS_DISALLOWED' });
  await other.downloader.close();
});

test('robots.txt that is HTML or 4xx allows all; 5xx disallows all (Google rules)', async () => {
  const { seen, stats, reason } = await fetchAll(
    [new Request(`${html.url}/page/1`), new Request(`${missing.url}/page/1`), new Request(`${broken.url}/page/1`), new Request(`${broken.url}/page/2`)],
    { robots: { obey: true } },
  );
  assert.equal(reason, 'finished');
  assert.equal(seen.find((s) => s.url === `${html.url}/page/1`)?.status, 200);
  assert.equal(seen.find((s) => s.url === `${missing.url}/page/1`)?.status, 200);
  assert.equal(seen.filter((s) => s.url.startsWith(broken.url) && s.failed === 'ERR_ROBOTS_DISALLOWED').length, 2);
  assert.equal(broken.hits.get('/robots.txt'), 1, 'the 5xx answer is cached, not refetched per request');
  assert.equal(stat(stats, 'robots/html'), 1);
  assert.equal(stat(stats, 'robots/response_status/404'), 1);
  assert.equal(stat(stats, 'robots/response_status/503'), 1);
});

test('an unreachable robots.txt fails the request with the network error, not as disallowed; robots.obey=false never fetches it', async () => {
  const gone = await startSite({ host: '127.0.0.5' });
  const url = gone.url;
  await gone.close();
  const { seen, stats } = await fetchAll([new Request(`${url}/page/1`)], { robots: { obey: true }, retry: { enabled: false } });
  assert.equal(seen[0]?.failed, 'ERR_CONNECTION_REFUSED', 'the host is down: robots.txt does not forbid anything');
  assert.equal(stat(stats, 'robots/unreachable'), 1);
  assert.equal(stat(stats, 'robots/forbidden'), 0);

  rules.resetCounters();
  const off = await fetchAll([new Request(`${rules.url}/private/x`)]);
  assert.equal(off.seen[0]?.status, 404);
  assert.equal(rules.hits.get('/robots.txt'), undefined);
});
