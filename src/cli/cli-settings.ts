/**
 * The settings of the one-shot commands (`fetch`, `shell`, `parse`, `check`, `settings`): the
 * same layers as a crawl, defaults < crawl.config.ts < the spider's `customSettings` < `-s`,
 * with the project found around the current folder when there is one.
 */
import type { SettingValues } from '../settings/defaults.js';
import { loadProject, type Project } from '../settings/load.js';
import type { SpiderClass } from '../spider/spider.js';
import { layeredSettings, parseSettingArgs } from '../settings/config.js';

export interface CommandSettings {
  project: Project | undefined;
  settings: SettingValues;
}

export async function commandSettings(cwd: string, setArgs: readonly string[] = [], spiderClass?: SpiderClass): Promise<CommandSettings> {
  // -s is parsed first: a typo there is reported even when the project file is fine.
  const cli = parseSettingArgs(setArgs);
  const project = await loadProject(cwd);
  const settings = layeredSettings({
    ...(project ? { project: { config: project.config, file: project.configFile } } : {}),
    ...(spiderClass ? { spider: spiderClass } : {}),
    cli,
  });
  return { project, settings };
}
