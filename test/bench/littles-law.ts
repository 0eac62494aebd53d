/**
 * Little's-law benchmark (a script, not a test): against a local server with a fixed latency W
 * and a crawl concurrency C, the ceiling is C / W pages a second. Prints what Arachne achieves
 * as a fraction of it. Defaults: C = 64, W = 100 ms, ~2 KB pages, 5,000 pages (ceiling 640/s,
 * below what 2 cores can parse, so the frontier and engine are what is measured).
 *
 *   npm run bench:littles-law [-- --pages 5000 --concurrency 64 --latency 100]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Crawler } from '../../src/core/crawler.js';
import { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import { Spider } from '../../src/spider/spider.js';
import { startSiteProcess } from './site-process.js';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '64' },
    latency: { type: 'string', default: '100' },
  },
});
const pages = Number(values.pages);
const concurrency = Number(values.concurrency);
const latencyMs = Number(values.latency);

// The site runs in its own process: its timers and writes must not share the crawler's event loop.
const site = await startSiteProcess({ pages, linksPerPage: 5, latencyMs, padBytes: 1200 });

class Bench extends Spider {
  static override name = 'littles-law';
  override async *start() {
    for (let i = 0; i < pages; i++) yield new Request(`${site.url}/page/${i}`);
  }
  async *parse(response: Response) {
    yield { url: response.url, value: response.css('p.value').text() };
  }
}

const crawler = new Crawler({
  spiderClass: Bench,
  projectConfig: {
    concurrency: { global: concurrency, perDomain: concurrency },
    log: { level: 'warn', statsIntervalMs: 0 },
    parse: { workers: 0 },
    ...(process.env.LL_TRACE ? { trace: { file: process.env.LL_TRACE } } : {}),
  },
});
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const started = performance.now();
const cpuStart = process.cpuUsage();
const result = await crawler.crawl();
loopDelay.disable();
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
await site.close();

const achieved = pages / seconds;
const ceiling = concurrency / (latencyMs / 1000);
const bodyBytes = Number(result.stats['downloader/response_bytes']) / pages;
console.log(`Little's law: C=${concurrency}, W=${latencyMs} ms, ${pages} pages of ~${(bodyBytes / 1024).toFixed(1)} KB`);
console.log(`  achieved   ${achieved.toFixed(1)} pages/s (${seconds.toFixed(2)} s)`);
console.log(`  ceiling    ${ceiling.toFixed(1)} pages/s (C / W)`);
console.log(`  efficiency ${(achieved / ceiling).toFixed(3)} of the ceiling`);
console.log(`  cpu        ${(((cpu.user + cpu.system) / 1e6 / pages) * 1000).toFixed(2)} s per 1,000 pages; peak slot concurrency ${result.stats['scheduler/peak_slot_concurrency']}; reuse ${result.stats['connections/reuse_rate']}`);
const ms = (ns: number): string => (ns / 1e6).toFixed(1);
console.log(`  loop delay p50 ${ms(loopDelay.percentile(50))} ms, p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms (main thread, perf_hooks)`);
