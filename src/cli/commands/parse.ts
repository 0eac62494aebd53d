import { Command, InvalidArgumentError } from 'commander';
import { Request } from '../../http/request.js';
import type { Response } from '../../http/response.js';
import { createLogger } from '../../log.js';
import type { SettingValues } from '../../settings/defaults.js';
import { requireCallback, runCallback } from '../callbacks.js';
import { commandSettings } from '../cli-settings.js';
import { Fetcher } from '../fetcher.js';
import { collect, parseSpiderArgs } from '../options.js';
import { spiderFor } from '../spider-instance.js';
import { checkUrl } from './fetch.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer >= 1');
  return n;
}

/** Whether the http-errors spider middleware would pass this response to its callback. */
function passesHttpErrors(response: Response, settings: Readonly<SettingValues>): boolean {
  const { status } = response;
  if (status >= 200 && status < 300) return true;
  const meta = response.request.meta;
  return settings['httpErrors.allowAll'] || meta.handleHttpStatusAll === true || settings['httpErrors.allowedCodes'].includes(status) || (meta.handleHttpStatusList ?? []).includes(status);
}

function describe(request: Request): string {
  return `${request.method} ${request.url} -> ${request.callback ?? 'parse'}`;
}

export function parseCommand(): Command {
  return new Command('parse')
    .description("fetch a URL, run a spider callback on it in-process and print the items and requests it yields, following requests up to --depth")
    .argument('<url>', 'the page to parse')
    .option('--spider <name>', "the spider (default: the one whose allowedDomains cover the URL's host)")
    .option('-c, --callback <name>', 'the callback method', 'parse')
    .option('-d, --depth <n>', 'follow yielded requests this many levels deep (1 = only this page)', positiveInt, 1)
    .option('-a, --arg <key=value>', 'spider argument (repeatable)', collect)
    .option('-s, --set <key=value>', 'setting override (repeatable)', collect)
    .action(async (url: string, options: { spider?: string; callback: string; depth: number; arg?: string[]; set?: string[] }) => {
      const href = checkUrl(url);
      const args = parseSpiderArgs(options.arg);
      const entry = await spiderFor(process.cwd(), options.spider, href);
      const { settings } = await commandSettings(process.cwd(), options.set, entry.spiderClass);
      const logger = createLogger(entry.name, settings['log.level'] === 'silent' ? 'silent' : 'warn');
      const spider = new entry.spiderClass({ args, logger });
      requireCallback(spider, options.callback);
      const fetcher = new Fetcher({ settings, logger });
      const seen = new Set<string>([`GET ${href}`]);
      let level: Request[] = [new Request({ url: href, callback: options.callback, meta: { depth: 0 } })];
      let totals = { items: 0, requests: 0 };
      try {
        for (let depth = 1; depth <= options.depth && level.length > 0; depth++) {
          process.stdout.write(`${depth > 1 ? '\n' : ''}# depth ${depth}\n`);
          const next: Request[] = [];
          for (const request of level) {
            const response = await fetcher.fetch(request);
            process.stdout.write(`\n## ${describe(request)} (${response.status})\n`);
            if (!passesHttpErrors(response, settings)) {
              process.stdout.write(`not passed to the callback: HTTP ${response.status} (see httpErrors.allowedCodes)\n`);
              continue;
            }
            requireCallback(spider, response.request.callback ?? 'parse');
            const { items, requests } = await runCallback(spider, response);
            totals = { items: totals.items + items.length, requests: totals.requests + requests.length };
            process.stdout.write(`items (${items.length}):\n${items.map((i) => `  ${JSON.stringify(i)}\n`).join('')}`);
            process.stdout.write(`requests (${requests.length}):\n${requests.map((r) => `  ${describe(r)}\n`).join('')}`);
            for (const r of requests) {
              const key = `${r.method} ${r.url}`;
              if (seen.has(key)) continue;
              seen.add(key);
              next.push(r);
            }
          }
          level = next;
        }
        process.stdout.write(`\n${totals.items} items, ${totals.requests} requests\n`);
      } finally {
        await fetcher.close();
      }
    });
}
