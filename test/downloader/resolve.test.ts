/** `download.resolve` (curl's --resolve): names pinned to addresses in the DNS cache, never resolved. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { DnsCache, type DnsAnswer } from '../../src/downloader/dns-cache.js';
import { ArachneError } from '../../src/errors.js';
import type { Response } from '../../src/http/response.js';
import { flattenConfig, parseSettingArgs } from '../../src/settings/config.js';
import { Spider } from '../../src/spider/spider.js';
import { crawl, stat } from '../helpers/crawl.js';

const pinned = { 'shop.test': '127.0.0.2', '*.cdn.test': '::1', '*.test': '127.0.0.3', '*': '127.0.0.4' };

function cacheWith(patterns: Record<string, string>) {
  const asked: string[] = [];
  const cache = new DnsCache({
    pinned: patterns,
    resolve: async (host): Promise<DnsAnswer[]> => {
      asked.push(host);
      return [{ address: '10.9.9.9', family: 4, ttlMs: 60_000 }];
    },
  });
  return { cache, asked };
}

test('pinned names: exact first, then the longest wildcard, then *, case-insensitive; no query is made', async () => {
  const { cache, asked } = cacheWith(pinned);
  assert.equal(cache.addressFor('shop.test'), '127.0.0.2');
  assert.equal(cache.addressFor('SHOP.test.'), '127.0.0.2', 'case and a trailing dot do not matter');
  assert.equal(cache.addressFor('img.cdn.test'), '::1', 'the longer wildcard wins');
  assert.equal(cache.addressFor('a.b.other.test'), '127.0.0.3', 'subdomains at any depth');
  assert.equal(cache.addressFor('elsewhere.example'), '127.0.0.4', '* matches every other host');
  assert.deepEqual(await cache.resolve('img.cdn.test'), { address: '::1', family: 6 });
  assert.equal(cache.addressFor('127.0.0.9'), '127.0.0.9', 'an IP literal stays itself');
  assert.deepEqual(asked, []);
  assert.equal(cache.queries, 0);
  const all = await new Promise<unknown>((resolve, reject) => cache.lookup('shop.test', { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
  assert.deepEqual(all, [{ address: '127.0.0.2', family: 4 }], 'undici connects to the pinned address');
});

test('a *.domain pattern does not match the domain itself; unmatched names are resolved as usual', async () => {
  const { cache, asked } = cacheWith({ '*.shop.test': '127.0.0.2' });
  assert.deepEqual(await cache.resolve('www.shop.test'), { address: '127.0.0.2', family: 4 });
  assert.deepEqual(await cache.resolve('shop.test'), { address: '10.9.9.9', family: 4 });
  assert.deepEqual(asked, ['shop.test']);
});

test('download.resolve is checked: a value that is not an IP address, or a bad pattern, is ERR_SETTING_TYPE naming it', () => {
  assert.deepEqual(flattenConfig({ download: { resolve: { 'Shop.Test': '[::1]' } } }, 't')['download.resolve'], { 'shop.test': '::1' });
  assert.deepEqual(parseSettingArgs(['download.resolve={"*":"127.0.0.1"}'])['download.resolve'], { '*': '127.0.0.1' });
  for (const [bad, words] of [
    [{ 'shop.test': 'localhost' }, /"localhost"\) is not an IP address/],
    [{ 'shop.test:443': '127.0.0.1' }, /"shop.test:443" is not a host name/],
  ] as const) {
    assert.throws(
      () => flattenConfig({ download: { resolve: bad } }, 't'),
      (error: unknown) => error instanceof ArachneError && error.code === 'ERR_SETTING_TYPE' && words.test(error.message),
    );
  }
});

test('a crawl of names that exist nowhere reaches the loopback server they are pinned to, with their own Host header', async () => {
  const hosts: string[] = [];
  const server = createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<title>${req.headers.host}</title>`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  class Hosts extends Spider {
    static override name = 'hosts';
    override async *start() {
      for (const host of ['a.shop.invalid', 'b.shop.invalid', 'c.other.invalid']) yield this.request(`http://${host}:${port}/`);
    }
    *parse(response: Response) {
      yield { title: response.$('title').text() };
    }
  }
  try {
    const { items, stats } = await crawl(Hosts, { download: { resolve: { '*.invalid': '127.0.0.1' } }, robots: { obey: false } });
    assert.deepEqual(items.map((i) => i.title).sort(), [`a.shop.invalid:${port}`, `b.shop.invalid:${port}`, `c.other.invalid:${port}`]);
    assert.deepEqual(hosts.sort(), [`a.shop.invalid:${port}`, `b.shop.invalid:${port}`, `c.other.invalid:${port}`]);
    assert.equal(stat(stats, 'dns/queries'), 0, 'nothing was resolved');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
