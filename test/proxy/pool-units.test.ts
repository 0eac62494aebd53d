import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArachneError } from '../../src/errors.js';
import { Request } from '../../src/http/request.js';
import { silentLogger } from '../../src/log.js';
import { ProxyHealth } from '../../src/proxy/health.js';
import { ProxyPool, type ProxyPoolOptions, type ProxyState } from '../../src/proxy/pool.js';
import { parseProxies, redactSecrets } from '../../src/proxy/proxy-config.js';
import { redactUrl } from '../../src/settings/redact.js';
import { LruWeightedStrategy } from '../../src/proxy/strategies/lru-weighted.js';
import { RandomStrategy } from '../../src/proxy/strategies/random.js';
import { RoundRobinStrategy } from '../../src/proxy/strategies/round-robin.js';

const health = { windowSize: 10, failureThreshold: 2, cooldownMs: 1000, cooldownMaxMs: 4000 };

function pool(overrides: Partial<ProxyPoolOptions> = {}, list = ['http://a:1', 'http://b:2', 'http://c:3']): ProxyPool {
  return new ProxyPool({
    proxies: parseProxies(list, ''),
    strategy: new LruWeightedStrategy(2),
    maxConcurrencyPerProxy: 2,
    sticky: 'none',
    stickyTtlMs: 10_000,
    stickyMaxRequests: 100,
    partition: {},
    health,
    random: () => 0,
    logger: silentLogger,
    ...overrides,
  });
}

const req = (url: string, meta = {}): Request => new Request({ url, meta });
const idOf = (got: unknown): string => (got as ProxyState).id;

test('lru-weighted: least recently used first among equals; success rate weighs idle time', () => {
  const s = new LruWeightedStrategy(2);
  const cands = [
    { id: 'a', lastUsedAt: 100, successRate: 1 },
    { id: 'b', lastUsedAt: 50, successRate: 1 },
    { id: 'c', lastUsedAt: 80, successRate: 1 },
  ];
  assert.equal(s.pick(cands, 200).id, 'b');
  // b has half the success rate: idle 151 x 0.25 < a's 101 x 1.
  assert.equal(s.pick([{ ...cands[0]! }, { ...cands[1]!, successRate: 0.5 }], 200).id, 'a');
  // Never used beats everything.
  assert.equal(s.pick([...cands, { id: 'd', lastUsedAt: -Infinity, successRate: 1 }], 200).id, 'd');
});

test('round-robin and random strategies', () => {
  const rr = new RoundRobinStrategy();
  const cands = ['b', 'a', 'c'].map((id) => ({ id, lastUsedAt: 0, successRate: 1 }));
  assert.deepEqual([0, 1, 2, 3].map(() => rr.pick(cands).id), ['a', 'b', 'c', 'a']);
  assert.equal(rr.pick(cands.filter((c) => c.id !== 'b')).id, 'c', 'skips proxies without room');
  const random = new RandomStrategy();
  assert.equal(random.pick(cands, 0, () => 0).id, 'b');
  assert.equal(random.pick(cands, 0, () => 0.999).id, 'c');
});

test('health: failures in a row cool a proxy down; the cool-down doubles; a probe success restores it', () => {
  const h = new ProxyHealth(health);
  h.record('proxy_failure', 10, 0);
  assert.equal(h.state, 'healthy');
  h.record('target_error', 10, 1);
  h.record('proxy_failure', 10, 2);
  h.record('proxy_failure', 10, 3);
  assert.equal(h.state, 'cooling');
  assert.equal(h.coolingUntil, 1003);
  assert.equal(h.usable(1002), false);
  assert.equal(h.usable(1003), true);
  h.acquired(1003);
  assert.equal(h.state, 'probing');
  assert.equal(h.usable(1004), false, 'one probe at a time');
  h.record('proxy_failure', 10, 1100);
  assert.equal(h.state, 'cooling');
  assert.equal(h.coolingUntil, 1100 + 2000, 'doubled');
  h.acquired(3100);
  h.record('success', 10, 3200);
  assert.equal(h.state, 'healthy');
  assert.ok(h.successRate > 0 && h.successRate < 1);
});

test('pool: per-proxy limit; waiting when every proxy is full; avoidProxies', () => {
  const p = pool();
  const got = [0, 1, 2, 3, 4, 5].map(() => p.acquire(req('http://x.test/'), 0));
  assert.deepEqual(got.map(idOf).sort(), ['a:1', 'a:1', 'b:2', 'b:2', 'c:3', 'c:3']);
  assert.equal(p.acquire(req('http://x.test/'), 0), 'wait');
  p.release(got[0] as ProxyState);
  assert.equal(idOf(p.acquire(req('http://x.test/'), 1)), idOf(got[0]));
  const q = pool();
  assert.notEqual(idOf(q.acquire(req('http://x.test/', { avoidProxies: ['a:1'] }), 0)), 'a:1');
  assert.equal(q.acquire(req('http://x.test/', { proxy: null }), 0), 'direct');
});

test('pool: sticky domain keeps one proxy until its budget or TTL ends', () => {
  const p = pool({ sticky: 'domain', stickyMaxRequests: 3, stickyTtlMs: 1000, maxConcurrencyPerProxy: 10 });
  const ids = [0, 1, 2].map((i) => idOf(p.acquire(req(`http://shop.test/${i}`), i)));
  assert.equal(new Set(ids).size, 1);
  const other = idOf(p.acquire(req('http://news.test/'), 3));
  assert.notEqual(other, ids[0], 'another domain binds to another (least recently used) proxy');
  assert.notEqual(idOf(p.acquire(req('http://shop.test/4'), 4)), ids[0], 'budget of 3 spent: fresh pick');
  const s = pool({ sticky: 'session', stickyTtlMs: 1000, maxConcurrencyPerProxy: 10 });
  const first = idOf(s.acquire(req('http://a.test/', { proxySession: 'u1' }), 0));
  assert.equal(idOf(s.acquire(req('http://b.test/', { proxySession: 'u1' }), 500)), first, 'same session, any domain');
  assert.equal(idOf(s.acquire(req('http://c.test/', { proxySession: 'u1' }), 1400)), first, 'TTL refreshed on use');
  assert.notEqual(idOf(s.acquire(req('http://c.test/', { proxySession: 'u1' }), 2500)), first, 'expired after 1 s unused: fresh LRU pick');
});

test('pool: sticky waits for its own proxy rather than switching when it is merely busy', () => {
  const p = pool({ sticky: 'domain', maxConcurrencyPerProxy: 1 });
  const first = p.acquire(req('http://shop.test/1'), 0) as ProxyState;
  assert.equal(p.acquire(req('http://shop.test/2'), 1), 'wait');
  p.release(first);
  assert.equal(idOf(p.acquire(req('http://shop.test/2'), 2)), first.id);
});

test('pool: partition dedicates proxies to domains, and only to them', () => {
  const p = new ProxyPool({
    proxies: parseProxies([{ url: 'http://shop1:1', domains: ['shop.test'] }, { url: 'http://res:2', tags: ['residential'] }, 'http://dc:3'], ''),
    strategy: new LruWeightedStrategy(2),
    maxConcurrencyPerProxy: 10,
    sticky: 'none',
    stickyTtlMs: 1,
    stickyMaxRequests: 1,
    partition: { '*.bank.test': ['residential'] },
    health,
    random: () => 0,
    logger: silentLogger,
  });
  for (let i = 0; i < 3; i++) assert.equal(idOf(p.acquire(req(`http://www.shop.test/${i}`), i)), 'shop1:1');
  for (let i = 0; i < 3; i++) assert.equal(idOf(p.acquire(req(`http://my.bank.test/${i}`), i)), 'res:2');
  for (let i = 0; i < 3; i++) assert.equal(idOf(p.acquire(req(`http://news.test/${i}`), i)), 'dc:3');
  const none = new ProxyPool({ ...{ proxies: parseProxies([{ url: 'http://only:1', domains: ['a.test'] }], '') }, strategy: new LruWeightedStrategy(), maxConcurrencyPerProxy: 1, sticky: 'none', stickyTtlMs: 1, stickyMaxRequests: 1, partition: {}, health, random: () => 0, logger: silentLogger });
  assert.equal(none.acquire(req('http://b.test/'), 0), 'refused');
});

test('pool: a cooling proxy gets no traffic until its probe; when all cool down, requests wait', () => {
  const p = pool({}, ['http://a:1', 'http://b:2']);
  p.report('a:1', 'proxy_failure', 5, 0);
  p.report('a:1', 'proxy_failure', 5, 0);
  assert.equal(p.states.find((s) => s.id === 'a:1')!.health.state, 'cooling');
  for (let i = 0; i < 2; i++) assert.equal(idOf(p.acquire(req('http://x.test/'), 10)), 'b:2');
  p.report('b:2', 'proxy_failure', 5, 10);
  p.report('b:2', 'proxy_failure', 5, 10);
  assert.equal(p.acquire(req('http://x.test/'), 20), 'wait');
  assert.equal(p.nextWakeAt(20), 1000);
  assert.equal(idOf(p.acquire(req('http://x.test/'), 1000)), 'a:1', 'the probe');
  assert.equal(p.states.find((s) => s.id === 'a:1')!.health.state, 'probing');
});

test('config: coded errors name the entry, never its password; ids carry no credentials', () => {
  const codeOf = (fn: () => unknown): [string, string] => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof ArachneError);
      return [error.code, error.message];
    }
    assert.fail('expected a throw');
  };
  const [c1, m1] = codeOf(() => parseProxies(['http://user:s3cret@', 'x'], ''));
  assert.equal(c1, 'ERR_PROXY_URL');
  assert.ok(!m1.includes('s3cret') && m1.includes('proxy.list[0]'));
  assert.equal(codeOf(() => parseProxies(['socks5://u:p@h:1'], ''))[0], 'ERR_PROXY_SCHEME');
  assert.equal(codeOf(() => parseProxies([], ''))[0], 'ERR_PROXY_EMPTY');
  const [c4, m4] = codeOf(() => parseProxies([], '/nonexistent/proxies.txt'));
  assert.equal(c4, 'ERR_PROXY_FILE');
  assert.match(m4, /\/nonexistent\/proxies\.txt/);
  const proxies = parseProxies(['http://u:pw123@p.test:8080', 'http://u:pw456@p.test:8080'], '');
  assert.deepEqual(proxies.map((p) => p.id), ['p.test:8080', 'p.test:8080#2']);
  assert.equal(proxies[0]!.redacted, 'http://u:***@p.test:8080');
  assert.equal(redactUrl('http://tok@h:1'), 'http://***@h:1');
  assert.equal(redactSecrets('failed: http://u:pw123@p.test', proxies), 'failed: http://u:***@p.test');
});
