/**
 * The throttle downloader middleware outside a crawl: it reports each download to the real
 * frontier built from settings (as the crawler wires it), on a manual clock, so latencies are exact
 * and nothing sleeps. The adaptive throttle is AIMD on each slot's concurrency limit (see
 * src/scheduler/throttle.ts): slow or overloaded slots get fewer requests in flight, not a delay.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compose, type Handler, type MiddlewareContext } from '../../../src/downloader/middleware.js';
import { ThrottleMiddleware } from '../../../src/downloader/middlewares/throttle.js';
import { RetryableError } from '../../../src/errors.js';
import { Request } from '../../../src/http/request.js';
import { frontierFromSettings } from '../../../src/scheduler/from-settings.js';
import { mergeSettings } from '../../../src/settings/config.js';
import type { SettingValues } from '../../../src/settings/defaults.js';
import { Stats } from '../../../src/stats.js';
import { codeOf } from '../../helpers/assert-code.js';
import { manualClock } from '../../helpers/clock.js';
import { recordingLogger } from '../../helpers/log.js';
import { statusResponse } from '../../helpers/response.js';

type Answer = { status: number; latencyMs: number; headers?: Record<string, string> } | { errorCode: string; latencyMs: number };

function setup(settings: Partial<SettingValues> = {}) {
  const values = mergeSettings({
    'throttle.enabled': true,
    'throttle.windowSize': 5,
    'throttle.latencyFactor': 3,
    'throttle.latencyMinDeltaMs': 50,
    'concurrency.perDomain': 8,
    'concurrency.global': 100,
    ...settings,
  });
  const stats = new Stats();
  const { logger, lines } = recordingLogger();
  const clock = manualClock(1_000_000);
  const { frontier } = frontierFromSettings({ settings: values, stats, logger, random: () => 0.5, resolver: { addressFor: () => null } });
  const context: MiddlewareContext = { settings: values, stats, logger, now: clock.now, random: () => 0.5, slots: frontier };
  let answer: Answer = { status: 200, latencyMs: 10 };
  const inner: Handler = async (request) => {
    clock.advance(answer.latencyMs);
    if ('errorCode' in answer) throw new RetryableError(answer.errorCode, 'from the test');
    return statusResponse(answer.status, request, answer.headers ?? {});
  };
  const chain = compose([new ThrottleMiddleware(context)], inner);

  /** One download as the engine runs it: the frontier hands the request out, the chain runs, the slot is released. */
  async function download(request: Request, next: Answer): Promise<unknown> {
    answer = next;
    frontier.push(request, clock.now());
    const dispatch = frontier.next(clock.now());
    assert.ok(dispatch, `the frontier handed out ${request.url}`);
    try {
      return await chain(dispatch.request);
    } catch (error) {
      return error;
    } finally {
      frontier.release(dispatch, clock.now());
    }
  }
  let n = 0;
  /** A window's worth (throttle.windowSize) of downloads from `host`, each taking `latencyMs`. */
  async function window(host: string, latencyMs: number, status = 200): Promise<number> {
    for (let i = 0; i < values['throttle.windowSize']; i++) await download(new Request(`http://${host}/${n++}`), { status, latencyMs });
    return frontier.slot(host).limit;
  }
  return { frontier, stats, lines, clock, download, window, context };
}

test('the limit falls when latency rises well above the baseline, and climbs back when it recovers', async () => {
  const { window, stats } = setup({ 'concurrency.perDomain': 8 });
  assert.equal(await window('a.test', 100), 8, 'the first window sets the baseline; already at the configured limit');
  assert.equal(await window('a.test', 250), 8, '2.5x the baseline is noise');
  assert.equal(await window('a.test', 400), 4, '4x and 300 ms above the baseline halves the limit');
  assert.equal(stats.count('throttle/decreases'), 1);
  assert.equal(await window('a.test', 100), 4, 'the window after a decrease is discarded');
  const climb = [];
  for (let w = 0; w < 6; w++) climb.push(await window('a.test', 100));
  assert.deepEqual(climb, [5, 6, 7, 8, 8, 8], 'one step per healthy window, never above concurrency.perDomain');
  assert.equal(stats.count('throttle/increases'), 4);
});

test('never below 1: repeated 429s, 503s and timeouts bottom out at one request in flight', async () => {
  const { download, frontier } = setup({ 'concurrency.perDomain': 8 });
  const limits = [];
  for (let i = 0; i < 6; i++) {
    const answer = i % 3 === 0 ? { status: 429, latencyMs: 5 } : i % 3 === 1 ? { status: 503, latencyMs: 5 } : { errorCode: 'ERR_DOWNLOAD_TIMEOUT', latencyMs: 5 };
    await download(new Request(`http://a.test/${i}`), answer);
    limits.push(frontier.slot('a.test').limit);
  }
  assert.deepEqual(limits, [4, 2, 1, 1, 1, 1]);
});

test('each slot learns alone: a slow host is throttled, a fast one keeps its limit; meta.slot is the key', async () => {
  const { window, download, frontier } = setup({ 'concurrency.perDomain': 6 });
  await window('slow.test', 50);
  await window('fast.test', 50);
  assert.equal(await window('slow.test', 600), 3);
  assert.equal(await window('fast.test', 50), 6);
  // Two hosts sharing meta.slot are one slot to the throttle.
  for (const host of ['x.test', 'y.test']) await download(new Request({ url: `http://${host}/`, meta: { slot: 'shared' } }), { status: 429, latencyMs: 5 });
  assert.equal(frontier.slot('shared').limit, 1, 'both 429s landed on the shared slot (6 -> 3 -> 1)');
  assert.equal(frontier.slot('x.test').limit, 6);
});

test('a failed download is reported (timeouts and resets decrease, a 404 does not) and rethrown as it was', async () => {
  const { download, frontier } = setup({ 'concurrency.perDomain': 8 });
  const error = await download(new Request('http://a.test/1'), { errorCode: 'ERR_CONNECTION_RESET', latencyMs: 5 });
  assert.equal((error as RetryableError).code, 'ERR_CONNECTION_RESET', 'the error reaches the outer middlewares');
  assert.equal(frontier.slot('a.test').limit, 4);
  await download(new Request('http://a.test/2'), { status: 404, latencyMs: 5 });
  await download(new Request('http://a.test/3'), { errorCode: 'ERR_DNS', latencyMs: 5 });
  assert.equal(frontier.slot('a.test').limit, 4, 'a 404 and a DNS failure are not overload');
});

test('Retry-After on a 429 or 503 pauses the slot until then, capped by throttle.maxRetryAfterMs; other slots go on', async () => {
  const { download, frontier, clock, stats } = setup({ 'throttle.maxRetryAfterMs': 60_000 });
  await download(new Request('http://a.test/1'), { status: 503, latencyMs: 0, headers: { 'retry-after': '30' } });
  const pausedAt = clock.now();
  frontier.push(new Request('http://a.test/2'), pausedAt);
  frontier.push(new Request('http://b.test/1'), pausedAt);
  assert.equal(frontier.next(pausedAt)?.request.host, 'b.test');
  assert.equal(frontier.next(pausedAt + 29_999), undefined, 'a.test waits out its Retry-After');
  assert.equal(frontier.next(pausedAt + 30_000)?.request.host, 'a.test');
  assert.equal(stats.count('throttle/retry_after_pauses'), 1);

  clock.advance(30_000);
  await download(new Request('http://c.test/1'), { status: 429, latencyMs: 0, headers: { 'retry-after': '86400' } });
  frontier.push(new Request('http://c.test/2'), clock.now());
  assert.equal(frontier.next(clock.now() + 59_999), undefined);
  assert.ok(frontier.next(clock.now() + 60_000), 'a day-long Retry-After is cut to the cap');
});

test('an unparsable Retry-After is counted and logged, and pauses nothing; a 200 with Retry-After pauses nothing', async () => {
  const { download, frontier, clock, stats, lines } = setup();
  await download(new Request('http://a.test/1'), { status: 429, latencyMs: 0, headers: { 'retry-after': 'soon' } });
  await download(new Request('http://b.test/1'), { status: 200, latencyMs: 0, headers: { 'retry-after': '30' } });
  assert.equal(stats.count('throttle/retry_after_invalid'), 1);
  assert.ok(lines.some((l) => l.startsWith('warn: ERR_RETRY_AFTER_INVALID') && l.includes('"soon"')));
  assert.equal(stats.count('throttle/retry_after_pauses'), 0);
  frontier.push(new Request('http://b.test/2'), clock.now());
  assert.ok(frontier.next(clock.now()), 'b.test was not paused');
});

test('throttle.enabled=false: limits never move, yet a Retry-After still pauses the slot (the server asked)', async () => {
  const { window, download, frontier, clock, stats } = setup({ 'throttle.enabled': false, 'concurrency.perDomain': 8 });
  await window('a.test', 10);
  assert.equal(await window('a.test', 5_000), 8);
  await download(new Request('http://a.test/x'), { status: 429, latencyMs: 0, headers: { 'retry-after': '5' } });
  assert.equal(frontier.slot('a.test').limit, 8);
  frontier.push(new Request('http://a.test/y'), clock.now());
  assert.equal(frontier.next(clock.now()), undefined);
  assert.ok(frontier.next(clock.now() + 5_000));
  assert.equal(stats.count('throttle/decreases'), 0);
});

test('outside a crawl (no slot feedback) the middleware passes results and errors through untouched', async () => {
  const context: MiddlewareContext = { settings: mergeSettings({ 'throttle.enabled': true }), stats: new Stats(), logger: recordingLogger().logger, now: () => 0, random: () => 0 };
  const ok = new ThrottleMiddleware(context).wrap(async (request) => statusResponse(429, request, { 'retry-after': '10' }));
  assert.equal(((await ok(new Request('http://a.test/'))) as { status: number }).status, 429);
  const failing = new ThrottleMiddleware(context).wrap(async () => {
    throw new RetryableError('ERR_DOWNLOAD_TIMEOUT', 'slow');
  });
  assert.equal(await codeOf(failing(new Request('http://a.test/'))), 'ERR_DOWNLOAD_TIMEOUT');
});
