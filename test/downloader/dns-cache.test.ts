import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsCache, systemResolve, type DnsAnswer } from '../../src/downloader/dns-cache.js';

function resolverOf(table: Map<string, DnsAnswer[] | Error>) {
  let calls = 0;
  const pending: (() => void)[] = [];
  let hold = false;
  const resolve = async (host: string): Promise<DnsAnswer[]> => {
    calls++;
    if (hold) await new Promise<void>((r) => pending.push(r));
    const answer = table.get(host);
    if (!answer) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return {
    resolve,
    calls: () => calls,
    hold: () => (hold = true),
    release: () => {
      hold = false;
      for (const r of pending.splice(0)) r();
    },
  };
}

test('addressFor: unknown first (resolution starts), then the cached address until the TTL ends', async () => {
  let now = 0;
  const table = new Map<string, DnsAnswer[] | Error>([['a.test', [{ address: '127.0.0.2', family: 4, ttlMs: 5000 }]]]);
  const r = resolverOf(table);
  const resolved: string[] = [];
  const cache = new DnsCache({ resolve: r.resolve, now: () => now, onResolved: (h) => resolved.push(h) });
  assert.equal(cache.addressFor('a.test'), undefined);
  await cache.resolve('a.test');
  assert.deepEqual(resolved, ['a.test']);
  assert.equal(cache.addressFor('a.test'), '127.0.0.2');
  table.set('a.test', [{ address: '127.0.0.3', family: 4, ttlMs: 5000 }]);
  now = 4999;
  assert.equal(cache.addressFor('a.test'), '127.0.0.2', 'within the TTL');
  now = 5000;
  assert.equal(cache.addressFor('a.test'), undefined, 'expired: resolving again');
  await cache.resolve('a.test');
  assert.equal(cache.addressFor('a.test'), '127.0.0.3');
  assert.equal(r.calls(), 2);
});

test('concurrent lookups of one host share one query; IP literals need none', async () => {
  const r = resolverOf(new Map([['a.test', [{ address: '127.0.0.2', family: 4, ttlMs: 60_000 }]]]));
  const cache = new DnsCache({ resolve: r.resolve });
  r.hold();
  const all = Promise.all([cache.resolve('a.test'), cache.resolve('a.test'), cache.resolve('a.test')]);
  assert.equal(cache.addressFor('a.test'), undefined);
  r.release();
  const answers = await all;
  assert.ok(answers.every((a) => a.address === '127.0.0.2'));
  assert.equal(r.calls(), 1);
  assert.equal(cache.addressFor('127.0.0.9'), '127.0.0.9');
  assert.equal(cache.addressFor('[::1]'), '::1');
  assert.equal(r.calls(), 1);
});

test('a failed resolution is remembered (null) and rejects with its code; TTL floor applies', async () => {
  let now = 0;
  const r = resolverOf(new Map([['zero.test', [{ address: '127.0.0.5', family: 4, ttlMs: 0 }]]]));
  const cache = new DnsCache({ resolve: r.resolve, now: () => now, negativeTtlMs: 1000, minTtlMs: 500 });
  await assert.rejects(cache.resolve('missing.test'), { code: 'ENOTFOUND' });
  assert.equal(cache.addressFor('missing.test'), null);
  await cache.resolve('zero.test');
  now = 499;
  assert.equal(cache.addressFor('zero.test'), '127.0.0.5', 'a TTL of 0 is raised to the floor');
  now = 1000;
  assert.equal(cache.addressFor('missing.test'), undefined, 'the negative entry expired');
});

test('lookup answers like dns.lookup, with and without {all: true}', async () => {
  const r = resolverOf(new Map([['a.test', [{ address: '127.0.0.2', family: 4, ttlMs: 60_000 }, { address: '127.0.0.3', family: 4, ttlMs: 60_000 }]]]));
  const cache = new DnsCache({ resolve: r.resolve });
  const all = await new Promise((resolve, reject) =>
    cache.lookup('a.test', { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );
  assert.deepEqual(all, [{ address: '127.0.0.2', family: 4 }], 'only the picked address: the slot and the socket agree');
  const one = await new Promise((resolve, reject) => cache.lookup('a.test', {}, (err, address, family) => (err ? reject(err) : resolve([address, family]))));
  assert.deepEqual(one, ['127.0.0.2', 4]);
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => cache.lookup('nope.test', { all: true }, (err) => resolve(err)));
  assert.equal(error?.code, 'ENOTFOUND');
});

test('the system resolver answers localhost from the hosts file', async () => {
  const answers = await systemResolve('localhost');
  assert.ok(answers.length > 0);
  assert.ok(answers.every((a) => a.address === '127.0.0.1' || a.address === '::1'));
});
