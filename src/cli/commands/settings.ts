import { Command } from 'commander';
import { flattenConfig, layeredSettings, parseSettingArgs } from '../../settings/config.js';
import { settingsMarkdown } from '../../settings/docs.js';
import { redactSettings } from '../../settings/redact.js';
import { loadProject } from '../../settings/load.js';
import { collect } from '../options.js';

export function settingsCommand(): Command {
  return new Command('settings')
    .description('print the effective settings (defaults < crawl.config.ts < -s), or one of them')
    .option('--get <key>', 'print one setting')
    .option('-s, --set <key=value>', 'setting override (repeatable)', collect)
    .option('--markdown', "print the table of every setting with its type, default and doc (docs/reference/settings.md)")
    .action(async (options: { get?: string; set?: string[]; markdown?: boolean }) => {
      if (options.markdown) {
        process.stdout.write(`${settingsMarkdown()}\n`);
        return;
      }
      const project = await loadProject(process.cwd());
      const values = redactSettings(layeredSettings({ ...(project ? { project: { config: project.config, file: project.configFile } } : {}), cli: parseSettingArgs(options.set ?? []) }));
      if (options.get !== undefined) {
        if (!Object.hasOwn(values, options.get)) flattenConfig({ [options.get]: undefined }, '--get');
        process.stdout.write(`${JSON.stringify(values[options.get as keyof typeof values])}\n`);
        return;
      }
      process.stdout.write(`${JSON.stringify(values, null, 2)}\n`);
    });
}
