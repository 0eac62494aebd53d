/**
 * The hand-written baseline the benchmark suite compares Arachne with: no framework, one thread.
 * An undici `Pool` with as many connections as the concurrency, cheerio (`cheerio/slim`, the
 * htmlparser2 path Arachne uses too), a `Set` of seen URLs and `concurrency` async loops that take
 * URLs from an array. It extracts the same items and follows the same links as the bench spider
 * (src/cli/bench-spider.ts), and prints the same figures as `crawl bench --json`.
 *
 *   node --import tsx test/bench/baseline.ts --url http://127.0.0.1:PORT --concurrency 32
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { load } from 'cheerio/slim';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { url: { type: 'string' }, concurrency: { type: 'string', default: '16' } } });
const base = values.url!;
const concurrency = Number(values.concurrency);
const pool = new Pool(base, { connections: concurrency, keepAliveTimeout: 60_000 });
let connections = 0;
pool.on('connect', () => connections++);

const seen = new Set<string>([`${base}/page/0`]);
const queue: string[] = [`${base}/page/0`];
let active = 0;
let pages = 0;
let items = 0;
let busyMs = 0;
let errors = 0;
/** Loops waiting for URLs: every finished page wakes them all to look again. */
const waiters: (() => void)[] = [];
const wakeAll = (): void => {
  for (const w of waiters.splice(0)) w();
};
const sink: unknown[] = [];

function parse(url: string, html: string): void {
  const $ = load(html, { xml: { xmlMode: false, decodeEntities: true }, baseURI: url });
  const cards = $('div.product');
  if (cards.length === 0) {
    sink.push({ url, title: $('title').text() });
    items++;
  }
  for (const el of cards) {
    const card = $(el);
    sink.push({
      url,
      name: card.find('h2.name a').text(),
      price: Number(card.find('span.price').attr('data-amount')),
      tags: card.find('ul.tags li').map((_, li) => $(li).text()).get(),
    });
    items++;
  }
  // Keep items alive only as long as a pipeline would: a moment.
  if (sink.length > 1000) sink.length = 0;
  for (const a of $('ul.links a')) {
    const href = a.attribs.href;
    if (!href) continue;
    const next = new URL(href, url).href;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(next);
  }
}

async function loop(): Promise<void> {
  for (;;) {
    const url = queue.pop();
    if (url === undefined) {
      if (active === 0) {
        wakeAll();
        return;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
      continue;
    }
    active++;
    const t = performance.now();
    try {
      const { statusCode, body } = await pool.request({ path: url.slice(base.length), method: 'GET' });
      const html = await body.text();
      busyMs += performance.now() - t;
      if (statusCode === 200) {
        pages++;
        parse(url, html);
      } else errors++;
    } catch {
      errors++;
    }
    active--;
    // New URLs may be queued, or the crawl may be over.
    wakeAll();
  }
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, () => loop()));
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await pool.close();

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const meanLatencyMs = busyMs / Math.max(1, pages + errors);
process.stdout.write(
  `${JSON.stringify({
    pages,
    items,
    seconds: round(wallMs / 1000, 2),
    pagesPerSecond: round(pages / (wallMs / 1000)),
    itemsPerSecond: round(items / (wallMs / 1000)),
    cpuSecondsPer1000Pages: round(((cpu.user + cpu.system) / 1e6 / Math.max(1, pages)) * 1000, 2),
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 0),
    reuseRate: round(1 - connections / Math.max(1, pages + errors), 3),
    meanLatencyMs: round(meanLatencyMs, 2),
    meanConcurrency: round(busyMs / wallMs, 1),
    concurrency,
    littlesLawEfficiency: round(pages / (wallMs / 1000) / (concurrency / (meanLatencyMs / 1000)), 3),
    errors,
  })}\n`,
);
