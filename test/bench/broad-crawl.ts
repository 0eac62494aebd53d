/**
 * Broad crawl, a script, not a test: `--hosts` host names (h0.broad.test, h1.broad.test...), all
 * pinned to one loopback server with `download.resolve: {"*.broad.test": "127.0.0.1"}`,
 * `--pages` pages each, global concurrency 64, against a single-domain crawl of the same number
 * of pages at the same concurrency, alternating in one run, each crawl in a fresh process.
 *
 *   npm run bench:broad                                  # 100,000 hosts x 2 pages (long)
 *   npm run bench:broad -- --hosts 10000 --pages 2 --rounds 1
 *
 * Prints pages/s, CPU per 1,000 pages, the broad crawl's extra CPU per dispatch (its CPU minus
 * the single-domain crawl's, per page: what many slots cost the frontier, the DNS cache and the
 * connection pools), and peak RSS (`process.resourceUsage().maxRSS` of the crawling process).
 * The server (any path: 200, a 2 KB page) runs in its own process; its CPU is not counted.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Crawler } from '../../src/core/crawler.js';
import { Spider } from '../../src/spider/spider.js';
import { median } from './median.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '100000' },
    pages: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '64' },
    mode: { type: 'string' },
    url: { type: 'string' },
    serve: { type: 'boolean', default: false },
  },
});
const hosts = Number(values.hosts);
const pagesPerHost = Number(values.pages);
const concurrency = Number(values.concurrency);

interface Figures {
  pages: number;
  seconds: number;
  cpuS: number;
  rssMb: number;
}

if (values.serve) {
  const body = Buffer.from(`<!doctype html><title>page</title>${'x'.repeat(2000)}`);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(body.length) });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} else if (values.mode) {
  const port = Number(values.url);
  const broad = values.mode === 'broad';
  class Broad extends Spider {
    static override name = 'broad';
    override async *start() {
      for (let h = 0; h < hosts; h++) {
        for (let p = 0; p < pagesPerHost; p++) {
          yield this.request(broad ? `http://h${h}.broad.test:${port}/p/${p}` : `http://single.broad.test:${port}/h${h}/p/${p}`);
        }
      }
    }
    *parse() {}
  }
  const crawler = new Crawler({
    spiderClass: Broad,
    projectConfig: {
      concurrency: { global: concurrency, perDomain: broad ? 8 : concurrency },
      download: { resolve: { '*.broad.test': '127.0.0.1' } },
      parse: { workers: 0 },
      log: { level: 'warn', statsIntervalMs: 0 },
      progress: { enabled: false },
    },
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await crawler.crawl();
  const cpu = process.cpuUsage(cpu0);
  const figures: Figures = {
    pages: Number(result.stats['response/received'] ?? 0),
    seconds: (performance.now() - t0) / 1000,
    cpuS: (cpu.user + cpu.system) / 1e6,
    rssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const server = spawn(process.execPath, ['--import', 'tsx', self, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let line = '';
  for await (const chunk of server.stdout!) {
    line += String(chunk);
    if (line.includes('\n')) break;
  }
  const port = line.trim();
  const runs: Record<string, Figures[]> = { single: [], broad: [] };
  try {
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const mode of ['single', 'broad']) {
        const args = ['--import', 'tsx', self, '--mode', mode, '--url', port, '--hosts', String(hosts), '--pages', String(pagesPerHost), '--concurrency', String(concurrency)];
        const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
        const f = JSON.parse(out.trim().split('\n').pop()!) as Figures;
        runs[mode]!.push(f);
        process.stderr.write(`round ${r + 1} ${mode}: ${f.pages} pages in ${f.seconds.toFixed(1)} s, cpu ${f.cpuS.toFixed(1)} s, rss ${Math.round(f.rssMb)} MB\n`);
      }
    }
  } finally {
    server.stdin!.end();
  }
  const row = (list: Figures[]) => ({
    pages: median(list.map((x) => x.pages)),
    'pages/s': Math.round(median(list.map((x) => x.pages / x.seconds))),
    'cpu s/1k pages': Math.round(median(list.map((x) => (x.cpuS / x.pages) * 1000)) * 100) / 100,
    'peak RSS MB': Math.round(median(list.map((x) => x.rssMb))),
  });
  const single = row(runs.single!);
  const broad = row(runs.broad!);
  console.log(`${hosts} hosts x ${pagesPerHost} pages, global concurrency ${concurrency}, ${values.rounds} round(s)`);
  console.table({ 'single domain': single, [`${hosts} hosts`]: broad });
  console.log(`broad / single pages/s: ${(broad['pages/s'] / single['pages/s']).toFixed(2)}x`);
  console.log(`extra CPU per dispatch (broad - single): ${Math.round((broad['cpu s/1k pages'] - single['cpu s/1k pages']) * 1000)} us`);
}
