import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { findSpider } from '../../spider/spider-loader.js';
import { Request } from '../../http/request.js';
import { createLogger } from '../../log.js';
import { commandSettings } from '../cli-settings.js';
import { Fetcher } from '../fetcher.js';
import { collect, logLevelOption, withLogLevel } from '../options.js';
import { requireProject } from '../project.js';
import { writeViewFile } from '../view-file.js';
import { checkUrl } from './fetch.js';

/** The program that opens a file with the desktop's default application. */
function opener(): string {
  if (process.platform === 'darwin') return 'open';
  if (process.platform === 'win32') return 'explorer';
  return 'xdg-open';
}

export function viewCommand(): Command {
  return new Command('view')
    .description("download a URL as Arachne sees it (the project's settings and middlewares, no JavaScript) and write it to a temporary .html file with a <base href>; print its path")
    .argument('<url>', 'the URL to download')
    .option('--open', "also open the file in the desktop's browser")
    .option('--spider <name>', "use this spider's customSettings")
    .option('-s, --set <key=value>', 'setting override (repeatable)', collect)
    .addOption(logLevelOption())
    .action(async (url: string, options: { open?: boolean; spider?: string; set?: string[]; loglevel?: string }) => {
      const href = checkUrl(url);
      const entry = options.spider ? await findSpider((await requireProject(process.cwd())).spidersDir, options.spider) : undefined;
      const { settings } = await commandSettings(process.cwd(), withLogLevel(options.set, options.loglevel), entry?.spiderClass);
      const fetcher = new Fetcher({ settings, logger: createLogger('view', settings['log.level'] === 'silent' ? 'silent' : 'warn') });
      try {
        const file = writeViewFile(await fetcher.fetch(new Request({ url: href })));
        process.stdout.write(`${file}\n`);
        if (options.open) spawn(opener(), [file], { stdio: 'ignore', detached: true }).on('error', () => {}).unref();
      } finally {
        await fetcher.close();
      }
    });
}
