/**
 * Little's-law benchmark (a script, not a test): against a local server with a fixed latency W
 * and a crawl concurrency C, the ceiling is C / W pages a second. Prints what Arachne achieves
 * as a fraction of it, and, in the same run against the same server, what a bare undici loop
 * (no parsing, no framework: the floor this machine and server allow) achieves. Defaults: C = 64,
 * W = 100 ms, ~2 KB pages, 5,000 start URLs (ceiling 640/s, below what 2 cores can parse, so the
 * frontier and engine are what is measured).
 *
 *   npm run bench:littles-law [-- --pages 5000 --concurrency 64 --latency 100 --workers 0,1 --rounds 3]
 *
 * Two rates per run: over the whole `crawl()` call (module loading and start-up included), and
 * over the crawl itself, from the first request sent to the last response received (what Little's
 * law is about). The site runs in its own process; each variant alternates within a round and the
 * table shows medians.
 */
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { Crawler } from '../../src/core/crawler.js';
import LittlesLawSpider from '../fixtures/spiders/littles-law.js';
import { startSiteProcess } from './site-process.js';
import { median } from './median.js';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '64' },
    latency: { type: 'string', default: '100' },
    workers: { type: 'string', default: '0,1' },
    rounds: { type: 'string', default: '3' },
  },
});
const pages = Number(values.pages);
const concurrency = Number(values.concurrency);
const latencyMs = Number(values.latency);
const rounds = Number(values.rounds);
const workerCounts = values.workers.split(',').map(Number);
const ceiling = concurrency / (latencyMs / 1000);
const SPIDER_FILE = fileURLToPath(new URL('../fixtures/spiders/littles-law.ts', import.meta.url));

interface Run {
  wallRate: number;
  crawlRate: number;
  cpuMsPerPage: number;
  loopP99Ms: number;
  errors: number;
}

async function arachne(base: string, workers: number): Promise<Run> {
  const crawler = new Crawler({
    spiderClass: LittlesLawSpider,
    spiderFile: SPIDER_FILE,
    args: { base, pages: String(pages) },
    projectConfig: {
      concurrency: { global: concurrency, perDomain: concurrency },
      log: { level: 'warn', statsIntervalMs: 0 },
      parse: { workers },
    },
  });
  let first = Infinity;
  let last = 0;
  crawler.events.on('requestDone', ({ dispatchedAt, doneAt }) => {
    if (dispatchedAt < first) first = dispatchedAt;
    if (doneAt > last) last = doneAt;
  });
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await crawler.crawl();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  loopDelay.disable();
  const got = Number(result.stats['response/received'] ?? 0);
  return {
    wallRate: got / seconds,
    crawlRate: got / ((last - first) / 1000),
    cpuMsPerPage: (cpu.user + cpu.system) / 1000 / got,
    loopP99Ms: loopDelay.percentile(99) / 1e6,
    errors: pages - got,
  };
}

/** The floor: `concurrency` loops over one undici Pool, reading each body, nothing else. */
async function bare(base: string): Promise<Run> {
  const pool = new Pool(base, { connections: concurrency });
  let next = 0;
  let got = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < pages) {
        const { statusCode, body } = await pool.request({ path: `/page/${next++}`, method: 'GET' });
        await body.text();
        if (statusCode === 200) got++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  return { wallRate: got / seconds, crawlRate: got / seconds, cpuMsPerPage: (cpu.user + cpu.system) / 1000 / got, loopP99Ms: 0, errors: pages - got };
}

// The site runs in its own process: its timers and writes must not share the crawler's event loop.
const site = await startSiteProcess({ pages, linksPerPage: 5, latencyMs, padBytes: 1200 });
const variants: [string, () => Promise<Run>][] = [
  ['bare undici loop (floor)', () => bare(site.url)],
  ...workerCounts.map((w): [string, () => Promise<Run>] => [`arachne parse.workers=${w}`, () => arachne(site.url, w)]),
];
const runs = new Map<string, Run[]>();
try {
  // Warm-up: JIT, the OS page cache for tsx's compiled modules, the site's sockets.
  await arachne(site.url, 0);
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of variants) runs.set(name, [...(runs.get(name) ?? []), await run()]);
  }
} finally {
  await site.close();
}

const r3 = (n: number): number => Math.round(n * 1000) / 1000;
console.log(`Little's law: C=${concurrency}, W=${latencyMs} ms, ${pages} pages of ~1.6 KB, ceiling C/W = ${ceiling} pages/s; node ${process.version}; medians of ${rounds}`);
console.table(
  Object.fromEntries(
    [...runs].map(([name, list]) => [
      name,
      {
        'pages/s (crawl)': Math.round(median(list.map((x) => x.crawlRate))),
        'of C/W (crawl)': r3(median(list.map((x) => x.crawlRate)) / ceiling),
        'pages/s (wall)': Math.round(median(list.map((x) => x.wallRate))),
        'of C/W (wall)': r3(median(list.map((x) => x.wallRate)) / ceiling),
        'cpu ms/page': r3(median(list.map((x) => x.cpuMsPerPage))),
        'loop p99 ms': Math.round(median(list.map((x) => x.loopP99Ms)) * 10) / 10,
        errors: list.reduce((n, x) => n + x.errors, 0),
      },
    ]),
  ),
);
