import { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import type { Response } from '../../http/response.js';
import { createLogger } from '../../log.js';
import { Request } from '../../http/request.js';
import { commandSettings } from '../cli-settings.js';
import { Fetcher } from '../fetcher.js';
import { findSpider } from '../../spider/spider-loader.js';
import { collect, logLevelOption, withLogLevel } from '../options.js';
import { requireProject } from '../project.js';

/** `HTTP 200` then one `name: value` line per header (repeated headers once per value). */
export function formatHead(response: Response): string {
  const lines = [`HTTP ${response.status} ${response.url}`];
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Checks a URL argument: http(s) only, a coded error otherwise. */
export function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('ERR_INVALID_URL', `${JSON.stringify(url)} is not an absolute URL`, { hint: 'write the scheme too: https://books.example/' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError('ERR_INVALID_URL', `${JSON.stringify(url)} is not an http or https URL`, { hint: 'write an http:// or https:// URL' });
  }
  return parsed.href;
}

export function fetchCommand(): Command {
  return new Command('fetch')
    .description("download a URL through the project's settings and downloader middlewares and print the body")
    .argument('<url>', 'the URL to download')
    .option('--headers', 'print the status line and the response headers before the body')
    .option('--no-redirect', 'do not follow redirects: print the 3xx response itself')
    .option('--browser', 'render the page in headless Chromium and print the rendered HTML (docs/browser.md)')
    .option('--spider <name>', "use this spider's customSettings (its user agent, headers, proxies...)")
    .option('-s, --set <key=value>', 'setting override (repeatable)', collect)
    .addOption(logLevelOption())
    .action(async (url: string, options: { headers?: boolean; redirect: boolean; browser?: boolean; spider?: string; set?: string[]; loglevel?: string }) => {
      const href = checkUrl(url);
      const entry = options.spider ? await findSpider((await requireProject(process.cwd())).spidersDir, options.spider) : undefined;
      const { settings } = await commandSettings(process.cwd(), withLogLevel(options.set, options.loglevel), entry?.spiderClass);
      const fetcher = new Fetcher({ settings, logger: createLogger('fetch', settings['log.level'] === 'silent' ? 'silent' : 'warn') });
      try {
        // meta.dontRedirect: the redirect middleware hands the 3xx back instead of a next hop.
        const response = await fetcher.fetch(new Request({ url: href, meta: { dontRedirect: !options.redirect, ...(options.browser ? { browser: true } : {}) } }));
        if (options.headers) process.stdout.write(`${formatHead(response)}\n`);
        process.stdout.write(response.body);
      } finally {
        await fetcher.close();
      }
    });
}
