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

test('userAgent is sent unless the request sets its own User-Agent', async () => {
  const { seen } = await fetchAll(
    [new Request(`${site.url}/echo?plain`), new Request({ url: `${site.url}/echo?own`, headers: { 'User-Agent': 'Mine/1' } })],
    { userAgent: 'TestBot/9' },
  );
  const ua = (suffix: string) => (JSON.parse(seen.find((s) => s.url.endsWith(suffix))!.body!) as { headers: Record<string, string> }).headers['user-agent'];
  assert.equal(ua('?plain'), 'TestBot/9');
  assert.equal(ua('?own'), 'Mine/1');
});
