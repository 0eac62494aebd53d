/**
 * Start-up benchmark (a script, not a test): wall time of `import 'arachne'`, `crawl --version`
 * and a one-page crawl (a TypeScript spider, callbacks in-process, a local site), each the median
 * of several runs of a fresh `node` process, beside an empty `node -e ''` measured in the same
 * run (what Node itself costs on this machine right now). Needs a build (`npm run build`).
 *
 *   npm run bench:startup [-- --runs 7]
 *
 * Targets (docs/performance.md): import < 150 ms, --version < 200 ms, one-page crawl < 600 ms.
 * Each row also shows the median CPU (user + system, all threads, from /usr/bin/time): on a shared
 * machine wall time grows with other processes' load, CPU much less. The one-page crawl runs with
 * the compiled-module cache (src/settings/compiled-module.ts; the first run fills it) and without
 * (`ARACHNE_COMPILE_CACHE=0`: tsx compiles the spider, as before the cache), in-process and with
 * 2 parse workers.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startSite } from '../fixtures/site.js';
import { CLI, REPO } from '../helpers/project.js';
import { median } from './median.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);

const dir = mkdtempSync(join(tmpdir(), 'arachne-bench-startup-'));
const cpuFile = join(dir, 'cpu');

/** Wall ms of one fresh process, and its CPU ms (user + system) as /usr/bin/time reports it. */
function timed(args: string[], cwd: string, env: Record<string, string>): Promise<[number, number]> {
  return new Promise((resolveRun, reject) => {
    const start = performance.now();
    const child = spawn('/usr/bin/time', ['-o', cpuFile, '-f', '%U %S', process.execPath, ...args], { cwd, stdio: 'ignore', env: { ...process.env, ...env } });
    child.on('close', (code) => {
      const wall = performance.now() - start;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}`));
      const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number];
      resolveRun([wall, (user + sys) * 1000]);
    });
  });
}

/** The median wall and CPU ms of `runs` fresh processes of `node args`. */
async function medianRun(args: string[], cwd = REPO, env: Record<string, string> = {}): Promise<[number, number]> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [wall, cpu] = await timed(args, cwd, env);
    walls.push(wall);
    cpus.push(cpu);
  }
  return [median(walls), median(cpus)];
}

const site = await startSite({ pages: 1, linksPerPage: 0 });
try {
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO, join(dir, 'node_modules', 'arachne'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(
    join(dir, 'one.ts'),
    `import { Spider, type Response } from 'arachne';
export default class OneSpider extends Spider {
  static override name = 'one';
  override async *start() { yield this.request(String(this.args.url)); }
  async *parse(response: Response) { yield { url: response.url, title: response.css('title::text').get('') }; }
}
`,
  );
  const crawl = (workers: number): string[] => [CLI, 'runspider', 'one.ts', '-a', `url=${site.url}/page/0`, '-s', `parse.workers=${workers}`, '-O', join(dir, 'one.jsonl'), '-L', 'warn'];
  const NO_CACHE = { ARACHNE_COMPILE_CACHE: '0' };
  const rows: [string, string, [number, number]][] = [
    ['node itself', "node -e ''", await medianRun(['-e', ''])],
    ["import 'arachne'", "node -e \"await import('arachne')\"", await medianRun(['--input-type=module', '-e', "await import('arachne')"], dir)],
    ['crawl --version', 'crawl --version', await medianRun([join(REPO, 'dist', 'cli', 'bin.js'), '--version'])],
    ['one-page crawl', 'crawl runspider one.ts -s parse.workers=0 -O one.jsonl', await medianRun(crawl(0), dir)],
    ['  without cache', 'ARACHNE_COMPILE_CACHE=0 crawl runspider one.ts -s parse.workers=0 ...', await medianRun(crawl(0), dir, NO_CACHE)],
    ['  2 workers', 'crawl runspider one.ts -s parse.workers=2 ...', await medianRun(crawl(2), dir)],
    ['  2, no cache', 'ARACHNE_COMPILE_CACHE=0 crawl runspider one.ts -s parse.workers=2 ...', await medianRun(crawl(2), dir, NO_CACHE)],
  ];
  console.log(`median of ${runs} fresh processes, Node ${process.versions.node}: wall ms, CPU ms (user + system)`);
  for (const [what, command, [wall, cpu]] of rows) console.log(`${what.padEnd(18)} ${wall.toFixed(0).padStart(5)} ms ${cpu.toFixed(0).padStart(5)} ms CPU   ${command}`);
} finally {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
}
