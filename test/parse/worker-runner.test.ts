import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Request } from '../../src/http/request.js';
import { Response } from '../../src/http/response.js';
import type { LogLevel } from '../../src/log.js';
import { WorkerRunner } from '../../src/parse/worker-runner.js';
import FaultsSpider from '../fixtures/spiders/faults.js';
import { collect } from '../helpers/iterate.js';
import { fakeResponse } from '../helpers/response.js';

const FAULTS_FILE = fileURLToPath(new URL('../fixtures/spiders/faults.ts', import.meta.url));

/** A page whose p.value names its URL. */
function valuePage(url: string): Response {
  return fakeResponse(`<!doctype html><html><head><title>t</title></head><body><p class="value">v ${url}</p></body></html>`, undefined, url);
}

function runner(maxQueue: number, timeoutMs = 0, workers = 1): WorkerRunner {
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
