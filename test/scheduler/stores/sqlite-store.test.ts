/** The SQLite job store under the scheduler: window, per-slot cap, priority, persistence, resume. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Stats } from '../../../src/stats.js';
import { Request } from '../../../src/http/request.js';
import { silentLogger } from '../../../src/log.js';
import { openJob, type Job } from '../../../src/scheduler/job.js';
import { Frontier } from '../../../src/scheduler/frontier.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { decodeRequest, encodeRequest } from '../../../src/scheduler/stores/request-codec.js';
import { tempDir } from '../../helpers/temp-dir.js';

function schedulerOver(job: Job, window: number, perSlot: number, slotLimit = 1_000): Scheduler {
  return new Scheduler({
    stats: new Stats(),
    frontier: new Frontier({
      globalLimit: 1_000,
      slot: { limit: slotLimit, delayMs: 0, randomizeDelay: false, ratePerMinute: 0, burst: 1 },
    }),
    job: { store: job.store, window, perSlot },
  });
}

test('the codec keeps every field, a binary body and meta, and drops the per-attempt proxy id', () => {
  const request = new Request({
    url: 'https://a.test/x?q=1',
    method: 'POST',
    headers: { 'x-a': '1' },
    body: new Uint8Array([0, 255, 7]),
    priority: 5,
    callback: 'parseItem',
    errback: 'onError',
    cbKwargs: { k: [1, 2] },
    userData: { u: 'v' },
    meta: { depth: 2, notBefore: 1_700_000_000_000, proxyId: 'p1' },
  });
  const back = decodeRequest(encodeRequest(request));
  assert.deepEqual({ ...back.toData(), body: [...(back.body as Uint8Array)] }, { ...request.toData(), body: [0, 255, 7], meta: { depth: 2, notBefore: 1_700_000_000_000 } });
});

test('memory holds a window; the rest stays in the store and comes back per slot by priority', async (t) => {
  const dir = tempDir(t, 'store');
  const job = await openJob({ dir, logger: silentLogger, now: () => 0 });
  const scheduler = schedulerOver(job, 30, 10);
  for (let i = 0; i < 300; i++) {
    const host = ['a', 'b', 'c'][i % 3];
    assert.equal(scheduler.enqueue(new Request({ url: `http://${host}.test/${i}`, priority: i % 7 }), 0), 'queued');
  }
  assert.equal(scheduler.enqueue(new Request('http://a.test/0'), 0), 'duplicate', 'the seen set answers');
  assert.equal(scheduler.size, 300);
  assert.ok(scheduler.frontier.size <= 30, `memory holds ${scheduler.frontier.size} <= 30`);
  assert.equal(job.store.stored, 300 - scheduler.frontier.size);

  const order: Request[] = [];
  for (let guard = 0; guard < 1_000 && scheduler.size > 0; guard++) {
    const dispatch = scheduler.next(0);
    assert.ok(dispatch, 'a request is always ready while some are queued');
    assert.ok(scheduler.frontier.size <= 30);
    order.push(dispatch.request);
    scheduler.frontier.release(dispatch, 0);
    scheduler.done(dispatch.request);
  }
  assert.equal(order.length, 300);
  assert.equal(new Set(order.map((r) => r.url)).size, 300, 'each request once');
  // Within a slot, a stored batch comes back highest priority first.
  const firstA = order.filter((r) => r.host === 'a.test').slice(10, 20).map((r) => r.priority);
  assert.deepEqual(firstA, [...firstA].sort((x, y) => y - x));
  await job.close(undefined);
  const reopened = await openJob({ dir, logger: silentLogger, now: () => 0 });
  assert.equal(reopened.store.stored, 0, 'every done request was forgotten');
  await reopened.close(undefined);
});

test('a busy slot is refilled from the store at half its window, not after every dispatch', async (t) => {
  const job = await openJob({ dir: tempDir(t, 'store'), logger: silentLogger, now: () => 0 });
  const scheduler = schedulerOver(job, 1_000, 20);
  for (let i = 0; i < 400; i++) scheduler.enqueue(new Request(`http://a.test/${i}`), 0);
  let loads = 0;
  const load = job.store.load.bind(job.store);
  job.store.load = (max, room) => (loads++, load(max, room));
  let sent = 0;
  for (let guard = 0; guard < 1_000 && scheduler.size > 0; guard++) {
    const dispatch = scheduler.next(0);
    assert.ok(dispatch, 'a request is always ready while some are queued');
    sent++;
    scheduler.frontier.release(dispatch, 0);
    scheduler.done(dispatch.request);
  }
  assert.equal(sent, 400);
  // 380 stored requests come back 10 or more at a time.
  assert.ok(loads <= 40, `${loads} store loads for 380 stored requests`);
  await job.close(undefined);
});

test('a slot that only the store holds (the window was full) is loaded while the slots in memory are busy', async (t) => {
  const job = await openJob({ dir: tempDir(t, 'store'), logger: silentLogger, now: () => 0 });
  // Window 10: a.test's 10 requests fill it; b.test's go to the store. One unit per slot.
  const scheduler = schedulerOver(job, 10, 10, 1);
  for (let i = 0; i < 10; i++) scheduler.enqueue(new Request(`http://a.test/${i}`), 0);
  for (let i = 0; i < 5; i++) scheduler.enqueue(new Request(`http://b.test/${i}`), 0);
  assert.equal(job.store.stored, 5);
  const first = scheduler.next(0);
  assert.equal(first?.request.host, 'a.test');
  // a.test is busy now (1 unit); b.test must come from the store.
  const second = scheduler.next(0);
  assert.equal(second?.request.host, 'b.test', 'the stored slot was loaded once the window had room');
  await job.close(undefined);
});

test('a reopened job gets back queued and in-flight requests, its seen set, start progress and spider state', async (t) => {
  const dir = tempDir(t, 'store');
  const job = await openJob({ dir, logger: silentLogger, now: () => 0 });
  const scheduler = schedulerOver(job, 5, 5);
  for (let i = 0; i < 20; i++) scheduler.enqueue(new Request(`http://a.test/${i}`), 0);
  job.store.recordStart({ done: false, pulled: 20 });
  const inFlight = scheduler.next(0)!;
  const finished = scheduler.next(0)!;
  scheduler.done(finished.request);
  await job.store.flush();
  // Closing without `done` for the one in flight: as a crash would leave it.
  await job.close({ pages: 2 });

  const again = await openJob({ dir, logger: silentLogger, now: () => 0 });
  assert.equal(again.resumed, true);
  assert.equal(again.store.stored, 19, 'all but the finished one, the one in flight included');
  assert.deepEqual(again.store.start, { done: false, pulled: 20 });
  assert.deepEqual(again.store.loadSpiderState(), { pages: 2 });
  const resumed = schedulerOver(again, 50, 50);
  assert.equal(resumed.enqueue(new Request(finished.request.url), 0), 'duplicate');
  const urls = new Set<string>();
  for (let d = resumed.next(0); d; d = resumed.next(0)) urls.add(d.request.url);
  assert.equal(urls.size, 19);
  assert.ok(urls.has(inFlight.request.url), 'the request in flight comes back');
  assert.ok(!urls.has(finished.request.url), 'the finished one does not');
  await again.close(undefined);
});
