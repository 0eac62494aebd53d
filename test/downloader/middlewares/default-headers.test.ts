import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Request } from '../../../src/http/request.js';
import { startSite, type Site } from '../../fixtures/site.js';
import { fetchAll } from '../fetch-spider.js';

let site: Site;
before(async () => {
  site = await startSite();
});
after(() => site.close());

test('defaultHeaders fill headers a request does not set, never overriding its own', async () => {
  const { seen } = await fetchAll(
    [new Request(`${site.url}/echo?plain`), new Request({ url: `${site.url}/echo?own`, headers: { 'accept-language': 'de' } })],
    { defaultHeaders: { 'accept-language': 'fr', 'x-team': 'crawl' } },
  );
  const headers = (suffix: string) => (JSON.parse(seen.find((s) => s.url.endsWith(suffix))!.body!) as { headers: Record<string, string> }).headers;
  assert.equal(headers('?plain')['accept-language'], 'fr');
  assert.equal(headers('?plain')['x-team'], 'crawl');
  assert.equal(headers('?own')['accept-language'], 'de');
});
