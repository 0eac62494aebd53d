import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { Frontier, type HostResolver } from '../../src/scheduler/frontier.js';
import { SlotRules } from '../../src/scheduler/slot-rules.js';

const req = (url: string): Request => new Request(url);

/** A resolver whose answers the test sets; unknown hosts are "resolving" until answered. */
function fakeResolver(initial: Record<string, string | null>) {
  const answers = new Map(Object.entries(initial));
  const asked: string[] = [];
  const resolver: HostResolver = {
    addressFor(host) {
      asked.push(host);
      return answers.has(host) ? answers.get(host)! : undefined;
    },
  };
  return { resolver, answers, asked };
}

test('per-IP: hosts on one IP share its budget; other IPs are not held up', () => {
  const { resolver } = fakeResolver({ 'a.test': '10.0.0.1', 'b.test': '10.0.0.1', 'c.test': '10.0.0.2' });
  const f = new Frontier({ globalLimit: 100, perIpLimit: 2, resolver, slot: { limit: 10, delayMs: 0, randomizeDelay: false } });
  for (let i = 0; i < 3; i++) {
    f.push(req(`http://a.test/${i}`), 0);
    f.push(req(`http://b.test/${i}`), 0);
    f.push(req(`http://c.test/${i}`), 0);
  }
  const out = [];
  for (let d = f.next(0); d; d = f.next(0)) out.push(d);
  const onShared = out.filter((d) => d.request.host !== 'c.test');
  assert.equal(onShared.length, 2, 'a.test and b.test together get 2');
  assert.equal(out.filter((d) => d.request.host === 'c.test').length, 2);
  assert.equal(f.peakIpActive, 2);
  // Releasing one unit of the shared IP lets exactly one more through.
  f.release(onShared[0]!, 1);
  const next = f.next(1);
  assert.ok(next && next.request.host !== 'c.test');
  assert.equal(f.next(1), undefined);
});

test('per-IP: a slot waits for DNS without holding anything, and goes when the host resolves', () => {
  const { resolver, answers } = fakeResolver({ 'b.test': '10.0.0.2' });
  const f = new Frontier({ globalLimit: 100, perIpLimit: 4, resolver, slot: { limit: 4, delayMs: 0, randomizeDelay: false } });
  f.push(req('http://a.test/1'), 0);
  f.push(req('http://b.test/1'), 0);
  const first = f.next(0);
  assert.equal(first?.request.host, 'b.test');
  assert.equal(f.next(0), undefined, 'a.test is parked on DNS');
  assert.equal(f.active, 1);
  answers.set('a.test', '10.0.0.1');
  f.hostResolved('a.test', 5);
  assert.equal(f.next(5)?.request.host, 'a.test');
});

test('per-IP: a host that fails to resolve is dispatched without an IP slot (the transport reports ERR_DNS)', () => {
  const { resolver } = fakeResolver({ 'gone.test': null });
  const f = new Frontier({ globalLimit: 10, perIpLimit: 1, resolver, slot: { limit: 10, delayMs: 0, randomizeDelay: false } });
  f.push(req('http://gone.test/1'), 0);
  f.push(req('http://gone.test/2'), 0);
  const a = f.next(0);
  const b = f.next(0);
  assert.ok(a && b);
  assert.equal(a.ipSlot, undefined);
});

test('per-IP: when a host moves to another address, new dispatches take the new IP slot', () => {
  const { resolver, answers } = fakeResolver({ 'a.test': '10.0.0.1' });
  const f = new Frontier({ globalLimit: 10, perIpLimit: 1, resolver, slot: { limit: 10, delayMs: 0, randomizeDelay: false } });
  for (let i = 0; i < 3; i++) f.push(req(`http://a.test/${i}`), 0);
  const first = f.next(0)!;
  assert.equal(first.ipSlot?.key, '10.0.0.1');
  assert.equal(f.next(0), undefined);
  answers.set('a.test', '10.0.0.9');
  f.release(first, 1);
  const moved = f.next(1)!;
  assert.equal(moved.ipSlot?.key, '10.0.0.9');
});

test('slot overrides: concurrency, delay and rate per pattern', () => {
  const rules = new SlotRules({ '*.slow.test': { concurrency: 1, delayMs: 500 }, 'api.test': { ratePerMinute: 60 } });
  const f = new Frontier({ globalLimit: 100, rules, slot: { limit: 8, delayMs: 0, randomizeDelay: false } });
  for (let i = 0; i < 3; i++) {
    f.push(req(`http://x.slow.test/${i}`), 0);
    f.push(req(`http://api.test/${i}`), 0);
    f.push(req(`http://free.test/${i}`), 0);
  }
  const hosts: string[] = [];
  for (let d = f.next(0); d; d = f.next(0)) hosts.push(d.request.host);
  assert.equal(hosts.filter((h) => h === 'x.slow.test').length, 1);
  assert.equal(hosts.filter((h) => h === 'api.test').length, 1, 'one token at start');
  assert.equal(hosts.filter((h) => h === 'free.test').length, 3);
  assert.equal(f.slot('api.test').limit, 8);
  assert.equal(f.nextWakeAt(), 1000, 'the api.test token comes before x.slow.test could (it is at its limit)');
});

test('Retry-After pause: the slot sends nothing until then, other slots go on', () => {
  const f = new Frontier({ globalLimit: 10, slot: { limit: 4, delayMs: 0, randomizeDelay: false } });
  f.push(req('http://a.test/1'), 0);
  f.push(req('http://b.test/1'), 0);
  f.pause('a.test', 30_000, 0);
  assert.equal(f.next(0)?.request.host, 'b.test');
  assert.equal(f.next(0), undefined);
  assert.equal(f.nextWakeAt(), 30_000);
  assert.equal(f.next(29_999), undefined);
  assert.equal(f.next(30_000)?.request.host, 'a.test');
  assert.equal(f.slot('a.test').pausedMs, 30_000);
});

test('ramp-up: the global limit grows from 1 to its value over rampUpMs, and the frontier says when to wake', () => {
  const f = new Frontier({ globalLimit: 5, rampUpMs: 1000, slot: { limit: 10, delayMs: 0, randomizeDelay: false } });
  for (let i = 0; i < 10; i++) f.push(req(`http://a.test/${i}`), 0);
  assert.ok(f.next(0));
  assert.equal(f.next(0), undefined, 'one at a time at first');
  assert.equal(f.nextWakeAt(), 250);
  assert.ok(f.next(250));
  assert.equal(f.next(250), undefined);
  let sent = 2;
  while (f.next(1000)) sent++;
  assert.equal(sent, 5);
  assert.equal(f.effectiveGlobalLimit(5000), 5);
});

test('Crawl-delay floor: a slot never sends faster than its minimum delay, even with randomised delays', () => {
  const f = new Frontier({ globalLimit: 10, random: () => 0, slot: { limit: 10, delayMs: 100, randomizeDelay: true } });
  f.setMinDelay('a.test', 2000, 0);
  f.push(req('http://a.test/1'), 0);
  f.push(req('http://a.test/2'), 0);
  assert.ok(f.next(0));
  assert.equal(f.next(1999), undefined);
  assert.ok(f.next(2000));
});

test('throttle: a decrease lowers what the slot may have in flight', () => {
  const f = new Frontier({
    globalLimit: 100,
    slot: { limit: 8, delayMs: 0, randomizeDelay: false, throttle: { windowSize: 5, decreaseFactor: 0.5, latencyFactor: 3, latencyMinDeltaMs: 50 } },
  });
  for (let i = 0; i < 20; i++) f.push(req(`http://a.test/${i}`), 0);
  const out = [];
  for (let d = f.next(0); d; d = f.next(0)) out.push(d);
  assert.equal(out.length, 8);
  f.observe('a.test', { dispatchedAt: 0, latencyMs: 5, status: 429 }, 1);
  for (const d of out) f.release(d, 2);
  let sent = 0;
  while (f.next(2)) sent++;
  assert.equal(sent, 4);
});
