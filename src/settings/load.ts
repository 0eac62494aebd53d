import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { ConfigInput } from './config.js';
import { importModule } from './import-module.js';

export const CONFIG_FILES = ['crawl.config.ts', 'crawl.config.mts', 'crawl.config.js', 'crawl.config.mjs'];

/** A project: the folder holding crawl.config.ts, and what that file exports. */
export interface Project {
  dir: string;
  configFile: string;
  config: ConfigInput;
}

/** Finds the nearest crawl.config.* from `start` upwards, as Scrapy finds scrapy.cfg. */
export function findConfigFile(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    for (const name of CONFIG_FILES) {
      const file = join(dir, name);
      if (existsSync(file)) return file;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Loads the project around `cwd`; undefined when there is no crawl.config.* above it. */
export async function loadProject(cwd: string): Promise<Project | undefined> {
  const configFile = findConfigFile(cwd);
  if (!configFile) return undefined;
  const module = await importModule(configFile, 'ERR_CONFIG_LOAD', 'config file');
  const config = module.default ?? module.config;
  if (config === undefined) {
    // `defineConfig({...})` without `export default` would otherwise run silently on the defaults.
    const names = Object.keys(module);
    throw new ConfigError('ERR_CONFIG_SHAPE', `${configFile} exports no settings${names.length > 0 ? ` (it exports ${names.join(', ')})` : ''}`, {
      hint: 'write `export default defineConfig({ ... })` (an empty project: `export default defineConfig({})`)',
    });
  }
  // The shape (an object, not a Promise) is checked with the settings, before the crawl starts.
  return { dir: dirname(configFile), configFile, config: config as ConfigInput };
}
