import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { Frontier } from '../../src/scheduler/frontier.js';

function frontier(overrides: Partial<{ global: number; perDomain: number; delayMs: number; randomize: boolean }> = {}): Frontier {
  return new Frontier({
    globalLimit: overrides.global ?? 100,
    slot: { limit: overrides.perDomain ?? 100, delayMs: overrides.delayMs ?? 0, randomizeDelay: overrides.randomize ?? false },
    random: () => 0.5,
  });
}

const req = (url: string, priority = 0): Request => new Request({ url, priority });

test('dispatch follows priority within a slot, FIFO among equals', () => {
  const f = frontier();
  f.push(req('http://a.test/1', 0), 0);
  f.push(req('http://a.test/2', 5), 0);
  f.push(req('http://a.test/3', 0), 0);
  f.push(req('http://a.test/4', 5), 0);
  const order = [];
  for (let d = f.next(0); d; d = f.next(0)) order.push(d.request.url.slice(-1));
  assert.deepEqual(order, ['2', '4', '1', '3']);
});

test('dispatch follows priority across slots', () => {
  const f = frontier();
  f.push(req('http://a.test/low', 1), 0);
  f.push(req('http://b.test/high', 9), 0);
  f.push(req('http://c.test/mid', 5), 0);
  const hosts = [f.next(0), f.next(0), f.next(0)].map((d) => d?.request.host);
  assert.deepEqual(hosts, ['b.test', 'c.test', 'a.test']);
});

test('per-slot limit holds and a waiting request holds no global capacity', () => {
  const f = frontier({ global: 3, perDomain: 1 });
  for (let i = 0; i < 5; i++) f.push(req(`http://slow.test/${i}`), 0);
  f.push(req('http://fast.test/0'), 0);
  f.push(req('http://fast2.test/0'), 0);
  const first = [f.next(0), f.next(0), f.next(0)];
  assert.deepEqual(first.map((d) => d?.request.host).sort(), ['fast.test', 'fast2.test', 'slow.test']);
  assert.equal(f.next(0), undefined, 'global limit of 3 reached');
  assert.equal(f.active, 3);
  f.release(first.find((d) => d?.request.host === 'fast.test')!, 0);
  assert.equal(f.next(0), undefined, 'slow.test is at its limit, nothing else queued');
  f.release(first.find((d) => d?.request.host === 'slow.test')!, 0);
  assert.equal(f.next(0)?.request.host, 'slow.test');
});

test('ties go to the slot served longest ago (no starvation)', () => {
  const f = frontier({ perDomain: 100 });
  for (let i = 0; i < 3; i++) {
    f.push(req(`http://a.test/${i}`), 0);
    f.push(req(`http://b.test/${i}`), 0);
  }
  const hosts = [];
  for (let d = f.next(0); d; d = f.next(0)) hosts.push(d.request.host);
  assert.deepEqual(hosts, ['a.test', 'b.test', 'a.test', 'b.test', 'a.test', 'b.test']);
});

test('delay holds per slot and nextWakeAt says when', () => {
  const f = frontier({ delayMs: 1000 });
  f.push(req('http://a.test/1'), 0);
  f.push(req('http://a.test/2'), 0);
  f.push(req('http://b.test/1'), 0);
  assert.ok(f.next(0));
  assert.ok(f.next(0));
  assert.equal(f.next(0), undefined, 'a.test waits for its delay');
  assert.equal(f.nextWakeAt(), 1000);
  assert.equal(f.next(999), undefined);
  assert.equal(f.next(1000)?.request.url, 'http://a.test/2');
});

test('randomised delay stays within 0.5x-1.5x', () => {
  const draws = [0, 0.999];
  const f = new Frontier({ globalLimit: 10, slot: { limit: 10, delayMs: 1000, randomizeDelay: true }, random: () => draws.shift() ?? 0.5 });
  for (let i = 0; i < 3; i++) f.push(req(`http://a.test/${i}`), 0);
  f.next(0);
  assert.equal(f.nextWakeAt(), 500);
  f.next(500);
  assert.equal(f.nextWakeAt(), 500 + 1499);
});

test('requests with notBefore wait outside their slot', () => {
  const f = frontier({ perDomain: 1 });
  f.push(new Request({ url: 'http://a.test/retry', meta: { notBefore: 5000 } }), 0);
  f.push(req('http://a.test/now'), 0);
  assert.equal(f.size, 2);
  const d = f.next(0);
  assert.equal(d?.request.url, 'http://a.test/now');
  f.release(d!, 10);
  assert.equal(f.next(10), undefined);
  assert.equal(f.nextWakeAt(), 5000);
  assert.equal(f.next(5000)?.request.url, 'http://a.test/retry');
  assert.equal(f.size, 0);
});

test('meta.slot overrides the host as slot key', () => {
  const f = frontier({ perDomain: 1 });
  f.push(new Request({ url: 'http://a.test/1', meta: { slot: 'api' } }), 0);
  f.push(new Request({ url: 'http://b.test/1', meta: { slot: 'api' } }), 0);
  assert.ok(f.next(0));
  assert.equal(f.next(0), undefined, 'both share the api slot');
});

test('idle slots are swept without losing queued work', () => {
  const f = frontier();
  for (let i = 0; i < 2000; i++) {
    f.push(req(`http://h${i}.test/`), 0);
    const d = f.next(0)!;
    f.release(d, 0);
  }
  assert.ok([...f.slots()].length < 600, 'most idle slots were forgotten');
  f.push(req('http://h1.test/again'), 0);
  assert.equal(f.next(0)?.request.url, 'http://h1.test/again');
});
