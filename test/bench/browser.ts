/**
 * Browser benchmark (a script, not a test): Arachne's browser handler against a minimal
 * hand-written playwright-core loop, on the same local JavaScript site, with the same Chromium,
 * the same concurrency and resources blocked the same way. Prints pages/s and CPU seconds per
 * page for both, measured in the same run, their ratio, and the peak RSS of the whole process
 * tree (Node and every Chromium process) in each half of Arachne's crawl.
 *
 *   npm run bench:browser [-- --pages 1000 --concurrency 4]
 *
 * How it measures:
 * - The site (test/fixtures/js-site.ts `/pages/N`) builds each page's content with a script and
 *   carries one image; both sides block images, fonts and media, wait for `load`, read the
 *   rendered HTML and take the page's value out of it with the same regular expression.
 * - The loop: one Chromium, one context, `--concurrency` workers, each opening a page per URL,
 *   routing every request (abort the blocked types), `goto`, `content()`, `close()`. It runs on
 *   half the URLs before Arachne and on the other half after (the machine's load drifts: the
 *   loop's figure brackets Arachne's in time); its RSS halves are those two runs.
 * - Arachne: a Crawler with `browser.mode = always`, `browser.maxPages` = `concurrency.global` =
 *   `--concurrency`, callbacks in-process (`parse.workers = 0`, as the loop parses in-process).
 * - CPU: the process's own user+system time plus its reaped children's (Chromium is closed at the
 *   end of each run, so its processes are counted), from /proc/self/stat, before and after.
 * - RSS: every 200 ms, the sum of VmRSS over this process and all its descendants (/proc).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../src/browser/pool.js';
import { findChromium } from '../../src/browser/executable.js';
import { Crawler } from '../../src/core/crawler.js';
import { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import { Spider } from '../../src/spider/spider.js';
import { startJsSite } from '../fixtures/js-site.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : Number(process.argv[i + 1]);
}
const PAGES = arg('pages', 1000);
const CONCURRENCY = arg('concurrency', 4);
const BLOCK = new Set(['image', 'font', 'media']);
const VALUE = /<p class="v">([^<]*)<\/p>/;
const TICKS = 100; // USER_HZ on Linux

/** utime + stime + cutime + cstime of this process, in seconds. */
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS;
}

/** RSS of this process and every descendant, in MB. */
function treeRssMb(): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      rss.set(Number(name), Number(fields[21]) * 4096);
    } catch {
      // Gone.
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        total += bytes;
        break;
      }
    }
  }
  return total / 1024 / 1024;
}

interface Run {
  pages: number;
  seconds: number;
  cpu: number;
  peaks: number[];
}

async function measure(work: () => Promise<number>): Promise<Run> {
  const peaks: number[] = [];
  const sampler = setInterval(() => peaks.push(treeRssMb()), 200);
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const pages = await work();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  return { pages, seconds, cpu: cpuSeconds() - cpu0, peaks };
}

async function loop(urls: string[], executablePath: string): Promise<number> {
  const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
  const context = await browser.newContext();
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < urls.length) {
        const url = urls[next++]!;
        const page = await context.newPage();
        await page.route('**/*', (route, req) => (BLOCK.has(req.resourceType()) ? route.abort('blockedbyclient') : route.continue()));
        await page.goto(url, { waitUntil: 'load' });
        if (VALUE.exec(await page.content())) done++;
        await page.close();
      }
    }),
  );
  await browser.close();
  return done;
}

async function arachne(urls: string[], executablePath: string): Promise<number> {
  let done = 0;
  class Bench extends Spider {
    static override name = 'browser-bench';
    override async *start() {
      for (const url of urls) yield new Request(url);
    }
    async *parse(response: Response) {
      const m = VALUE.exec(response.text);
      if (m) yield { value: m[1] };
    }
  }
  const crawler = new Crawler({
    spiderClass: Bench,
    projectConfig: {
      'log.level': 'warn',
      'log.statsIntervalMs': 0,
      'parse.workers': 0,
      concurrency: { global: CONCURRENCY, perDomain: CONCURRENCY },
      browser: { mode: 'always', maxPages: CONCURRENCY, executablePath },
      pipelines: [{ process: (item: Record<string, unknown>) => (done++, item) }],
    },
  });
  await crawler.crawl();
  return done;
}

const executablePath = findChromium(process.env.CHROMIUM_PATH ?? '', () => chromium.executablePath());
const site = await startJsSite({ pages: PAGES });
const urls = Array.from({ length: PAGES }, (_, i) => `${site.url}/pages/${i}`);
const half = (peaks: number[], second: boolean): number => Math.max(0, ...peaks.slice(second ? Math.floor(peaks.length / 2) : 0, second ? undefined : Math.floor(peaks.length / 2)));
/** The peak of each quarter of a crawl's samples: a leak climbs quarter after quarter, a spike does not. */
const quarters = (peaks: number[]): string =>
  [0, 1, 2, 3].map((q) => Math.max(0, ...peaks.slice(Math.floor((peaks.length * q) / 4), Math.floor((peaks.length * (q + 1)) / 4))).toFixed(0)).join(' / ');
try {
  process.stdout.write(`browser bench: ${PAGES} JS pages, concurrency ${CONCURRENCY}, ${executablePath}\n`);
  // The loop runs on half the URLs before Arachne's crawl and on the other half after it, so
  // its pages/s brackets Arachne's in time on a machine whose load drifts; Arachne's crawl is one
  // crawl of every page (its RSS halves are the first and second half of one crawl).
  const before = await measure(() => loop(urls.slice(0, PAGES >> 1), executablePath));
  const ours = await measure(() => arachne(urls, executablePath));
  const after = await measure(() => loop(urls.slice(PAGES >> 1), executablePath));
  const base: Run = { pages: before.pages + after.pages, seconds: before.seconds + after.seconds, cpu: before.cpu + after.cpu, peaks: [...before.peaks, ...after.peaks] };
  for (const [name, r] of [['playwright loop', base], ['arachne', ours]] as const) {
    process.stdout.write(
      `${name.padEnd(16)} ${r.pages} pages in ${r.seconds.toFixed(1)} s: ${(r.pages / r.seconds).toFixed(1)} pages/s, ` +
        `${((r.cpu / r.pages) * 1000).toFixed(1)} CPU ms/page, peak tree RSS ${half(r.peaks, false).toFixed(0)} MB (1st half) / ${half(r.peaks, true).toFixed(0)} MB (2nd half)\n`,
    );
  }
  process.stdout.write(`arachne's peak tree RSS by quarter of its crawl: ${quarters(ours.peaks)} MB\n`);
  process.stdout.write(`ratio (arachne / loop pages/s): ${(ours.pages / ours.seconds / (base.pages / base.seconds)).toFixed(2)}x; CPU per page ${(ours.cpu / ours.pages / (base.cpu / base.pages)).toFixed(2)}x\n`);
} finally {
  await site.close();
}
