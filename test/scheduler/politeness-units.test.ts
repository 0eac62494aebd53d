import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRetryAfter } from '../../src/http/retry-after.js';
import { SlotRules } from '../../src/scheduler/slot-rules.js';
import { Throttle } from '../../src/scheduler/throttle.js';
import { percentile } from '../../src/percentile.js';
import { TokenBucket } from '../../src/scheduler/token-bucket.js';
import { checkSlotRules } from '../../src/settings/slots.js';
import { SpecMismatch } from '../../src/settings/spec.js';

test('token bucket: burst, then one token per 1/rate, readyAt exact', () => {
  const bucket = new TokenBucket(600, 2); // 10 a second: a token every 100 ms
  assert.equal(bucket.readyAt(0), 0);
  bucket.take(0);
  bucket.take(0);
  assert.equal(bucket.readyAt(0), 100);
  assert.equal(bucket.readyAt(50), 100);
  bucket.take(100);
  assert.equal(bucket.readyAt(100), 200);
  // A long rest refills to the burst, not beyond.
  assert.equal(bucket.readyAt(10_000), 10_000);
  bucket.take(10_000);
  bucket.take(10_000);
  assert.equal(bucket.readyAt(10_000), 10_100);
});

test('token bucket: the rate holds over a long run', () => {
  const bucket = new TokenBucket(1200, 1); // 20/s
  let now = 0;
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    now = bucket.readyAt(now);
    bucket.take(now);
    times.push(now);
  }
  const rate = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
  assert.ok(Math.abs(rate - 20) / 20 < 0.01, `rate ${rate}`);
});

test('Retry-After: seconds, HTTP dates (all three RFC forms), past dates, garbage', () => {
  const now = Date.parse('Tue, 24 Nov 2026 08:00:00 GMT');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Tue, 24 Nov 2026 08:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Tuesday, 24-Nov-26 08:01:00 GMT', now), 60_000);
  assert.equal(parseRetryAfter('Tue Nov 24 08:00:05 2026', now) !== undefined, true);
  assert.equal(parseRetryAfter('Mon, 23 Nov 2026 08:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter('-5', now), undefined);
  assert.equal(parseRetryAfter('1.5', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});

const throttleOptions = { maxLimit: 16, windowSize: 10, decreaseFactor: 0.5, latencyFactor: 3, latencyMinDeltaMs: 50 };

test('throttle: a 429 halves the limit once per burst; healthy windows add one', () => {
  const t = new Throttle(throttleOptions, 8);
  assert.equal(t.observe({ dispatchedAt: 0, latencyMs: 10, status: 429 }, 100), 'decrease');
  assert.equal(t.limit, 4);
  // More 429s from requests sent before the decrease change nothing.
  assert.equal(t.observe({ dispatchedAt: 50, latencyMs: 10, status: 429 }, 110), undefined);
  assert.equal(t.limit, 4);
  // A 429 for a request sent after it does.
  t.observe({ dispatchedAt: 120, latencyMs: 10, status: 503 }, 130);
  assert.equal(t.limit, 2);
  // The window that straddled the decrease is discarded; then each healthy window adds one.
  for (let i = 0; i < 10; i++) t.observe({ dispatchedAt: 200, latencyMs: 10, status: 200 }, 200);
  assert.equal(t.limit, 2);
  for (let w = 0; w < 30; w++) for (let i = 0; i < 10; i++) t.observe({ dispatchedAt: 300, latencyMs: 10, status: 200 }, 300);
  assert.equal(t.limit, 16, 'never above the configured limit');
  assert.equal(t.increases, 14);
});

test('throttle: timeouts and resets decrease; never below 1; 404 is not overload', () => {
  const t = new Throttle(throttleOptions, 2);
  t.observe({ dispatchedAt: 0, latencyMs: 10, errorCode: 'ERR_DOWNLOAD_TIMEOUT' }, 1);
  assert.equal(t.limit, 1);
  t.observe({ dispatchedAt: 2, latencyMs: 10, errorCode: 'ERR_CONNECTION_RESET' }, 3);
  assert.equal(t.limit, 1);
  t.observe({ dispatchedAt: 4, latencyMs: 10, status: 404 }, 5);
  assert.equal(t.decreases, 1);
});

test('throttle: latency rising well above the baseline backs off; recovery climbs back', () => {
  const t = new Throttle(throttleOptions, 8);
  const windowOf = (latency: number, at: number) => {
    for (let i = 0; i < 10; i++) t.observe({ dispatchedAt: at, latencyMs: latency, status: 200 }, at);
  };
  windowOf(100, 0);
  assert.equal(t.baselineP95, 100);
  assert.equal(t.limit, 9);
  windowOf(250, 10); // 2.5x: noise, not a signal
  assert.equal(t.limit, 10);
  windowOf(400, 20); // 4x and 300 ms above: back off
  assert.equal(t.limit, 5);
  windowOf(400, 30); // straddling window discarded... but still slow: decreases again
  assert.equal(t.limit, 2);
  windowOf(100, 40);
  windowOf(100, 50);
  assert.ok(t.limit >= 3, `climbs back when latency recovers: ${t.limit}`);
  assert.equal(percentile([5, 1, 4, 2, 3], 0.95), 5);
  assert.equal(percentile([5, 1, 4, 2, 3], 0.5), 3);
});

test('slot rules: exact beats wildcard, longest wildcard wins, unused patterns reported', () => {
  const rules = new SlotRules({ 'shop.example': { concurrency: 1 }, '*.example': { concurrency: 2 }, '*.eu.example': { concurrency: 3 }, 'nowhere.test': { delayMs: 1 } });
  assert.equal(rules.match('shop.example')?.concurrency, 1);
  assert.equal(rules.match('a.example')?.concurrency, 2);
  assert.equal(rules.match('a.eu.example')?.concurrency, 3);
  assert.equal(rules.match('example'), undefined, '*.example does not match the apex');
  assert.equal(rules.match('other.test'), undefined);
  assert.deepEqual(rules.unused(), ['nowhere.test']);
});

test('slots setting check: patterns and option types', () => {
  assert.deepEqual(checkSlotRules({ '*.Example.com': { concurrency: 2, ratePerMinute: 30 } }), { '*.example.com': { concurrency: 2, ratePerMinute: 30 } });
  for (const bad of [
    { 'http://x.com/': {} },
    { 'a b': {} },
    { 'x.com': { concurrency: 0 } },
    { 'x.com': { concurrency: -1 } },
    { 'x.com': { delayMs: 'slow' } },
    { 'x.com': { speed: 1 } },
    [],
  ]) {
    assert.ok(checkSlotRules(bad) instanceof SpecMismatch, JSON.stringify(bad));
  }
});
