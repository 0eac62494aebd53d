/**
 * `crawl bench` through the real built CLI: it starts its own site in a child process, crawls it
 * with the built-in spider (on a parse worker, and in-process with `-s parse.workers=0`) and
 * prints every figure. Only the presence and consistency of the figures is checked, never their
 * size: the machine's speed is not under test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/project.js';

const dir = mkdtempSync(join(tmpdir(), 'arachne-bench-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('crawl bench prints pages/s, items/s, CPU, RSS, reuse, concurrency and the Little\'s-law figure', async () => {
  const result = await runCli(['bench', '--pages', '200', '--seconds', '5', '--page-size', '4000', '--links', '5'], dir);
  assert.equal(result.code, 0, result.stderr);
  for (const label of ['pages/s', 'items/s', 'cpu s/1000 pages', 'peak rss', 'reuse rate', 'mean latency', 'mean concurrency', 'littles law']) {
    assert.match(result.stdout, new RegExp(`^${label} +\\S`, 'm'), `missing "${label}" in:\n${result.stdout}`);
  }
  // 200 pages, all reachable from /page/0: finished before the 5 s limit, or stopped by it.
  assert.match(result.stdout, /^pages +\d+ in [\d.]+ s \((finished|bench_time)\), parse\.workers=auto, errors 0$/m);
});

test('crawl bench --json -s parse.workers=0 --items 3: one item per card, every page fetched, figures consistent', async () => {
  const result = await runCli(['bench', '--pages', '200', '--seconds', '0', '--items', '3', '--page-size', '4000', '--json', '-s', 'parse.workers=0', '--concurrency', '8'], dir);
  assert.equal(result.code, 0, result.stderr);
  const r = JSON.parse(result.stdout) as Record<string, number | string>;
  assert.equal(r.finishReason, 'finished');
  assert.equal(r.parseWorkers, 0);
  assert.equal(r.pages, 200);
  assert.equal(r.items, 600);
  assert.equal(r.errors, 0);
  assert.equal(r.concurrency, 8);
  for (const key of ['pagesPerSecond', 'itemsPerSecond', 'cpuSecondsPer1000Pages', 'peakRssMb', 'meanLatencyMs', 'meanConcurrency', 'littlesLawEfficiency']) {
    assert.ok(typeof r[key] === 'number' && r[key] > 0, `${key} = ${r[key]}`);
  }
  assert.ok(Math.abs((r.itemsPerSecond as number) - 3 * (r.pagesPerSecond as number)) < 1, 'items/s is 3x pages/s');
  assert.ok((r.meanConcurrency as number) <= 8, 'mean concurrency never exceeds the limit');
  assert.ok((r.reuseRate as number) > 0.5 && (r.reuseRate as number) <= 1, `reuse ${r.reuseRate}`);
});

test('crawl bench rejects a bad number with a coded error', async () => {
  const result = await runCli(['bench', '--pages', 'many'], dir);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /ERR_CLI_ARGUMENT: --pages "many"/);
});
