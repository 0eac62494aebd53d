import { inspect } from 'node:util';
import { runInNewContext } from 'node:vm';
import { Command } from 'commander';
import { findSpider } from '../../spider/spider-loader.js';
import { Request } from '../../http/request.js';
import type { Response } from '../../http/response.js';
import { createLogger } from '../../log.js';
import type { Spider } from '../../spider/spider.js';
import { commandSettings } from '../cli-settings.js';
import { Fetcher } from '../fetcher.js';
import { collect, logLevelOption, parseSpiderArgs, withLogLevel } from '../options.js';
import { requireProject } from '../project.js';
import { writeViewFile } from '../view-file.js';
import { checkUrl } from './fetch.js';

const HELP = `Available:
  response          the last response (status, headers, text, css('h1::text').get(), xpath('//a/@href').getall(), follow()...)
  request           its request
  $                 response.$ (cheerio): $('h1').text()
  fetch(url)        download another URL (await it): rebinds response, request and $
  view(response)    write the body to a temporary .html file and print its path
  settings          the effective settings
  spider            the spider given with --spider
  .exit             leave
`;

export function shellCommand(): Command {
  return new Command('shell')
    .description('an interactive REPL to try selectors: response, request, $, fetch(url), view(response), settings, spider')
    .argument('[url]', 'download this URL first')
    .option('--spider <name>', "a spider of the project, as `spider` (its customSettings apply)")
    .option('--browser', 'render every fetch in headless Chromium: `response` is the rendered page')
    .option('-a, --arg <key=value>', 'spider argument (repeatable)', collect)
    .option('-s, --set <key=value>', 'setting override (repeatable)', collect)
    .option('-c, --code <code>', "evaluate this expression (it may await) with the shell's names, print the result and exit")
    .addOption(logLevelOption())
    .action(async (url: string | undefined, options: { spider?: string; browser?: boolean; arg?: string[]; set?: string[]; code?: string; loglevel?: string }) => {
      options.set = withLogLevel(options.set, options.loglevel);
      const spiderArgs = parseSpiderArgs(options.arg);
      const entry = options.spider ? await findSpider((await requireProject(process.cwd())).spidersDir, options.spider) : undefined;
      const { settings } = await commandSettings(process.cwd(), options.set, entry?.spiderClass);
      const logger = createLogger('shell', settings['log.level'] === 'silent' ? 'silent' : 'warn');
      const spider: Spider | undefined = entry ? new entry.spiderClass({ args: spiderArgs, logger }) : undefined;
      const fetcher = new Fetcher({ settings, logger });
      const scope: Record<string, unknown> = { settings, spider, response: undefined, request: undefined, $: undefined };

      const bind = (response: Response): Response => {
        Object.assign(scope, { response, request: response.request, $: response.$ });
        return response;
      };
      const fetchInto = async (target: string | Request): Promise<Response> =>
        bind(await fetcher.fetch(typeof target === 'string' ? new Request({ url: checkUrl(target), meta: options.browser ? { browser: true } : {} }) : target));
      const view = (response: Response | undefined = scope.response as Response | undefined): string => {
        if (!response) throw new Error('no response yet: fetch(url) first');
        const file = writeViewFile(response);
        process.stdout.write(`${file}\n`);
        return file;
      };

      if (url) {
        const response = await fetchInto(url);
        if (options.code === undefined) process.stdout.write(`fetched ${response.url} (${response.status}, ${response.body.length} bytes)\n`);
      }
      if (options.code !== undefined) {
        try {
          // An expression, as in Scrapy's `shell -c`; wrapped so it may use await.
          const result: unknown = await runInNewContext(`(async () => (${options.code}))()`, { ...scope, fetch: fetchInto, view, console });
          process.stdout.write(typeof result === 'string' ? `${result}\n` : `${inspect(result, { depth: 4 })}\n`);
        } finally {
          await fetcher.close();
        }
        return;
      }
      process.stdout.write(HELP);
      // Imported here, not at the top: loading node:repl loads node:domain, which wraps every
      // EventEmitter.emit in the process (measured: 2.5% of a `crawl run`'s CPU).
      const { start: startRepl } = await import('node:repl');
      const repl = startRepl({ prompt: 'arachne> ', input: process.stdin, output: process.stdout, terminal: Boolean(process.stdin.isTTY) });
      // Getters, so `$` and `response` follow fetch(): a plain assignment would be a stale copy.
      for (const name of Object.keys(scope)) {
        Object.defineProperty(repl.context, name, { get: () => scope[name], set: (v: unknown) => (scope[name] = v), configurable: true, enumerable: true });
      }
      Object.assign(repl.context, { fetch: fetchInto, view });
      await new Promise<void>((resolve) => repl.on('exit', resolve));
      await fetcher.close();
    });
}
