import { Command } from 'commander';
import { findSpider, loadSpiders, type SpiderEntry } from '../../spider/spider-loader.js';
import { CallbackError } from '../../errors.js';
import { Request } from '../../http/request.js';
import { createLogger } from '../../log.js';
import type { Contracts } from '../../spider/contracts.js';
import { requireCallback, runCallback } from '../callbacks.js';
import { commandSettings } from '../cli-settings.js';
import { contractCases, contractFailures } from '../contract-check.js';
import { Fetcher } from '../fetcher.js';
import { collect, logLevelOption, parseSpiderArgs, withLogLevel } from '../options.js';
import { requireProject } from '../project.js';

function messageOf(error: unknown): string {
  if (error instanceof Error) return 'code' in error && typeof error.code === 'string' ? `${error.code}: ${error.message}` : error.message;
  return String(error);
}

/** Runs one spider's contracts; returns [passed, failed]. */
async function checkSpider(entry: SpiderEntry, options: { arg?: string[]; set?: string[] }): Promise<[number, number]> {
  const cases = contractCases((entry.spiderClass as unknown as { contracts?: Contracts }).contracts);
  if (cases.length === 0) return [0, 0];
  const { settings } = await commandSettings(process.cwd(), options.set, entry.spiderClass);
  const logger = createLogger(entry.name, settings['log.level'] === 'silent' ? 'silent' : 'error');
  const spider = new entry.spiderClass({ args: parseSpiderArgs(options.arg), logger });
  const fetcher = new Fetcher({ settings, logger });
  let passed = 0;
  let failed = 0;
  try {
    for (const { callback, contract } of cases) {
      const label = `${entry.name}.${callback} ${contract.url}`;
      let failures: string[];
      try {
        requireCallback(spider, callback);
        const response = await fetcher.fetch(new Request({ url: contract.url, callback, cbKwargs: contract.cbKwargs ?? {} }));
        failures = response.status >= 200 && response.status < 300 ? contractFailures(contract, await runCallback(spider, response)) : [`HTTP ${response.status}`];
      } catch (error) {
        failures = [messageOf(error)];
      }
      if (failures.length === 0) passed++;
      else failed++;
      process.stdout.write(failures.length === 0 ? `OK   ${label}\n` : `FAIL ${label}: ${failures.join('; ')}\n`);
    }
  } finally {
    await fetcher.close();
  }
  return [passed, failed];
}

export function checkCommand(): Command {
  return new Command('check')
    .description("run spider contracts (`static contracts`): fetch each URL, run the callback, check what it yields")
    .argument('[spider]', 'only this spider (default: every spider of the project)')
    .option('-a, --arg <key=value>', 'spider argument (repeatable)', collect)
    .option('-s, --set <key=value>', 'setting override (repeatable)', collect)
    .option('-l, --list', 'list the contracts (spider.callback url) without running them')
    .addOption(logLevelOption())
    .action(async (name: string | undefined, options: { arg?: string[]; set?: string[]; list?: boolean; loglevel?: string }) => {
      options.set = withLogLevel(options.set, options.loglevel);
      const project = await requireProject(process.cwd());
      const entries = name ? [await findSpider(project.spidersDir, name)] : [...(await loadSpiders(project.spidersDir)).values()];
      if (options.list) {
        for (const entry of entries) {
          for (const { callback, contract } of contractCases((entry.spiderClass as unknown as { contracts?: Contracts }).contracts)) {
            process.stdout.write(`${entry.name}.${callback} ${contract.url}\n`);
          }
        }
        return;
      }
      let passed = 0;
      let failed = 0;
      for (const entry of entries) {
        const [p, f] = await checkSpider(entry, options);
        passed += p;
        failed += f;
      }
      if (passed + failed === 0) {
        process.stdout.write(`no contracts in ${name ? `spider "${name}"` : 'this project'} (declare \`static contracts\` on a spider)\n`);
        return;
      }
      if (failed > 0) {
        throw new CallbackError('ERR_CONTRACT_FAILED', `${failed} of ${passed + failed} contracts failed`, {
          hint: 'each FAIL line above says what the callback yielded; fix the spider or its contract',
        });
      }
      process.stdout.write(`${passed} contracts OK\n`);
    });
}
