/**
 * Cluster benchmark (a script, not a test): one crawl shared through one Redis by 1, then 2, then
 * 3 `crawl run` processes, on a latency-bound site of many domains. Prints, per round, the pages
 * fetched, the wall time, pages/s, the speed-up against one process and the Redis round trips per
 * request.
 *
 *   npm run bench:cluster [-- --pages 8000 --domains 8 --latency 50]
 *   npm run bench:cluster -- --processes 4 --appendfsync always --no-build
 *
 * How it measures:
 * - It builds dist/ first (unless `--no-build`) and runs the production CLI, `dist/cli/main.js`,
 *   in a temporary project whose spider follows every link; each process runs
 *   `crawl run pages --redis <url> --crawl-id bench-<n>` (a fresh crawl id per round) with
 *   `concurrency.global=8` (`--global`), `concurrency.perDomain=8` (`--per-domain`) and
 *   `parse.workers=0`. Per-domain limits allow 64 at once cluster-wide, so three processes could
 *   triple one. Why 8 per process: on the 2-core machine, three processes at 16 each (960 pages/s
 *   of ceiling) saturate the CPU they share with Redis and the site, and the figure then measures
 *   the machine, not the coordination (`--global 16`: 2.2x at 3 processes, measured).
 * - Why 8,000 pages: some seconds of each round do not scale with processes: three processes
 *   starting at once on 2 cores (tsx, the config, the spider) join one after the other, and the
 *   crawl discovers its frontier from 8 seeds and drains at the end. At 4,000 pages (12 s with
 *   three processes) they cost about a tenth of the round: 2.37x at 4,000 pages against 2.71x at
 *   8,000 in two runs of one session.
 * - The site runs in its own process (this file with `--serve`): `--domains` HTTP servers, one per
 *   loopback address (127.0.0.1, 127.0.0.2, ...: one domain each), `--pages` pages in all, page `g`
 *   on domain `g mod domains`, every response after `--latency` ms. Each page links to pages spread
 *   over the whole site and to page `g + 1`, which sits on the next domain: the crawl discovers
 *   every page from one seed per domain, crossing domains all the time.
 * - Redis is a real `redis-server` (test/fixtures/redis-server.ts) with AOF; the bench sets
 *   `appendfsync everysec` (a production setting) unless told `--appendfsync always`.
 * - Wall time runs from spawning the first process to the last exit (start-up included, the same
 *   for every round). Pages are the sum of each process's `response/received`; round trips per
 *   request are the sum of `cluster/round_trips` over the sum of responses. The site counts what
 *   it served as a check: every page exactly once, none twice.
 * - Every wait is bounded: a round that outlives `--timeout` seconds is stopped (SIGINT, then
 *   SIGKILL) and reported as such.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { redisCommand, startRedis, type RedisServer } from '../fixtures/redis-server.js';
import { CLI, makeProject, REPO, startCli, type CliResult, type CliRun, type TempProject } from '../helpers/project.js';
import { startServerProcess } from './site-process.js';

interface SiteConfig {
  pages: number;
  domains: number;
  latencyMs: number;
  links: number;
  padBytes: number;
}

/** What the site process counted since its last reset (`/__stats`). */
interface SiteCounts {
  requests: number;
  distinct: number;
  notFound: number;
  /** When the first request arrived and the last response was sent (ms, the site's clock). */
  firstAt: number;
  lastAt: number;
}

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '8000' },
    domains: { type: 'string', default: '8' },
    latency: { type: 'string', default: '50' },
    processes: { type: 'string', default: '3' },
    links: { type: 'string', default: '4' },
    global: { type: 'string', default: '8' },
    'per-domain': { type: 'string', default: '8' },
    timeout: { type: 'string', default: '300' },
    appendfsync: { type: 'string', default: 'everysec' },
    'no-build': { type: 'boolean', default: false },
    /** Internal: run as the site process with this JSON SiteConfig. */
    serve: { type: 'string' },
  },
});

function intOption(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`--${name} must be an integer ${min}..${max}, got ${JSON.stringify(value)}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// The site process
// ---------------------------------------------------------------------------------------------

/** The pages page `g` links to: `links` spread over the site, then `g + 1` (on the next domain). */
function links(g: number, config: SiteConfig): number[] {
  const out: number[] = [];
  for (let k = 0; k < config.links; k++) out.push((g * 7 + k * 13 + 1) % config.pages);
  if (g + 1 < config.pages) out.push(g + 1);
  return out;
}

/** Serves the site, prints `{"bases": [...]}` as one line, exits when stdin closes. */
async function serve(config: SiteConfig): Promise<void> {
  const bases: string[] = [];
  const filler = `<div class="filler">${'x'.repeat(config.padBytes)}</div>`;
  let counts: SiteCounts = { requests: 0, distinct: 0, notFound: 0, firstAt: 0, lastAt: 0 };
  let served = new Set<number>();
  const url = (g: number): string => `${bases[g % config.domains]}/page/${g}`;
  const page = (g: number): string => {
    const items = links(g, config).map((j) => `<li><a href="${url(j)}">Page ${j}</a></li>`).join('');
    return `<!doctype html><html><head><meta charset="utf-8"><title>Page ${g}</title></head><body><h1>Page ${g}</h1><p class="value">value-${g}</p><ul class="links">${items}</ul>${filler}</body></html>`;
  };

  const servers: Server[] = [];
  for (let d = 0; d < config.domains; d++) {
    const server = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path === '/__stats' || path === '/__reset') {
        const body = JSON.stringify({ ...counts, distinct: served.size });
        if (path === '/__reset') {
          counts = { requests: 0, distinct: 0, notFound: 0, firstAt: 0, lastAt: 0 };
          served = new Set();
        }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        return void res.end(body);
      }
      if (counts.requests++ === 0) counts.firstAt = performance.now();
      const match = /^\/page\/(\d+)$/.exec(path);
      const g = match ? Number(match[1]) : -1;
      setTimeout(() => {
        if (res.destroyed) return;
        if (g < 0 || g >= config.pages || g % config.domains !== d) {
          counts.notFound++;
          res.writeHead(404, { 'content-type': 'text/plain', 'content-length': '9' });
          return void res.end('not found');
        }
        served.add(g);
        const body = Buffer.from(page(g));
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) });
        res.end(body);
        counts.lastAt = performance.now();
      }, config.latencyMs);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, `127.0.0.${d + 1}`, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('site: no TCP address');
    bases.push(`http://127.0.0.${d + 1}:${address.port}`);
    servers.push(server);
  }
  process.stdout.write(`${JSON.stringify({ bases })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    process.exit(0);
  });
}

interface SiteProcess {
  bases: string[];
  counts(): Promise<SiteCounts>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Starts this file with `--serve` and reads its base URLs (within 30 s). */
async function startDomainsSite(config: SiteConfig): Promise<SiteProcess> {
  const { ready, close } = await startServerProcess<{ bases: string[] }>(fileURLToPath(import.meta.url), ['--serve', JSON.stringify(config)]);
  const { bases } = ready;
  const admin = async (path: string): Promise<SiteCounts> => {
    const response = await fetch(`${bases[0]}${path}`, { signal: AbortSignal.timeout(10_000) });
    return (await response.json()) as SiteCounts;
  };
  return { bases, counts: () => admin('/__stats'), reset: async () => void (await admin('/__reset')), close };
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

const SPIDER = `
import { Spider, type Response } from 'arachne';

export default class Pages extends Spider {
  static override name = 'pages';

  override async *start() {
    for (const url of String(this.args.seeds).split(',')) yield this.request(url);
  }

  async *parse(response: Response) {
    yield { url: response.url, value: response.css('p.value::text').get('') };
    yield* response.followAll('ul.links a');
  }
}
`;

interface ProcessResult {
  result: CliResult;
  stats: Record<string, unknown> | undefined;
}

interface Round {
  processes: number;
  seconds: number;
  pages: number;
  roundTrips: number;
  perProcess: number[];
  site: SiteCounts;
  timedOut: boolean;
  failures: string[];
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

let interrupted = false;
/** Each process's `concurrency.global` and `concurrency.perDomain` (`--global`, `--per-domain`). */
const limits = { global: 8, perDomain: 8 };
const live = new Set<ChildProcess>();

async function runRound(n: number, project: TempProject, redis: RedisServer, site: SiteProcess, timeoutMs: number): Promise<Round> {
  await site.reset();
  const crawlId = `bench-${n}`;
  const runs: CliRun[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const run = startCli(
      [
        'run', 'pages', '-a', `seeds=${site.bases.map((base, d) => `${base}/page/${d}`).join(',')}`,
        '--redis', redis.url, '--crawl-id', crawlId,
        '-s', `concurrency.global=${limits.global}`, '-s', `concurrency.perDomain=${limits.perDomain}`, '-s', 'parse.workers=0', '-s', 'log.statsIntervalMs=0',
        '-L', 'warn', '--stats-json', join(project.dir, `stats-${n}-${i}.json`),
      ],
      project.dir,
    );
    live.add(run.child);
    void run.done.then(() => live.delete(run.child));
    runs.push(run);
  }
  // Bounded: past the deadline, SIGINT (a clean stop writes its stats), then SIGKILL 10 s later.
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    for (const run of runs) run.child.kill('SIGINT');
    setTimeout(() => {
      for (const run of runs) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    }, 10_000).unref();
  }, timeoutMs);
  const results: ProcessResult[] = [];
  for (const run of runs) {
    const result = await run.done;
    results.push({ result, stats: undefined });
  }
  const seconds = (performance.now() - started) / 1000;
  clearTimeout(deadline);
  const failures: string[] = [];
  results.forEach((entry, i) => {
    const file = join(project.dir, `stats-${n}-${i}.json`);
    if (existsSync(file)) entry.stats = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const { code, signal, stderr } = entry.result;
    if (code !== 0 || !entry.stats) {
      const tail = stderr.trim().split('\n').slice(-5).join('\n    ');
      failures.push(`process ${i + 1}/${n}: exit ${code ?? signal}${entry.stats ? '' : ', no stats JSON'}${tail ? `\n    ${tail}` : ''}`);
    }
  });
  const perProcess = results.map((r) => num(r.stats?.['response/received']));
  return {
    processes: n,
    seconds,
    pages: perProcess.reduce((a, b) => a + b, 0),
    roundTrips: results.reduce((sum, r) => sum + num(r.stats?.['cluster/round_trips']), 0),
    perProcess,
    site: await site.counts(),
    timedOut: timedOut || interrupted,
    failures,
  };
}

async function main(): Promise<void> {
  const config: SiteConfig = {
    pages: intOption('pages', values.pages, 1, 1_000_000),
    domains: intOption('domains', values.domains, 1, 254),
    latencyMs: intOption('latency', values.latency, 0, 10_000),
    links: intOption('links', values.links, 0, 100),
    padBytes: 1200,
  };
  limits.global = intOption('global', values.global, 1, 10_000);
  limits.perDomain = intOption('per-domain', values['per-domain'], 1, 10_000);
  const maxProcesses = intOption('processes', values.processes, 1, 16);
  const timeoutMs = intOption('timeout', values.timeout, 1, 86_400) * 1000;
  const appendfsync = values.appendfsync;
  if (!['always', 'everysec', 'no'].includes(appendfsync)) throw new RangeError('--appendfsync must be always, everysec or no');
  if (config.pages < config.domains) throw new RangeError('--pages must be at least --domains (one seed page per domain)');

  if (!values['no-build']) execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'src'], { cwd: REPO, stdio: 'inherit' });
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (or drop --no-build)`);

  const redis = await startRedis();
  let site: SiteProcess | undefined;
  let project: TempProject | undefined;
  process.once('SIGINT', () => {
    interrupted = true;
    for (const child of live) child.kill('SIGINT');
  });
  try {
    const fsync = await redisCommand(redis.port, ['CONFIG', 'SET', 'appendfsync', appendfsync]);
    if (fsync !== '+OK\r\n') throw new Error(`CONFIG SET appendfsync ${appendfsync}: ${fsync.trim()}`);
    const version = /redis_version:(\S+)/.exec(await redisCommand(redis.port, ['INFO', 'server']))?.[1] ?? 'unknown';
    site = await startDomainsSite(config);
    project = makeProject({ 'crawl.config.ts': 'export default {};\n', 'spiders/pages.ts': SPIDER });

    const ceiling = limits.global / (config.latencyMs / 1000);
    console.log(`node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), redis ${version} (AOF, appendfsync ${appendfsync})`);
    console.log(
      `site: ${config.pages} pages over ${config.domains} domains (${config.links} links + next per page, ~2 KB each), ${config.latencyMs} ms latency; ` +
        `each process: concurrency.global=${limits.global}, perDomain=${limits.perDomain}, parse.workers=0` +
        (config.latencyMs > 0 ? ` (Little's-law ceiling ${ceiling.toFixed(0)} pages/s per process)` : ''),
    );

    const rounds: Round[] = [];
    for (let n = 1; n <= maxProcesses && !interrupted; n++) {
      const round = await runRound(n, project, redis, site, timeoutMs);
      rounds.push(round);
      const note = round.timedOut ? ' (stopped: timeout or Ctrl-C)' : '';
      console.log(`  ${n} process(es): ${round.pages} pages in ${round.seconds.toFixed(2)} s${note}`);
      for (const failure of round.failures) console.log(`    ${failure}`);
    }

    // Two rates: over the wall time (process start-up included) and over the crawl itself, from
    // the site's first request to its last response (what more processes can speed up).
    const crawlSeconds = (r: Round): number => Math.max(1e-3, (r.site.lastAt - r.site.firstAt) / 1000);
    const base = rounds[0] && rounds[0].pages > 0 ? rounds[0].pages / rounds[0].seconds : 0;
    const crawlBase = rounds[0] && rounds[0].pages > 0 ? rounds[0].pages / crawlSeconds(rounds[0]) : 0;
    const rows = rounds.map((r) => {
      const pps = r.pages / r.seconds;
      const crawlPps = r.pages / crawlSeconds(r);
      return {
        processes: r.processes,
        pages: r.pages,
        seconds: Math.round(r.seconds * 100) / 100,
        'pages/s': Math.round(pps * 10) / 10,
        'x 1 process': base > 0 ? Math.round((pps / base) * 100) / 100 : '-',
        'crawl s': Math.round(crawlSeconds(r) * 100) / 100,
        'pages/s (crawl)': Math.round(crawlPps * 10) / 10,
        'x 1 (crawl)': crawlBase > 0 ? Math.round((crawlPps / crawlBase) * 100) / 100 : '-',
        'round trips/request': r.pages > 0 ? Math.round((r.roundTrips / r.pages) * 1000) / 1000 : '-',
        'pages per process': r.perProcess.join(' / '),
        // The site's own count: every page once, none twice, no 404.
        'site: distinct/requests': `${r.site.distinct}/${r.site.requests}${r.site.notFound ? ` (${r.site.notFound} 404)` : ''}`,
        ok: !r.timedOut && r.failures.length === 0 && r.site.distinct === config.pages && r.site.requests === config.pages ? 'yes' : 'NO',
      };
    });
    console.log();
    console.table(rows);
    if (rows.some((r) => r.ok !== 'yes')) process.exitCode = 1;
  } finally {
    for (const child of live) child.kill('SIGKILL');
    await site?.close();
    project?.remove();
    await redis.close();
  }
}

if (values.serve !== undefined) await serve(JSON.parse(values.serve) as SiteConfig);
else await main();
