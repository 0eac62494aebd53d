import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { Response } from '../../src/http/response.js';
import type { LogLevel } from '../../src/log.js';
import { GROW_WINDOW_MS } from '../../src/parse/thread-growth.js';
import { WorkerRunner, type WorkerRunnerOptions } from '../../src/parse/worker-runner.js';
import FaultsSpider, { HOLD_CHANNEL } from '../fixtures/spiders/faults.js';
import { collect } from '../helpers/iterate.js';
import { fakeResponse } from '../helpers/response.js';

const FAULTS_FILE = fileURLToPath(new URL('../fixtures/spiders/faults.ts', import.meta.url));

/** A page whose p.value names its URL. */
function valuePage(url: string): Response {
  return fakeResponse(`<!doctype html><html><head><title>t</title></head><body><p class="value">v ${url}</p></body></html>`, undefined, url);
}

function runner(maxQueue: number, timeoutMs = 0, workers = 1, more: Partial<WorkerRunnerOptions> = {}): WorkerRunner {
  const lines: string[] = [];
  return new WorkerRunner({
    spider: new FaultsSpider(),
    spiderFile: FAULTS_FILE,
    args: {},
    workers,
    maxQueue,
    timeoutMs,
    maxOldGenerationSizeMb: 0,
    logLevel: 'info' as LogLevel,
    logSink: (level, name, message) => lines.push(`${level} ${name} ${message}`),
    ...more,
  });
}

test('saturated turns true at threads + maxQueue pending tasks and false once they finish', async () => {
  const pool = runner(1);
  try {
    assert.equal(pool.saturated, false);
    const first = collect(pool.callback(valuePage('http://127.0.0.1/page/1')));
    assert.equal(pool.saturated, false, 'one task, room for one more in the queue');
    const second = collect(pool.callback(valuePage('http://127.0.0.1/page/2')));
    assert.equal(pool.saturated, true, 'one running and one queued: the engine stops downloading');
    const results = await Promise.all([first, second]);
    assert.deepEqual(results.map((outputs) => (outputs[0] as { value: string }).value), ['v http://127.0.0.1/page/1', 'v http://127.0.0.1/page/2']);
    assert.equal(pool.saturated, false);
  } finally {
    await pool.close();
  }
});

test('hasMethod checks the main-thread spider; close() fails nothing already finished and is idempotent', async () => {
  const pool = runner(4);
  assert.equal(pool.hasMethod('parse'), true);
  assert.equal(pool.hasMethod('nope'), false);
  assert.deepEqual(await collect(pool.callback(valuePage('http://127.0.0.1/page/3'))), [{ url: 'http://127.0.0.1/page/3', value: 'v http://127.0.0.1/page/3' }]);
  await pool.close();
  await pool.close();
});

test('a callback name the worker spider lacks fails with ERR_CALLBACK_NOT_FOUND', async () => {
  const pool = runner(4);
  try {
    const response = valuePage('http://127.0.0.1/page/4');
    const missing = new Response({ url: response.url, status: 200, headers: response.headers, body: response.body, request: new Request({ url: response.url, callback: 'nope' }) });
    await assert.rejects(collect(pool.callback(missing)), (e: unknown) => (e as { code?: string }).code === 'ERR_CALLBACK_NOT_FOUND');
  } finally {
    await pool.close();
  }
});

/** Each callback's outputs, or its error's code. */
const settle = (stream: ReturnType<WorkerRunner['callback']>) =>
  collect(stream).then(
    (outputs) => outputs.map((output) => (output as { value?: string; before?: string }).value ?? `before ${(output as { before: string }).before}`),
    (error: unknown) => (error as { code?: string }).code,
  );

test('callbacks submitted in one turn are handed over together, split over the threads', async () => {
  const pool = runner(16, 0, 2);
  try {
    const pages = [1, 2, 3, 4, 5].map((i) => settle(pool.callback(valuePage(`http://127.0.0.1/page/${i}`))));
    assert.deepEqual(await Promise.all(pages), [1, 2, 3, 4, 5].map((i) => [`v http://127.0.0.1/page/${i}`]));
    assert.equal(pool.handOvers, 2, 'one hand-over per thread: 3 tasks and 2');
    assert.deepEqual(await settle(pool.callback(valuePage('http://127.0.0.1/page/6'))), ['v http://127.0.0.1/page/6']);
    assert.equal(pool.handOvers, 3, 'a lone task is a hand-over of its own');
  } finally {
    await pool.close();
  }
});

test('a crash in a batch fails only the callback that caused it: the others run again alone', async () => {
  const pool = runner(16);
  try {
    const urls = ['http://127.0.0.1/page/1', 'http://127.0.0.1/page/0?mode=exit', 'http://127.0.0.1/page/2'];
    const results = await Promise.all(urls.map((url) => settle(pool.callback(valuePage(url)))));
    assert.deepEqual(results, [['v http://127.0.0.1/page/1'], 'ERR_PARSE_WORKER_CRASHED', ['v http://127.0.0.1/page/2']]);
    assert.equal(pool.handOvers, 4, 'the batch, then each of its 3 tasks alone');
  } finally {
    await pool.close();
  }
});

test('a callback of a batch that runs past parse.timeoutMs fails alone; the rest of the batch runs again', async () => {
  const pool = runner(16, 1_000);
  try {
    const urls = ['http://127.0.0.1/page/1', 'http://127.0.0.1/page/0?mode=hang', 'http://127.0.0.1/page/2'];
    const results = await Promise.all(urls.map((url) => settle(pool.callback(valuePage(url)))));
    assert.deepEqual(results, [['v http://127.0.0.1/page/1'], 'ERR_PARSE_TIMEOUT', ['v http://127.0.0.1/page/2']]);
    assert.equal(pool.handOvers, 3, 'the batch, then the two others alone');
  } finally {
    await pool.close();
  }
});

test('a runner that may grow adds a thread once its threads were busy GROW_BUSY of a window and callbacks wait', async () => {
  let now = 1_000;
  const started: number[] = [];
  const clock = { now: () => now, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  const pool = runner(16, 0, 2, { startThreads: 1, clock, onThreadStarted: (threads) => started.push(threads) });
  const channel = new BroadcastChannel(HOLD_CHANNEL);
  const holding = new Promise<void>((resolve) => {
    channel.onmessage = (event) => {
      if ((event as MessageEvent).data === 'holding') resolve();
    };
  });
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const page = (i: number) => settle(pool.callback(valuePage(`http://127.0.0.1/page/${i}`)));
  try {
    assert.deepEqual(started, [1]);
    // Idle for 80% of the first window, then held busy.
    now += 0.8 * GROW_WINDOW_MS;
    const held = settle(pool.callback(valuePage('http://127.0.0.1/page/0?mode=hold')));
    await holding;
    now += 0.2 * GROW_WINDOW_MS;
    const first = page(1);
    await turn();
    assert.equal(pool.threads, 1, 'a callback waits, but the thread was busy 20% of the window');
    now += GROW_WINDOW_MS - 1;
    const second = page(2);
    await turn();
    assert.equal(pool.threads, 1, 'the next window is 1 ms short');
    now += 1;
    const third = page(3);
    await turn();
    assert.equal(pool.threads, 2, 'busy the whole window, callbacks waiting: a second thread');
    assert.deepEqual(started, [1, 2]);
    // The new thread runs the three while the first still holds.
    assert.deepEqual(await Promise.all([first, second, third]), [1, 2, 3].map((i) => [`v http://127.0.0.1/page/${i}`]));
    assert.equal(pool.handOvers, 2, 'the held page, then the three waiting ones together');
    channel.postMessage('release');
    assert.deepEqual(await held, ['before hold'], 'released, the held callback ends');
    // Never past `workers`.
    now += 10 * GROW_WINDOW_MS;
    assert.deepEqual(await Promise.all([4, 5, 6, 7, 8].map(page)), [4, 5, 6, 7, 8].map((i) => [`v http://127.0.0.1/page/${i}`]));
    assert.equal(pool.threads, 2);
  } finally {
    channel.postMessage('release');
    channel.close();
    await pool.close();
  }
});

test('a thread that takes every waiting callback at each hand-over still counts as busy', async () => {
  let now = 1_000;
  const clock = { now: () => now, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  const pool = runner(16, 0, 2, { startThreads: 1, clock });
  const channel = new BroadcastChannel(HOLD_CHANNEL);
  let holding: () => void = () => {};
  channel.onmessage = (event) => {
    if ((event as MessageEvent).data === 'holding') holding();
  };
  // Resolves once the callback holds its thread, with its result (a promise, wrapped so that
  // awaiting this does not wait for the release).
  const hold = async (i: number) => {
    const started = new Promise<void>((resolve) => (holding = resolve));
    const result = settle(pool.callback(valuePage(`http://127.0.0.1/page/${i}?mode=hold`)));
    await started;
    return { result };
  };
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  try {
    const { result: first } = await hold(1);
    const waiting = settle(pool.callback(valuePage('http://127.0.0.1/page/2')));
    await turn();
    now += GROW_WINDOW_MS / 2;
    // Released, the thread takes the waiting callback: nothing waits any more, for a moment.
    channel.postMessage('release');
    assert.deepEqual(await first, ['before hold']);
    assert.deepEqual(await waiting, ['v http://127.0.0.1/page/2']);
    const { result: second } = await hold(3);
    now += GROW_WINDOW_MS / 2;
    const third = settle(pool.callback(valuePage('http://127.0.0.1/page/4')));
    await turn();
    assert.equal(pool.threads, 2, 'busy the whole window, though its queue emptied halfway');
    assert.deepEqual(await third, ['v http://127.0.0.1/page/4']);
    channel.postMessage('release');
    assert.deepEqual(await second, ['before hold']);
  } finally {
    channel.postMessage('release');
    channel.close();
    await pool.close();
  }
});

test('a fixed pool starts all its threads at once', async () => {
  const started: number[] = [];
  const pool = runner(16, 0, 3, { onThreadStarted: (threads) => started.push(threads) });
  try {
    assert.equal(pool.threads, 3);
    assert.deepEqual(started, [1, 2, 3]);
    assert.deepEqual(await settle(pool.callback(valuePage('http://127.0.0.1/page/1'))), ['v http://127.0.0.1/page/1']);
  } finally {
    await pool.close();
  }
});
