import { existsSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { ConfigError, type ArachneError } from '../errors.js';
import { importModule } from '../settings/import-module.js';
import { isSpiderClass, type SpiderClass } from './spider.js';
import { checkSpiderClass, extendsSpider } from './spider-check.js';

export interface SpiderEntry {
  name: string;
  file: string;
  spiderClass: SpiderClass;
}

const SPIDER_FILE = /\.(m?ts|m?js)$/;

function spiderFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && SPIDER_FILE.test(e.name) && !e.name.endsWith('.d.ts') && !/\.test\.[mc]?[jt]s$/.test(e.name))
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

/** The spider classes a module exports (default and named). */
export function spidersOf(module: Record<string, unknown>): SpiderClass[] {
  return [...new Set(Object.values(module).filter(isSpiderClass))];
}

/**
 * Imports a single spider file (`crawl runspider`). Every class in it that extends Spider is
 * checked (a name, a parse() method, startUrls as an array): a mistake is a coded error.
 */
export async function loadSpiderFile(file: string): Promise<SpiderEntry[]> {
  const module = await importModule(file, 'ERR_SPIDER_LOAD', 'spider file');
  const classes = spidersOf(module);
  // A file whose only Spider subclasses lack parse(): say so, rather than "no spider in the file".
  // (With a complete spider beside them, they are base classes and are left alone.)
  const incomplete = [...new Set(Object.values(module).filter(extendsSpider))].filter((c) => !classes.includes(c));
  if (classes.length === 0 && incomplete.length > 0) checkSpiderClass(incomplete[0]!, file);
  for (const spiderClass of classes) checkSpiderClass(spiderClass, file);
  return classes.map((spiderClass) => ({ name: spiderClass.name, file, spiderClass }));
}

/** A spider file that failed to load, and why. */
export interface BrokenSpiderFile {
  file: string;
  error: ArachneError;
}

export interface LoadSpidersOptions {
  /**
   * Told about each file that fails to load; the others still load, so one broken file does not
   * break `crawl list` or `crawl run` of every other spider. Default: a coded warning on stderr.
   */
  onBroken?(broken: BrokenSpiderFile): void;
}

function warnBroken({ error }: BrokenSpiderFile): void {
  process.stderr.write(`warning ${error.describe()}\n  (the other spiders still load; running a spider of this file fails with this error)\n`);
}

/** Every spider in a project's spiders folder, by name; two spiders with one name are an error. */
export async function loadSpiders(dir: string, options: LoadSpidersOptions = {}): Promise<Map<string, SpiderEntry>> {
  return (await loadProjectSpiders(dir, options)).spiders;
}

async function loadProjectSpiders(dir: string, options: LoadSpidersOptions): Promise<{ spiders: Map<string, SpiderEntry>; broken: BrokenSpiderFile[] }> {
  const found = new Map<string, SpiderEntry>();
  const broken: BrokenSpiderFile[] = [];
  for (const file of spiderFiles(dir)) {
    let entries: SpiderEntry[];
    try {
      entries = await loadSpiderFile(file);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const entry = { file, error };
      broken.push(entry);
      (options.onBroken ?? warnBroken)(entry);
      continue;
    }
    for (const entry of entries) {
      const other = found.get(entry.name);
      if (other && other.spiderClass !== entry.spiderClass) {
        throw new ConfigError('ERR_SPIDER_DUPLICATE', `two spiders are named "${entry.name}": ${relative(dir, other.file)} and ${relative(dir, entry.file)}`, {
          hint: 'give each spider class a unique `static name`',
        });
      }
      found.set(entry.name, entry);
    }
  }
  return { spiders: found, broken };
}

/**
 * Finds one spider by name, with the known names in the error when it is not there. When it is
 * not found and a spider file failed to load, that file's coded error is thrown (the one named
 * like the spider, else the only broken one): the spider is most likely in it.
 */
export async function findSpider(dir: string, name: string, options: LoadSpidersOptions = {}): Promise<SpiderEntry> {
  const { spiders, broken } = await loadProjectSpiders(dir, { onBroken: () => {} });
  const entry = spiders.get(name);
  if (entry) for (const b of broken) (options.onBroken ?? warnBroken)(b);
  else {
    const stem = (file: string): string => basename(file).replace(SPIDER_FILE, '');
    const suspect = broken.find((b) => stem(b.file) === name) ?? (broken.length === 1 ? broken[0] : undefined);
    if (suspect) throw suspect.error;
    const known = [...spiders.keys()];
    throw new ConfigError('ERR_SPIDER_NOT_FOUND', `no spider named "${name}" in ${dir}`, {
      hint:
        (known.length > 0 ? `known spiders: ${known.join(', ')} (\`crawl list\`)` : 'this project has no spiders yet: add one to its spiders/ folder') +
        (broken.length > 0 ? `; these files failed to load: ${broken.map((b) => relative(dir, b.file)).join(', ')}` : ''),
    });
  }
  return entry;
}
