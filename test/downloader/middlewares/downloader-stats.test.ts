import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Request } from '../../../src/http/request.js';
import { startSite, type Site } from '../../fixtures/site.js';
import { stat } from '../../helpers/crawl.js';
import { fetchAll } from '../fetch-spider.js';

let site: Site;
before(async () => {
  site = await startSite();
});
after(() => site.close());

test('counts requests, statuses, bytes, exceptions, and new sockets per host', async () => {
  site.resetCounters();
  const { stats } = await fetchAll(
    [new Request(`${site.url}/page/1`), new Request(`${site.url}/status/404`), new Request({ url: `${site.url}/reset`, meta: { dontRetry: true } })],
    { concurrency: { perDomain: 1 } },
  );
  assert.equal(stat(stats, 'downloader/requests'), 3);
  assert.equal(stat(stats, 'downloader/status/200'), 1);
  assert.equal(stat(stats, 'downloader/status/404'), 1);
  assert.equal(stat(stats, 'downloader/exception/ERR_CONNECTION_RESET'), 1);
  assert.ok(stat(stats, 'downloader/response_bytes') > 0);
  assert.equal(stat(stats, `connections/new_by_host/${site.address}`), stat(stats, 'connections/new'));
  assert.equal(stat(stats, 'connections/opened'), site.connections);
});
