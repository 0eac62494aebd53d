/**
 * The transport never makes a request wait for a socket while its download timer runs: each
 * origin gets as many connections as its slot lets requests run at once, so a `slots` override
 * above `concurrency.perDomain` gets its full concurrency (it used to get perDomain sockets, the
 * rest waiting inside undici until they timed out).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { startSite, type Site } from '../fixtures/site.js';
import { stat } from '../helpers/crawl.js';
import { fetchAll } from './fetch-spider.js';

const LATENCY_MS = 300;
let site: Site;
before(async () => {
  site = await startSite({ pages: 16, latencyMs: LATENCY_MS });
});
after(() => site.close());

test('a slots override above concurrency.perDomain gets that many sockets, and no request times out waiting for one', async () => {
  site.resetCounters();
  const requests = Array.from({ length: 16 }, (_, i) => new Request(`${site.url}/page/${i}`));
  const { seen, stats } = await fetchAll(requests, {
    'concurrency.perDomain': 2,
    'concurrency.global': 32,
    slots: { '127.0.0.1': { concurrency: 8 } },
    // Two rounds of 8 take ~2 x 300 ms; with 2 sockets the 8th in line waited 4 x 300 ms.
    'download.timeoutMs': 4 * LATENCY_MS,
    'retry.enabled': false,
  });
  assert.equal(stat(stats, 'request/failed'), 0, `failures: ${JSON.stringify(stats)}`);
  assert.equal(seen.filter((s) => s.status === 200).length, 16);
  assert.equal(site.peakTotal, 8, 'the server saw the slot\'s 8 requests at once');
  assert.ok(site.connections <= 8, `${site.connections} sockets for a slot of 8`);
});

test('pool.connectionsPerOrigin still caps the sockets when set', async () => {
  site.resetCounters();
  const requests = Array.from({ length: 8 }, (_, i) => new Request(`${site.url}/page/${i}`));
  const { seen } = await fetchAll(requests, { 'concurrency.perDomain': 8, 'pool.connectionsPerOrigin': 2, 'retry.enabled': false });
  assert.equal(seen.filter((s) => s.status === 200).length, 8);
  assert.equal(site.connections, 2);
});
