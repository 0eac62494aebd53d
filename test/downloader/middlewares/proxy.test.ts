/**
 * The proxy downloader middleware outside a crawl: a real proxy pool picks the proxy (as the
 * frontier does), the middleware classifies each outcome for the pool's health, and a manual clock
 * gives the latencies. No socket is opened: the inner handler answers from memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compose, type Handler, type MiddlewareContext } from '../../../src/downloader/middleware.js';
import { ProxyMiddleware } from '../../../src/downloader/middlewares/proxy.js';
import { RetryMiddleware } from '../../../src/downloader/middlewares/retry.js';
import { RetryableError, type ArachneError } from '../../../src/errors.js';
import { Request } from '../../../src/http/request.js';
import { proxyPoolFromSettings, recordProxyStats } from '../../../src/proxy/from-settings.js';
import type { ProxyPool, ProxyState } from '../../../src/proxy/pool.js';
import { mergeSettings } from '../../../src/settings/config.js';
import type { SettingValues } from '../../../src/settings/defaults.js';
import { Stats } from '../../../src/stats.js';
import { codeOf } from '../../helpers/assert-code.js';
import { manualClock } from '../../helpers/clock.js';
import { recordingLogger } from '../../helpers/log.js';
import { statusResponse } from '../../helpers/response.js';

const SECRET = 's3cr3t-pw';
const PROXIES = [`http://alice:${SECRET}@127.0.0.1:1`, 'http://127.0.0.1:2'];

/** What the inner handler does for one attempt: answer with a status (and body), or throw. */
type Answer = { status: number; body?: string; latencyMs?: number } | { error: unknown; latencyMs?: number };

function setup(settings: Partial<SettingValues> = {}) {
  const values = mergeSettings({ 'proxy.enabled': true, 'proxy.list': PROXIES, 'proxy.strategy': 'round-robin', ...settings });
  const { logger, lines } = recordingLogger();
  const pool = proxyPoolFromSettings(values, logger, () => 0)!;
  const clock = manualClock(1_000_000);
  const stats = new Stats();
  const context: MiddlewareContext = { settings: values, stats, logger, now: clock.now, random: () => 0.5, proxies: pool };
  let answer: Answer = { status: 200 };
  const inner: Handler = async (request) => {
    clock.advance(answer.latencyMs ?? 10);
    if ('error' in answer) throw answer.error;
    return statusResponse(answer.status, request, { 'content-type': 'text/html' }, answer.body ?? '<p>ok</p>');
  };
  const chain = compose([...(RetryMiddleware.enabled(values) ? [new RetryMiddleware(context)] : []), new ProxyMiddleware(context)], inner);

  /** Takes a proxy from the pool as the frontier does, downloads, releases; returns the proxy id and what came back. */
  async function send(request: Request, next: Answer = { status: 200 }): Promise<{ id: string; result?: Request | number; code?: string; error?: ArachneError }> {
    answer = next;
    const got = pool.acquire(request, clock.now());
    assert.ok(typeof got === 'object', `the pool gave a proxy, not ${String(got)}`);
    request.meta.proxyId = got.id;
    try {
      const result = await chain(request);
      return { id: got.id, result: Request.isRequest(result) ? result : result.status };
    } catch (error) {
      return { id: got.id, code: (error as ArachneError).code, error: error as ArachneError };
    } finally {
      pool.release(got);
    }
  }
  const state = (id: string): ProxyState => pool.states.find((s) => s.id === id)!;
  return { pool, stats, lines, clock, send, state, context };
}

const everything = (pool: ProxyPool, stats: Stats, lines: string[], extra: unknown[] = []): string => {
  recordProxyStats(pool, stats);
  return JSON.stringify([lines, stats.toJSON(), pool.states.map((s) => s.id), extra]);
};

test('assignment: the pool spreads requests over its proxies; ids never hold credentials', async () => {
  const { send } = setup();
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push((await send(new Request(`http://a.test/${i}`))).id);
  assert.deepEqual(ids, ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:1', '127.0.0.1:2']);
  assert.ok(ids.every((id) => !id.includes(SECRET) && !id.includes('alice')));
});

test('sticky sessions: one proxy per meta.proxySession until the binding budget ends', async () => {
  const { send } = setup({ 'proxy.sticky': 'session', 'proxy.stickyMaxRequests': 3 });
  const session = (s: string, i: number) => new Request({ url: `http://a.test/${s}/${i}`, meta: { proxySession: s } });
  const a = [];
  for (let i = 0; i < 3; i++) a.push((await send(session('a', i))).id);
  assert.equal(new Set(a).size, 1, `session a kept one proxy: ${a}`);
  const b = (await send(session('b', 0))).id;
  assert.equal((await send(session('b', 1))).id, b);
  // The fourth request of session a is past its budget: a fresh pick (round-robin moves on).
  const fourth = (await send(session('a', 3))).id;
  assert.equal((await send(session('a', 4))).id, fourth, 'the fresh pick is sticky in turn');
});

test('outcomes reach the health: success with its latency, 404 the target\'s, 502 and resets the proxy\'s', async () => {
  const { send, state } = setup({ 'proxy.list': ['http://127.0.0.1:1'], 'proxy.failureThreshold': 10, 'retry.enabled': false });
  assert.equal((await send(new Request('http://a.test/1'), { status: 200, latencyMs: 120 })).result, 200);
  assert.equal((await send(new Request('http://a.test/2'), { status: 404 })).result, 404);
  assert.equal((await send(new Request('http://a.test/3'), { status: 502 })).result, 502, 'a gateway status is returned: retrying it is the retry middleware\'s call');
  const reset = await send(new Request('http://a.test/4'), { error: new RetryableError('ERR_CONNECTION_RESET', 'socket hang up') });
  assert.equal(reset.code, 'ERR_CONNECTION_RESET');
  const p = state('127.0.0.1:1');
  assert.deepEqual(p.outcomes, { success: 1, target_error: 1, proxy_failure: 2 });
  assert.deepEqual(Object.fromEntries(p.failures), { 'status/502': 1, ERR_CONNECTION_RESET: 1 });
  assert.equal(p.health.latencyPercentile(0.5), 120, 'latency read from the injected clock');
  assert.equal(p.successRate, 1 / 3, 'target errors are not held against the proxy');
});

test('a ban (status or body pattern) is a proxy failure, retried through another proxy', async () => {
  const { send, state, stats } = setup({ 'proxy.banPattern': 'captcha' });
  const first = await send(new Request('http://a.test/x'), { status: 403 });
  assert.ok(first.result instanceof Request, 'the ban comes back as a retry');
  const retry = first.result as Request;
  assert.deepEqual(retry.meta.avoidProxies, [first.id]);
  assert.equal(stats.count('retry/reason/ERR_PROXY_BANNED'), 1);
  const second = await send(retry, { status: 200, body: '<p>please solve this CAPTCHA</p>' });
  assert.notEqual(second.id, first.id, 'the retry went through the other proxy');
  assert.ok(second.result instanceof Request, 'a body matching proxy.banPattern is a ban too');
  assert.equal(state(first.id).failures.get('ERR_PROXY_BANNED'), 1);
  assert.equal(state(second.id).failures.get('ERR_PROXY_BANNED'), 1);
  // A 403 through meta.dontRetry reaches the caller as the coded error.
  const last = await send(new Request({ url: 'http://a.test/y', meta: { dontRetry: true } }), { status: 429 });
  assert.equal(last.code, 'ERR_PROXY_BANNED');
  assert.ok(last.error instanceof RetryableError);
});

test('failures in a row cool a proxy down: the pool stops giving it out until the cool-down ends', async () => {
  const { send, state, clock, pool } = setup({ 'proxy.failureThreshold': 2, 'proxy.cooldownMs': 5_000, 'proxy.sticky': 'session' });
  const req = (i: number) => new Request({ url: `http://a.test/${i}`, meta: { proxySession: 's', dontRetry: true } });
  const first = await send(req(0), { status: 503 });
  await send(req(1), { status: 503 });
  const bad = state(first.id);
  assert.equal(bad.health.state, 'cooling');
  // The sticky binding points at a cooling proxy: the session moves to the healthy one.
  const moved = await send(req(2));
  assert.notEqual(moved.id, first.id);
  assert.equal(pool.nextWakeAt(clock.now()), bad.health.coolingUntil);
  clock.advance(5_000);
  assert.equal(bad.health.usable(clock.now()), true, 'after its cool-down the proxy may take a probe');
});

test('407 and a refused CONNECT tunnel: ERR_PROXY_AUTH naming the proxy by id; no password in errors, logs or stats', async () => {
  const { send, pool, stats, lines } = setup({ 'retry.enabled': false });
  const answered407 = await send(new Request('http://a.test/1'), { status: 407 });
  const tunnel = await send(new Request('http://a.test/2'), { error: new Error('Proxy response (407) !== 200 when HTTP Tunneling') });
  for (const got of [answered407, tunnel]) {
    assert.equal(got.code, 'ERR_PROXY_AUTH');
    assert.match(got.error!.message, new RegExp(got.id.replace(/\./g, '\\.')));
    assert.ok(!`${got.error!.message} ${got.error!.hint}`.includes(SECRET));
  }
  assert.equal(pool.states.reduce((n, s) => n + (s.failures.get('ERR_PROXY_AUTH') ?? 0), 0), 2);
  assert.ok(lines.length > 0, 'the pool logged something to check');
  assert.ok(!everything(pool, stats, lines).includes(SECRET), 'the password is nowhere in logs or stats');
});

test('a request the pool refuses (every proxy dedicated elsewhere) is a coded drop; meta.proxy bypasses the pool', async () => {
  const { context, state } = setup();
  const chain = new ProxyMiddleware(context).wrap(async (request) => statusResponse(200, request));
  assert.equal(await codeOf(chain(new Request('http://a.test/'))), 'ERR_PROXY_REFUSED');
  const direct = await chain(new Request({ url: 'http://a.test/', meta: { proxy: null } }));
  assert.equal((direct as { status: number }).status, 200);
  assert.equal(state('127.0.0.1:1').outcomes.success + state('127.0.0.1:2').outcomes.success, 0, 'nothing reported for a request outside the pool');
});

test('proxy.enabled=false leaves the middleware out; with no pool it passes requests through', async () => {
  assert.equal(ProxyMiddleware.enabled(mergeSettings({})), false);
  const context: MiddlewareContext = { settings: mergeSettings({}), stats: new Stats(), logger: recordingLogger().logger, now: () => 0, random: () => 0 };
  const chain = new ProxyMiddleware(context).wrap(async (request) => statusResponse(204, request));
  assert.equal(((await chain(new Request('http://a.test/'))) as { status: number }).status, 204);
});
