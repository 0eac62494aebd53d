/**
 * Job-dir benchmark (a script, not a test): what a job dir costs and what it saves.
 *
 * 1. Frontier: a start generator yields 1,000,000 requests (over 1,000 hosts) into the scheduler
 *    (fingerprint, seen set, frontier), then every one is dispatched, released and done. Each mode
 *    runs in its own child process so its peak RSS (`resourceUsage().maxRSS`) is its own:
 *    in memory, and with a job dir (SQLite store, 10,000-request window).
 * 2. Demo crawl: the demo shop (examples/demo) crawled to the end, in memory and with a job dir,
 *    alternating, `--rounds` times each; pages/s medians and their ratio.
 *
 *   npm run bench:jobs [-- --requests 1000000 --rounds 15]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Crawler } from '../../src/core/crawler.js';
import { Stats } from '../../src/stats.js';
import { Request } from '../../src/http/request.js';
import { silentLogger } from '../../src/log.js';
import { openJob, type Job } from '../../src/scheduler/job.js';
import { Frontier } from '../../src/scheduler/frontier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { SpiderClass } from '../../src/spider/spider.js';
import { startDemoSite } from '../../examples/demo/site/server.js';
import ProductsSpider from '../../examples/demo/spiders/products.js';
import { median } from './median.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '15' },
    child: { type: 'string' },
  },
});
const requests = Number(values.requests);

interface FrontierFigures {
  mode: string;
  requests: number;
  enqueuePerSec: number;
  dequeuePerSec: number;
  peakRssMb: number;
  queuedAtPeak: number;
}

/** The child side: one mode, figures as one JSON line on stdout. */
async function frontierRun(mode: 'memory' | 'job'): Promise<FrontierFigures> {
  const dir = mode === 'job' ? mkdtempSync(join(tmpdir(), 'arachne-bench-job-')) : undefined;
  const job: Job | undefined = dir ? await openJob({ dir, logger: silentLogger, now: () => Date.now() }) : undefined;
  const scheduler = new Scheduler({
    stats: new Stats(),
    frontier: new Frontier({
      globalLimit: 64,
      slot: { limit: 8, delayMs: 0, randomizeDelay: false, ratePerMinute: 0, burst: 1 },
    }),
    ...(job ? { job: { store: job.store, window: 10_000, perSlot: 100 } } : {}),
  });
  async function* start(): AsyncGenerator<Request> {
    for (let i = 0; i < requests; i++) yield new Request(`http://host-${i % 1_000}.test/item/${i}?ref=${(i * 7919) % 100_003}`);
  }
  let t0 = performance.now();
  let n = 0;
  for await (const request of start()) {
    scheduler.enqueue(request, 0);
    // As the engine does between pulls: let the store's per-tick commit run.
    if (++n % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const queuedAtPeak = scheduler.size;
  const enqueueSecs = (performance.now() - t0) / 1_000;
  t0 = performance.now();
  let done = 0;
  while (scheduler.size > 0) {
    const dispatch = scheduler.next(0);
    if (!dispatch) throw new Error('the frontier stalled');
    scheduler.frontier.release(dispatch, 0);
    scheduler.done(dispatch.request);
    if (++done % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await job?.store.flush();
  const dequeueSecs = (performance.now() - t0) / 1_000;
  await job?.close(undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
  return {
    mode,
    requests,
    enqueuePerSec: Math.round(requests / enqueueSecs),
    dequeuePerSec: Math.round(done / dequeueSecs),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    queuedAtPeak,
  };
}

async function demoCrawl(jobDir: string | undefined): Promise<number> {
  const site = await startDemoSite();
  try {
    const crawler = new Crawler({
      // The demo spider imports the built package (`arachne`); the crawler is the source one.
      spiderClass: ProductsSpider as unknown as SpiderClass,
      projectConfig: { 'concurrency.perDomain': 8, 'log.level': 'error', 'log.statsIntervalMs': 0, 'parse.workers': 0, ...(jobDir ? { 'job.dir': jobDir } : {}) },
      args: { baseUrl: `${site.url}/` },
      logSink: () => {},
    });
    const t0 = performance.now();
    const result = await crawler.crawl();
    const pages = Number(result.stats['response/received'] ?? 0);
    return pages / ((performance.now() - t0) / 1_000);
  } finally {
    await site.close();
  }
}

if (values.child === 'memory' || values.child === 'job') {
  process.stdout.write(`${JSON.stringify(await frontierRun(values.child))}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  console.log(`frontier: ${requests.toLocaleString('en')} requests from a start generator over 1,000 hosts`);
  for (const mode of ['memory', 'job']) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, '--requests', String(requests)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`${mode} run failed: ${child.stderr}`);
    const f = JSON.parse(child.stdout.trim().split('\n').pop()!) as FrontierFigures;
    console.log(
      `  ${mode.padEnd(6)} peak RSS ${String(f.peakRssMb).padStart(5)} MB with ${f.queuedAtPeak.toLocaleString('en')} queued; ` +
        `enqueue ${f.enqueuePerSec.toLocaleString('en')}/s, dispatch+done ${f.dequeuePerSec.toLocaleString('en')}/s`,
    );
  }
  const rounds = Number(values.rounds);
  const memory: number[] = [];
  const job: number[] = [];
  // Warm-up, not measured: module loading and JIT, for both modes (SQLite's own code too).
  await demoCrawl(undefined);
  const warmDir = mkdtempSync(join(tmpdir(), 'arachne-bench-demo-'));
  await demoCrawl(warmDir);
  rmSync(warmDir, { recursive: true, force: true });
  for (let round = 0; round < rounds; round++) {
    memory.push(await demoCrawl(undefined));
    const dir = mkdtempSync(join(tmpdir(), 'arachne-bench-demo-'));
    try {
      job.push(await demoCrawl(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const m = median(memory);
  const j = median(job);
  console.log(`demo crawl (${rounds} rounds each, medians): in memory ${Math.round(m)} pages/s, job dir ${Math.round(j)} pages/s = ${Math.round((j / m) * 100)}% of in memory`);
}
