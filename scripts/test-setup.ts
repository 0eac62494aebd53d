/**
 * `npm test`'s first step (the `pretest` script): the system programs the suite runs for real,
 * `redis-server` (cluster tests) and Chromium (browser and report tests), must be there before
 * any test starts, so a fresh machine with only Node and npm passes `npm install && npm test` in
 * one go. As root with apt-get they are installed (Debian's `redis-server` and `chromium`);
 * otherwise the run stops at once with one line naming the command to run. Nothing here waits on
 * a missing program.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Probe {
  /** Whether a program is on the PATH (or, for Chromium, at CHROMIUM_PATH). */
  has(program: string): boolean;
  isRoot: boolean;
  /** `CHROMIUM_PATH` when set: the tests use it instead of a Chromium on the PATH. */
  chromiumPath: string | undefined;
}

export type Plan =
  | { action: 'none' }
  | { action: 'install'; packages: string[] }
  | { action: 'stop'; packages: string[]; message: string };

/** What the suite needs, as `[program(s) any of which will do, Debian package]`. */
const NEEDS: readonly [readonly string[], string][] = [
  [['redis-server'], 'redis-server'],
  [['chromium', 'chromium-browser', 'google-chrome'], 'chromium'],
];

export function planSetup(probe: Probe): Plan {
  const packages = NEEDS.filter(([programs, pkg]) => {
    if (pkg === 'chromium' && probe.chromiumPath) return !probe.has(probe.chromiumPath);
    return !programs.some((program) => probe.has(program));
  }).map(([, pkg]) => pkg);
  if (packages.length === 0) return { action: 'none' };
  if (probe.isRoot && probe.has('apt-get')) return { action: 'install', packages };
  return {
    action: 'stop',
    packages,
    message: `npm test needs ${packages.join(' and ')}: run \`sudo apt-get install -y ${packages.join(' ')}\` (or set CHROMIUM_PATH to a Chromium), then npm test again`,
  };
}

function onPath(program: string): boolean {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function main(): number {
  const plan = planSetup({ has: onPath, isRoot: process.getuid?.() === 0, chromiumPath: process.env.CHROMIUM_PATH || undefined });
  if (plan.action === 'none') return 0;
  if (plan.action === 'stop') {
    process.stderr.write(`${plan.message}\n`);
    return 1;
  }
  process.stderr.write(`npm test: installing ${plan.packages.join(' and ')} with apt-get (needed by the cluster and browser tests)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...plan.packages]]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (result.status !== 0) {
      process.stderr.write(`npm test: \`apt-get ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}); install ${plan.packages.join(' ')} by hand, then npm test again\n`);
      return 1;
    }
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
