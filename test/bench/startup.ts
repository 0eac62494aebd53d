/**
 * Start-up benchmark (a script, not a test): wall time of `import 'arachne'`, `crawl --version`
 * and a one-page crawl (a TypeScript spider, callbacks in-process, a local site), each the median
 * of several runs of a fresh `node` process, beside an empty `node -e ''` measured in the same
 * run (what Node itself costs on this machine right now). Needs a build (`npm run build`).
 *
 *   npm run bench:startup [-- --runs 7]
 *
 * Targets (docs/performance.md): import < 150 ms, --version < 200 ms, one-page crawl < 600 ms.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startSite } from '../fixtures/site.js';
import { CLI, REPO } from '../helpers/project.js';
import { median } from './median.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);

function timed(args: string[], cwd: string): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: 'ignore' });
    child.on('close', (code) => (code === 0 ? resolveRun(performance.now() - start) : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

/** The median wall time of `runs` fresh processes of `node args`. */
async function medianRunMs(args: string[], cwd = REPO): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timed(args, cwd));
  return median(times);
}

const dir = mkdtempSync(join(tmpdir(), 'arachne-bench-startup-'));
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
  const rows: [string, string, number][] = [
    ['node itself', "node -e ''", await medianRunMs(['-e', ''])],
    ["import 'arachne'", "node -e \"await import('arachne')\"", await medianRunMs(['--input-type=module', '-e', "await import('arachne')"], dir)],
    ['crawl --version', 'crawl --version', await medianRunMs([join(REPO, 'dist', 'cli', 'bin.js'), '--version'])],
    [
      'one-page crawl',
      'crawl runspider one.ts -s parse.workers=0 -O one.jsonl',
      await medianRunMs([CLI, 'runspider', 'one.ts', '-a', `url=${site.url}/page/0`, '-s', 'parse.workers=0', '-O', join(dir, 'one.jsonl'), '-L', 'warn'], dir),
    ],
  ];
  console.log(`median of ${runs} fresh processes, Node ${process.versions.node}`);
  for (const [what, command, ms] of rows) console.log(`${what.padEnd(18)} ${ms.toFixed(0).padStart(5)} ms   ${command}`);
} finally {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
}
