import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from '../errors.js';
import { importModule } from '../settings/import-module.js';
import { isSpiderClass, type SpiderClass } from '../spider/spider.js';

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

/** Imports a single spider file (`crawl runspider`). */
export async function loadSpiderFile(file: string): Promise<SpiderEntry[]> {
  const module = await importModule(file, 'ERR_SPIDER_LOAD', 'spider file');
  return spidersOf(module).map((spiderClass) => ({ name: spiderClass.name, file, spiderClass }));
}

/** Every spider in a project's spiders folder, by name; two spiders with one name are an error. */
export async function loadSpiders(dir: string): Promise<Map<string, SpiderEntry>> {
  const found = new Map<string, SpiderEntry>();
  for (const file of spiderFiles(dir)) {
    for (const entry of await loadSpiderFile(file)) {
      const other = found.get(entry.name);
      if (other && other.spiderClass !== entry.spiderClass) {
        throw new ConfigError('ERR_SPIDER_DUPLICATE', `two spiders are named "${entry.name}": ${relative(dir, other.file)} and ${relative(dir, entry.file)}`, {
          hint: 'give each spider class a unique `static name`',
        });
      }
      found.set(entry.name, entry);
    }
  }
  return found;
}

/** Finds one spider by name, with the known names in the error when it is not there. */
export async function findSpider(dir: string, name: string): Promise<SpiderEntry> {
  const spiders = await loadSpiders(dir);
  const entry = spiders.get(name);
  if (!entry) {
    const known = [...spiders.keys()];
    throw new ConfigError('ERR_SPIDER_NOT_FOUND', `no spider named "${name}" in ${dir}`, {
      hint: known.length > 0 ? `known spiders: ${known.join(', ')} (\`crawl list\`)` : 'this project has no spiders yet: add one to its spiders/ folder',
    });
  }
  return entry;
}
