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
 *
 * The frontier alone is measured too (`frontierCost`): the same requests pushed in the same order
 * (at most 2,000 queued, as `scheduler.startHighWaterMark` keeps them) and dispatched 64 at a time
 * with nothing else around, CPU per dispatch for one slot and for one slot per host.
 *
 * `--loop` adds a hand-written undici loop over the same requests at the same concurrency, in the
 * same run: one `Pool` of `concurrency` sockets for the single domain, a new one-socket `Pool` per
 * host (closed after its last page) for the broad one. Its broad - single CPU is what a new TCP connection per host costs any
 * client; Arachne's own cost per host is the difference between the two differences.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Crawler } from '../../src/core/crawler.js';
import { Request } from '../../src/http/request.js';
import { Frontier } from '../../src/scheduler/frontier.js';
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
    loop: { type: 'boolean', default: false },
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
  /** TCP connections the client opened. */
  connections: number;
}

/** CPU, wall time and peak RSS of `run` in this process. */
async function measure(run: () => Promise<{ pages: number; connections: number }>): Promise<Figures> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { pages, connections } = await run();
  const cpu = process.cpuUsage(cpu0);
  return {
    pages,
    connections,
    seconds: (performance.now() - t0) / 1000,
    cpuS: (cpu.user + cpu.system) / 1e6,
    rssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/**
 * CPU per dispatch of the frontier alone, in us: push (up to 2,000 queued), next, release, with
 * `concurrency` in flight, released oldest first. The requests are made before the clock starts.
 */
function frontierCost(broad: boolean, port: number): number {
  const total = hosts * pagesPerHost;
  const requests = Array.from({ length: total }, (_, i) => {
    const { origin, path } = target(i, broad, port);
    return new Request(origin + path);
  });
  const frontier = new Frontier({ globalLimit: concurrency, slot: { limit: broad ? 8 : concurrency, delayMs: 0, randomizeDelay: false } });
  const inFlight: NonNullable<ReturnType<Frontier['next']>>[] = [];
  const cpu0 = process.cpuUsage();
  let pushed = 0;
  let done = 0;
  while (done < total) {
    while (pushed < total && frontier.size < 2_000) frontier.push(requests[pushed++]!, 0);
    for (let d = frontier.next(0); d; d = frontier.next(0)) inFlight.push(d);
    frontier.release(inFlight.shift()!, 0);
    done++;
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / total;
}

/** Request `i` of the crawl: page `i % pagesPerHost` of host `i / pagesPerHost`. */
function target(i: number, broad: boolean, port: number): { origin: string; path: string; host: number } {
  const h = Math.floor(i / pagesPerHost);
  const p = i % pagesPerHost;
  return broad
    ? { origin: `http://h${h}.broad.test:${port}`, path: `/p/${p}`, host: h }
    : { origin: `http://single.broad.test:${port}`, path: `/h${h}/p/${p}`, host: h };
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
} else if (values.mode === 'loop-single' || values.mode === 'loop-broad') {
  // The hand-written client: undici Pools, `concurrency` requests in flight, the same requests in
  // the same order, addresses pinned by a lookup function as download.resolve pins them.
  const { Pool } = await import('undici');
  const port = Number(values.url);
  const broad = values.mode === 'loop-broad';
  const lookup = (_host: string, options: unknown, cb: (...args: unknown[]) => void): void => {
    if ((options as { all?: boolean }).all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  };
  const figures = await measure(async () => {
    const pools = new Map<string, { pool: InstanceType<typeof Pool>; left: number }>();
    let connections = 0;
    let next = 0;
    let pages = 0;
    const total = hosts * pagesPerHost;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const { origin, path } = target(next++, broad, port);
        let entry = pools.get(origin);
        if (!entry) {
          // As Arachne's crawls do: one socket per host (its slots start at one request in flight),
          // `concurrency` sockets to the single domain.
          const pool = new Pool(origin, { connections: broad ? 1 : concurrency, connect: { lookup: lookup as never } });
          pool.on('connect', () => connections++);
          pools.set(origin, (entry = { pool, left: broad ? pagesPerHost : total }));
        }
        const { statusCode, body } = await entry.pool.request({ path, method: 'GET' });
        await body.arrayBuffer();
        if (statusCode === 200) pages++;
        if (--entry.left === 0) {
          pools.delete(origin);
          void entry.pool.close();
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await Promise.all([...pools.values()].map((e) => e.pool.close()));
    return { pages, connections };
  });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} else if (values.mode) {
  const port = Number(values.url);
  const broad = values.mode === 'broad';
  class Broad extends Spider {
    static override name = 'broad';
    override async *start() {
      for (let i = 0; i < hosts * pagesPerHost; i++) {
        const { origin, path } = target(i, broad, port);
        yield this.request(origin + path);
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
  const figures = await measure(async () => {
    const result = await crawler.crawl();
    return { pages: Number(result.stats['response/received'] ?? 0), connections: Number(result.stats['connections/opened'] ?? 0) };
  });
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
  const modes = values.loop ? ['single', 'broad', 'loop-single', 'loop-broad'] : ['single', 'broad'];
  const runs: Record<string, Figures[]> = Object.fromEntries(modes.map((m) => [m, []]));
  try {
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const mode of modes) {
        const args = ['--import', 'tsx', self, '--mode', mode, '--url', port, '--hosts', String(hosts), '--pages', String(pagesPerHost), '--concurrency', String(concurrency)];
        const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
        const f = JSON.parse(out.trim().split('\n').pop()!) as Figures;
        runs[mode]!.push(f);
        process.stderr.write(`round ${r + 1} ${mode}: ${f.pages} pages in ${f.seconds.toFixed(1)} s, cpu ${f.cpuS.toFixed(1)} s, rss ${Math.round(f.rssMb)} MB, ${f.connections} connections\n`);
      }
    }
  } finally {
    server.stdin!.end();
  }
  // The frontier alone, in this process, best of 3 (the first run warms the JIT up).
  const frontierUs = (broad: boolean): number => Math.min(...[0, 1, 2].map(() => frontierCost(broad, Number(port))));
  const frontier = { single: frontierUs(false), broad: frontierUs(true) };
  const row = (list: Figures[]) => ({
    pages: median(list.map((x) => x.pages)),
    'pages/s': Math.round(median(list.map((x) => x.pages / x.seconds))),
    'cpu s/1k pages': Math.round(median(list.map((x) => (x.cpuS / x.pages) * 1000)) * 100) / 100,
    'peak RSS MB': Math.round(median(list.map((x) => x.rssMb))),
    connections: median(list.map((x) => x.connections)),
  });
  const names: Record<string, string> = { single: 'single domain', broad: `${hosts} hosts`, 'loop-single': 'undici loop, single domain', 'loop-broad': `undici loop, ${hosts} hosts` };
  const rows = Object.fromEntries(modes.map((m) => [m, row(runs[m]!)]));
  console.log(`${hosts} hosts x ${pagesPerHost} pages, global concurrency ${concurrency}, ${values.rounds} round(s)`);
  console.table(Object.fromEntries(modes.map((m) => [names[m], rows[m]])));
  // CPU per page, in us, broad minus single.
  const extra = (b: string, s: string): number => Math.round((rows[b]!['cpu s/1k pages'] - rows[s]!['cpu s/1k pages']) * 1000);
  console.log(`broad / single pages/s: ${(rows.broad!['pages/s'] / rows.single!['pages/s']).toFixed(2)}x`);
  console.log(`extra CPU per dispatch (broad - single): ${extra('broad', 'single')} us`);
  console.log(`frontier alone, CPU per dispatch: ${frontier.single.toFixed(1)} us (one slot), ${frontier.broad.toFixed(1)} us (${hosts} slots)`);
  if (values.loop) {
    console.log(`undici loop broad / single pages/s: ${(rows['loop-broad']!['pages/s'] / rows['loop-single']!['pages/s']).toFixed(2)}x`);
    console.log(`undici loop extra CPU per page (broad - single): ${extra('loop-broad', 'loop-single')} us`);
    console.log(`Arachne's own extra CPU per dispatch (its extra - the loop's): ${extra('broad', 'single') - extra('loop-broad', 'loop-single')} us`);
  }
}
