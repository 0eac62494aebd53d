/**
 * The user's path (issue 20), a script, not a test: a TypeScript spider in a project, run by the
 * `crawl` CLI, against the hand-written undici + cheerio loop (baseline.ts) on the same local site,
 * alternating in one run so both see the same machine load.
 *
 *   npm run bench:user                          # scenario a, 2 rounds
 *   npm run bench:user -- --scenario latency    # 50 ms latency, concurrency 128, 5,000 pages
 *   npm run bench:user -- --rounds 3 --pages 4000 --variants loop,workers=0,workers=2
 *   npm run bench:user -- --node-flags '--max-semi-space-size=32'   # node flags for Arachne's runs
 *   npm run bench:user -- --steady              # also the per-page cost once warmed up (below)
 *   npm run bench:user -- --steady --steady-factor 4   # ... between N and 4N pages (default 3)
 *
 * Scenarios:
 *   a        30 KB pages, 20 links, no latency, concurrency 32, 10,000 pages (suite scenario a).
 *   latency  30 KB pages, 20 links, 50 ms latency, concurrency 128, 5,000 pages.
 *
 * Each Arachne variant is `node dist/cli/main.js run bench -a url=<site>` in a temporary project
 * (package.json, crawl.config.ts, spiders/bench.ts: the bench spider written against 'arachne',
 * loaded by tsx as users' spiders are), with every setting at its default except the concurrency
 * (global and per domain, to match the loop) and `-s parse.workers=N` for the fixed variants; the
 * `default` variant leaves `parse.workers` at "auto" (one per core).
 *
 * What it measures, per run, through `/usr/bin/time -f` around the process (so the CLI's start-up,
 * the tsx loader, the parse threads and the close are all counted, as a user pays them):
 * - pages/s: pages fetched over the process's wall time, minus its start-up time (below);
 * - CPU s per 1,000 pages: user + system of the process (all its threads), per 1,000 pages;
 * - peak RSS: the process's maximum resident set (threads share it; the CLI starts no processes);
 * - start-up: wall time of the same command on a one-page site (what `crawl run` costs before and
 *   after the crawl itself), and of `import('arachne')` alone in the project;
 * - marginal CPU per page: (CPU of the N-page run - CPU of the one-page run of the same variant) /
 *   (N - 1), the cost of one more page once the process is up. Whole-process CPU per page spreads
 *   start-up (worker threads, tsx, module loading: seconds) over the pages; the marginal figure
 *   does not, so start-up is judged on its own (bench:startup) and the per-page cost on this one.
 * - steady CPU per page (`--steady`): (CPU of a run on a kN-page site - CPU of the N-page run) /
 *   (kN - N), k = `--steady-factor` (3). A one-page run never gets hot, so the marginal figure
 *   still holds each isolate's warm-up (TurboFan compiles, heap growth): a second or more of CPU
 *   per isolate at the start of a crawl, which a long crawl spreads thin. This one leaves it out:
 *   the cost of a page at cruising speed. The warm-up itself is printed too: CPU of the N-page run
 *   - N x the steady cost, what the process spends once per crawl (start-up included). Both ends
 *   are warm runs: measured between N/2 and N instead, the JIT is still compiling the parse stack
 *   in the first run's last pages, and the figure holds part of the warm-up (1.42x in-process for
 *   2 workers on 6 December, where 10,000 -> 30,000 gives 1.23x).
 * - paired ratios: each round runs every variant once, so a variant's ratio to the loop (or to
 *   in-process) is also taken round by round, and the median and range of those are printed. The
 *   machine's speed drifts between minutes; a ratio within one round sees less of that drift.
 * The site runs in its own process (src/cli/bench-site.ts); its CPU is counted for neither side.
 * Tables show medians; the ratios compare medians of the same run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchSiteOptions, startBenchSite as StartBenchSite } from '../../src/cli/bench-site.js';
import { CLI, makeProject, REPO, type TempProject } from '../helpers/project.js';
import { median } from './median.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'a' },
    rounds: { type: 'string', default: '2' },
    pages: { type: 'string' },
    variants: { type: 'string', default: 'loop,default,workers=0,workers=1,workers=2' },
    'no-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    steady: { type: 'boolean', default: false },
    'steady-factor': { type: 'string', default: '3' },
  },
});

interface Scenario {
  site: BenchSiteOptions;
  concurrency: number;
}
const SCENARIOS: Record<string, Scenario> = {
  a: { site: { pages: 10_000, pageSize: 30_000, links: 20, items: 0, latencyMs: 0 }, concurrency: 32 },
  latency: { site: { pages: 5000, pageSize: 30_000, links: 20, items: 0, latencyMs: 50 }, concurrency: 128 },
};
const scenario = SCENARIOS[values.scenario!];
if (!scenario) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);
if (values.pages) scenario.site.pages = Number(values.pages);
const rounds = Number(values.rounds);
const variants = values.variants!.split(',');

// The spider of `crawl bench` (src/cli/bench-spider.ts), as a user's TypeScript file would hold it:
// the same code, importing from 'arachne' instead of the source tree.
const SPIDER = readFileSync(new URL('../../src/cli/bench-spider.ts', import.meta.url), 'utf8')
  .replace(/^import type \{ Response \} from '[^']+';\nimport \{ Spider \} from '[^']+';$/m, "import { Spider, type Response } from 'arachne';");
if (!SPIDER.includes("from 'arachne'")) throw new Error('src/cli/bench-spider.ts changed its imports: update the rewrite in user-path.ts');

const config = (concurrency: number): string => `import { defineConfig } from 'arachne';

export default defineConfig({
  concurrency: { global: ${concurrency}, perDomain: ${concurrency} },
});
`;

interface Run {
  pages: number;
  wallS: number;
  cpuS: number;
  rssMb: number;
}

/** Runs a command under /usr/bin/time; returns its wall, CPU and peak RSS, and its stdout. */
function timed(args: string[], cwd: string): { run: Omit<Run, 'pages'>; stdout: string } {
  const out = mkdtempSync(join(tmpdir(), 'arachne-time-'));
  const file = join(out, 'time');
  try {
    const child = spawnSync('/usr/bin/time', ['-o', file, '-f', '%e %U %S %M', process.execPath, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (child.status !== 0) throw new Error(`${args.join(' ')} failed (${child.status}): ${child.stderr.slice(-2000)}`);
    const [wall, user, sys, rss] = readFileSync(file, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number];
    return { run: { wallS: wall, cpuS: user + sys, rssMb: rss / 1024 }, stdout: child.stdout };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function workersArg(variant: string): string[] {
  return variant.startsWith('workers=') ? ['-s', `parse.${variant}`] : [];
}

function runArachne(variant: string, url: string, project: TempProject, profDir?: string): Run {
  const stats = join(project.dir, 'stats.json');
  const prof = profDir ? ['--cpu-prof', '--cpu-prof-dir', join(profDir, variant)] : [];
  const flags = values['node-flags']!.split(' ').filter(Boolean);
  const { run } = timed([...flags, ...prof, CLI, 'run', 'bench', '-a', `url=${url}`, ...workersArg(variant), '-L', 'warn', '--stats-json', stats], project.dir);
  const s = JSON.parse(readFileSync(stats, 'utf8')) as Record<string, number>;
  return { ...run, pages: Number(s['response/received'] ?? 0) };
}

function runLoop(url: string, concurrency: number, profDir?: string): Run {
  const prof = profDir ? ['--cpu-prof', '--cpu-prof-dir', join(profDir, 'loop')] : [];
  const { run, stdout } = timed([...prof, '--import', 'tsx', join(REPO, 'test/bench/baseline.ts'), '--url', url, '--concurrency', String(concurrency)], REPO);
  return { ...run, pages: (JSON.parse(stdout.trim().split('\n').pop()!) as { pages: number }).pages };
}

const r2 = (n: number): number => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  if (!values['no-build']) execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'src'], { cwd: REPO, stdio: 'inherit' });
  const { startBenchSite } = (await import(join(REPO, 'dist/cli/bench-site.js'))) as { startBenchSite: typeof StartBenchSite };
  const project = makeProject({ 'crawl.config.ts': config(scenario!.concurrency), 'spiders/bench.ts': SPIDER });
  const { site: siteOptions, concurrency } = scenario!;
  console.log(
    `node ${process.version}, ${availableParallelism()} cores; scenario ${values.scenario}: ${siteOptions.pages} pages of ${siteOptions.pageSize} B, ` +
      `${siteOptions.links} links, ${siteOptions.latencyMs} ms latency, concurrency ${concurrency}; ${rounds} round(s); variants ${variants.join(', ')}`,
  );
  const site = await startBenchSite(siteOptions);
  const tiny = await startBenchSite({ pages: 1, pageSize: 2000, links: 0, items: 0, latencyMs: 0 });
  const steadyFactor = Number(values['steady-factor']);
  if (!(steadyFactor > 1)) throw new Error(`--steady-factor must be a number above 1, got ${values['steady-factor']}`);
  const long = values.steady ? await startBenchSite({ ...siteOptions, pages: Math.round(siteOptions.pages * steadyFactor) }) : undefined;
  const runs = new Map<string, Run[]>();
  const startup = new Map<string, number[]>();
  const marginal = new Map<string, number[]>();
  const steady = new Map<string, number[]>();
  const warmUp = new Map<string, number[]>();
  const importMs: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const variant of variants) {
        const run = variant === 'loop' ? runLoop(site.url, concurrency, values['cpu-prof']) : runArachne(variant, site.url, project, values['cpu-prof']);
        // Start-up: the same command on a one-page site.
        const one = variant === 'loop' ? runLoop(tiny.url, concurrency) : runArachne(variant, tiny.url, project);
        runs.set(variant, [...(runs.get(variant) ?? []), run]);
        startup.set(variant, [...(startup.get(variant) ?? []), one.wallS]);
        const marginalMs = ((run.cpuS - one.cpuS) / Math.max(1, run.pages - one.pages)) * 1000;
        marginal.set(variant, [...(marginal.get(variant) ?? []), marginalMs]);
        let steadyNote = '';
        if (long) {
          const longer = variant === 'loop' ? runLoop(long.url, concurrency) : runArachne(variant, long.url, project);
          const steadyMs = ((longer.cpuS - run.cpuS) / Math.max(1, longer.pages - run.pages)) * 1000;
          const warmUpS = run.cpuS - (run.pages * steadyMs) / 1000;
          steady.set(variant, [...(steady.get(variant) ?? []), steadyMs]);
          warmUp.set(variant, [...(warmUp.get(variant) ?? []), warmUpS]);
          steadyNote = `; ${longer.pages} pages cpu ${r2(longer.cpuS)} s; steady ${r2(steadyMs * 1000)} us/page, warm-up ${r2(warmUpS)} s`;
        }
        process.stderr.write(
          `round ${r + 1} ${variant}: ${run.pages} pages, ${run.wallS} s, cpu ${r2(run.cpuS)} s, rss ${Math.round(run.rssMb)} MB; ` +
            `one page ${one.wallS} s, cpu ${r2(one.cpuS)} s; marginal ${r2(marginalMs * 1000)} us/page${steadyNote}\n`,
        );
      }
      importMs.push(timed(['--input-type=module', '-e', "const t = performance.now(); await import('arachne'); console.log(performance.now() - t)"], project.dir).stdout.trim() as unknown as number);
    }
  } finally {
    await site.close();
    await tiny.close();
    await long?.close();
    project.remove();
  }
  const rows: Record<string, Record<string, number>> = {};
  const figures = new Map<string, { pps: number; cpuPerK: number; marginalPerK: number; rss: number }>();
  for (const variant of variants) {
    const list = runs.get(variant)!;
    const start = median(startup.get(variant)!);
    const pps = median(list.map((x) => x.pages / Math.max(0.001, x.wallS - start)));
    const cpuPerK = median(list.map((x) => (x.cpuS / Math.max(1, x.pages)) * 1000));
    const marginalPerK = median(marginal.get(variant)!);
    const rss = median(list.map((x) => x.rssMb));
    figures.set(variant, { pps, cpuPerK, marginalPerK, rss });
    rows[variant] = {
      pages: median(list.map((x) => x.pages)),
      'pages/s': Math.round(pps),
      'cpu s/1k pages': r2(cpuPerK),
      'marginal cpu s/1k': r2(marginalPerK),
      ...(long ? { 'steady cpu s/1k': r2(median(steady.get(variant)!)), 'warm-up cpu s': r2(median(warmUp.get(variant)!)) } : {}),
      'peak RSS MB': Math.round(rss),
      'start-up s': r2(start),
    };
  }
  const ref = (name: string) => figures.get(name);
  for (const variant of variants) {
    const f = figures.get(variant)!;
    const row = rows[variant]!;
    const loop = ref('loop');
    const inProcess = ref('workers=0');
    if (loop) {
      row['pages/s x loop'] = r2(f.pps / loop.pps);
      row['cpu x loop'] = r2(f.cpuPerK / loop.cpuPerK);
      row['marginal x loop'] = r2(f.marginalPerK / loop.marginalPerK);
      row['rss x loop'] = r2(f.rss / loop.rss);
    }
    if (inProcess) {
      row['cpu x workers=0'] = r2(f.cpuPerK / inProcess.cpuPerK);
      row['marginal x workers=0'] = r2(f.marginalPerK / inProcess.marginalPerK);
      row['rss x workers=0'] = r2(f.rss / inProcess.rss);
    }
  }
  console.table(rows);
  // Round by round: each variant against the loop and in-process of the same round.
  const paired: Record<string, Record<string, string>> = {};
  const perRound = (figure: Map<string, number[]>, variant: string, reference: string): string => {
    const ratios = figure.get(variant)!.map((value, round) => value / figure.get(reference)![round]!);
    return `${r2(median(ratios))} (${r2(Math.min(...ratios))}-${r2(Math.max(...ratios))})`;
  };
  for (const variant of variants) {
    const row: Record<string, string> = {};
    for (const reference of ['loop', 'workers=0']) {
      if (reference === variant || !variants.includes(reference)) continue;
      row[`marginal x ${reference}`] = perRound(marginal, variant, reference);
      if (long) row[`steady x ${reference}`] = perRound(steady, variant, reference);
    }
    if (Object.keys(row).length > 0) paired[variant] = row;
  }
  console.log('ratios round by round: median (lowest-highest)');
  console.table(paired);
  console.log(`import('arachne') in the project: ${importMs.map((ms) => `${Math.round(Number(ms))} ms`).join(' / ')}`);
}

await main();
