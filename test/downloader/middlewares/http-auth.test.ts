import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Request } from '../../../src/http/request.js';
import { closeSites, startSites, type Site } from '../../fixtures/site.js';
import { crawl } from '../../helpers/crawl.js';
import { fetchAll, fetchSpider } from '../fetch-spider.js';

let a: Site;
let b: Site;
before(async () => {
  [a, b] = await startSites(2);
});
after(() => closeSites([a, b]));

const authOf = (body: string | undefined): string | undefined => (JSON.parse(body!) as { headers: { authorization?: string } }).headers.authorization;
const basic = `Basic ${Buffer.from('ann:s3cret').toString('base64')}`;

test('Basic auth goes to httpAuth.domain only, never to another host, not even by redirect', async () => {
  const { seen } = await fetchAll(
    [
      new Request(`${a.url}/echo?direct`),
      new Request(`${b.url}/echo?other`),
      new Request(`${a.url}/redirect?to=${encodeURIComponent(`${b.url}/echo?hop`)}`),
      new Request({ url: `${a.url}/echo?own`, headers: { authorization: 'Bearer mine' } }),
    ],
    { httpAuth: { user: 'ann', password: 's3cret', domain: a.address } },
  );
  const body = (suffix: string) => seen.find((s) => s.url.endsWith(suffix))?.body;
  assert.equal(authOf(body('?direct')), basic);
  assert.equal(authOf(body('?other')), undefined);
  assert.equal(authOf(body('?hop')), undefined);
  assert.equal(authOf(body('?own')), 'Bearer mine');
});

test('httpAuth.user without httpAuth.domain is a coded configuration error', async () => {
  await assert.rejects(crawl(fetchSpider(() => []), { 'parse.workers': 0, httpAuth: { user: 'ann', password: 'x' } }), (error: Error & { code?: string; hint?: string }) => {
    assert.equal(error.code, 'ERR_HTTP_AUTH_DOMAIN');
    assert.match(error.hint ?? '', /httpAuth\.domain/);
    return true;
  });
});
