/**
 * `crawl bench`: Scrapy's bench, with the numbers that matter for a crawler. It starts a local
 * link-following site in a child process (bench-site.ts: the server must not share the crawler's
 * event loop), crawls it with the built-in bench spider (bench-spider.ts, importable by parse
 * workers) for `--seconds` or until every page is fetched, and prints:
 *
 * - pages/s and items/s over the whole crawl (wall clock);
 * - CPU seconds per 1,000 pages: user + system of the whole process, parse workers included;
 * - peak RSS of the process (`process.resourceUsage().maxRSS`, workers included);
 * - connection reuse rate (1 - new connections / requests);
 * - mean download latency W and mean concurrency L (the sum of download durations over the wall
 *   time: Little's law measured, not assumed), and the efficiency: pages/s against the ceiling
 *   C / W that the concurrency limit C allows at that latency.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { Crawler } from '../../core/crawler.js';
import { ConfigError } from '../../errors.js';
import { parseSettingArgs } from '../../settings/config.js';
import BenchSpider from '../bench-spider.js';
import { startBenchSite, type BenchSite } from '../bench-site.js';
import { collect } from '../options.js';

interface BenchOptionValues {
  pages: string;
  pageSize: string;
  links: string;
  items: string;
  latency: string;
  seconds: string;
  concurrency: string;
  url?: string;
  set?: string[];
  json?: boolean;
}

/** What one bench crawl measured (`--json` prints it as is). */
export interface BenchResult {
  pages: number;
  items: number;
  seconds: number;
  pagesPerSecond: number;
  itemsPerSecond: number;
  cpuSecondsPer1000Pages: number;
  peakRssMb: number;
  reuseRate: number;
  meanLatencyMs: number;
  meanConcurrency: number;
  concurrency: number;
  /** pages/s divided by the Little's-law ceiling `concurrency / meanLatency`. */
  littlesLawEfficiency: number;
  parseWorkers: number | string;
  errors: number;
  finishReason: string;
}

// The spider's compiled (or, under tsx, source) file: parse workers import it by path.
const SPIDER_FILE = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../bench-spider.ts' : '../bench-spider.js', import.meta.url));

function positive(name: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    throw new ConfigError('ERR_CLI_ARGUMENT', `--${name} ${JSON.stringify(value)} is not a number >= ${min}`, { hint: `write e.g. --${name} ${Math.max(min, 1)}` });
  }
  return n;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

export async function runBench(values: BenchOptionValues): Promise<BenchResult> {
  const pages = positive('pages', values.pages, 1);
  const seconds = positive('seconds', values.seconds);
  const concurrency = positive('concurrency', values.concurrency, 1);
  const site: BenchSite = values.url
    ? { url: values.url, close: async () => {} }
    : await startBenchSite({
        pages,
        pageSize: positive('page-size', values.pageSize),
        links: positive('links', values.links),
        items: positive('items', values.items),
        latencyMs: positive('latency', values.latency),
      });
  try {
    const crawler = new Crawler({
      spiderClass: BenchSpider,
      spiderFile: SPIDER_FILE,
      args: { url: site.url },
      projectConfig: {
        concurrency: { global: concurrency, perDomain: concurrency },
        log: { level: 'warn', statsIntervalMs: 0 },
        progress: { enabled: false },
      },
      cliSettings: parseSettingArgs(values.set ?? []),
    });
    let downloads = 0;
    let busyMs = 0;
    crawler.events.on('requestDone', ({ dispatchedAt, doneAt }) => {
      downloads++;
      busyMs += doneAt - dispatchedAt;
    });
    const timer = seconds > 0 ? setTimeout(() => crawler.stop('bench_time'), seconds * 1000) : undefined;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await crawler.crawl();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearTimeout(timer);
    const got = Number(result.stats['response/received'] ?? 0);
    const items = Number(result.stats['item/scraped'] ?? 0);
    const meanLatencyMs = downloads > 0 ? busyMs / downloads : 0;
    const pagesPerSecond = got / (wallMs / 1000);
    const ceiling = meanLatencyMs > 0 ? concurrency / (meanLatencyMs / 1000) : Infinity;
    return {
      pages: got,
      items,
      seconds: round(wallMs / 1000, 2),
      pagesPerSecond: round(pagesPerSecond),
      itemsPerSecond: round(items / (wallMs / 1000)),
      cpuSecondsPer1000Pages: round((cpu.user + cpu.system) / 1e6 / Math.max(1, got) * 1000, 2),
      peakRssMb: round(process.resourceUsage().maxRSS / 1024, 0),
      reuseRate: Number(result.stats['connections/reuse_rate'] ?? 0),
      meanLatencyMs: round(meanLatencyMs, 2),
      meanConcurrency: round(busyMs / wallMs, 1),
      concurrency,
      littlesLawEfficiency: round(pagesPerSecond / ceiling, 3),
      parseWorkers: crawler.settings['parse.workers'],
      errors: Number(result.stats['request/failed'] ?? 0) + Number(result.stats['spider/exceptions'] ?? 0),
      finishReason: result.reason,
    };
  } finally {
    await site.close();
  }
}

function print(r: BenchResult): void {
  const lines = [
    `pages            ${r.pages} in ${r.seconds} s (${r.finishReason}), parse.workers=${r.parseWorkers}, errors ${r.errors}`,
    `pages/s          ${r.pagesPerSecond}`,
    `items/s          ${r.itemsPerSecond} (${r.items} items)`,
    `cpu s/1000 pages ${r.cpuSecondsPer1000Pages}`,
    `peak rss         ${r.peakRssMb} MB`,
    `reuse rate       ${r.reuseRate}`,
    `mean latency     ${r.meanLatencyMs} ms`,
    `mean concurrency ${r.meanConcurrency} of ${r.concurrency}`,
    `littles law      ${r.littlesLawEfficiency} (pages/s over concurrency / mean latency)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('crawl a local link-following site with a built-in spider and print throughput, CPU, memory, reuse and concurrency figures')
    .option('--pages <n>', 'pages on the site; the crawl ends when all are fetched', '2000')
    .option('--page-size <bytes>', 'bytes per page', '15000')
    .option('--links <n>', 'links per page', '10')
    .option('--items <n>', 'product cards (items) per page; 0 = one item per page', '0')
    .option('--latency <ms>', 'server delay before each response', '0')
    .option('--seconds <s>', 'stop after this long (0 = when every page is fetched)', '10')
    .option('--concurrency <n>', 'concurrency.global and concurrency.perDomain', '16')
    .option('--url <url>', 'crawl a bench site that is already running (the benchmark suite) instead of starting one')
    .option('-s, --set <key=value>', 'setting, e.g. -s parse.workers=0 (repeatable)', collect)
    .option('--json', 'print the figures as one JSON object')
    .action(async (values: BenchOptionValues) => {
      const result = await runBench(values);
      if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else print(result);
    });
}
