/**
 * Every path a crawl will write, checked before it starts: a log file at a folder crashed Node
 * with "Unhandled 'error' event", `--stats-json` at a folder threw EISDIR after the whole crawl,
 * `--report` under a file was only logged at close with exit 0. A path is writable-looking when
 * it is not an existing folder (files) or file (folders) and its nearest existing ancestor is a
 * folder; permissions are left to the open itself.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { STDOUT_PATH } from '../items/feeds/feed-uri.js';
import type { SettingValues } from '../settings/defaults.js';

export interface OutputPath {
  /** As the user wrote it. */
  path: string;
  /** Where it came from, for the message: `--log-file`, `log.file`... */
  source: string;
  kind: 'file' | 'dir';
}

function kindOf(path: string): 'file' | 'dir' | 'other' | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

/** Throws `ERR_OUTPUT_PATH` naming the path, the option and what is in the way. */
export function checkOutputPath({ path, source, kind }: OutputPath, cwd = process.cwd()): void {
  const full = resolve(cwd, path);
  const found = kindOf(full);
  if (kind === 'file' && found === 'dir') {
    throw new ConfigError('ERR_OUTPUT_PATH', `${source} ${path} is a folder, not a file`, { hint: `name a file in it, e.g. ${path.replace(/\/+$/, '')}/out.txt` });
  }
  if (kind === 'dir' && (found === 'file' || found === 'other')) {
    throw new ConfigError('ERR_OUTPUT_PATH', `${source} ${path} is a file, not a folder`, { hint: 'name a folder (it is created when missing), or move the file away' });
  }
  if (found !== undefined) return;
  // A missing path is created: its nearest existing ancestor must be a folder.
  for (let parent = dirname(full); ; parent = dirname(parent)) {
    const above = kindOf(parent);
    if (above === 'dir') return;
    if (above !== undefined) {
      throw new ConfigError('ERR_OUTPUT_PATH', `${source} ${path} cannot be created: ${parent} is a file, not a folder`, {
        hint: `pick a path under a folder, or move ${parent} away`,
      });
    }
    if (dirname(parent) === parent) return;
  }
}

/** The paths a crawl with these settings writes (feeds, logs, trace, report, HTTP cache, job). */
export function crawlOutputPaths(settings: Readonly<SettingValues>, statsJson: string | undefined): OutputPath[] {
  const paths: OutputPath[] = [];
  if (settings['log.file']) paths.push({ path: settings['log.file'], source: '--log-file (log.file)', kind: 'file' });
  if (statsJson) paths.push({ path: statsJson, source: '--stats-json', kind: 'file' });
  if (settings['trace.file']) paths.push({ path: settings['trace.file'], source: '--trace (trace.file)', kind: 'file' });
  if (settings['report.file']) paths.push({ path: settings['report.file'], source: '--report (report.file)', kind: 'file' });
  if (settings['job.dir']) paths.push({ path: settings['job.dir'], source: '--job-dir (job.dir)', kind: 'dir' });
  if (settings['httpCache.enabled']) paths.push({ path: settings['httpCache.dir'], source: 'httpCache.dir', kind: 'dir' });
  for (const [path, feed] of Object.entries(settings.feeds)) {
    if (path === STDOUT_PATH || feed.format === 'redis-stream') continue;
    // Placeholders are filled at open time; the folders before them can be checked now.
    const cut = path.indexOf('{');
    if (cut >= 0) {
      const head = dirname(path.slice(0, cut) + 'x');
      if (head !== '.') paths.push({ path: head, source: 'feed folder', kind: 'dir' });
      continue;
    }
    paths.push({ path, source: 'feed', kind: 'file' });
  }
  return paths;
}

export function checkCrawlOutputPaths(settings: Readonly<SettingValues>, statsJson: string | undefined, cwd = process.cwd()): void {
  for (const path of crawlOutputPaths(settings, statsJson)) checkOutputPath(path, cwd);
}
