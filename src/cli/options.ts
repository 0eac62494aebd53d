/** Parsing of the options `run` and `runspider` share: -a, -s, -o, -O. */
import type { Command} from 'commander';
import { Option } from 'commander';
import { ConfigError } from '../errors.js';
import { parseFeedArg, STDOUT_PATH } from '../items/feeds/feed-uri.js';
import { checkOutputPath } from './output-paths.js';
import { parseSettingArgs } from '../settings/config.js';
import type { FeedConfig, SettingValues } from '../settings/defaults.js';

/** Collects a repeatable option into an array. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export interface CrawlOptionValues {
  arg?: string[];
  set?: string[];
  output?: string[];
  overwriteOutput?: string[];
  loglevel?: string;
  statsJson?: string;
  json?: boolean;
  logFile?: string;
  trace?: string;
  report?: string;
  jobDir?: string;
  redis?: string;
  crawlId?: string;
  force?: boolean;
  failOnErrors?: boolean;
  minItems?: string;
}

export function addCrawlOptions(command: Command): Command {
  return command
    .option('-a, --arg <key=value>', 'spider argument, available as this.args.key (repeatable)', collect)
    .option('-s, --set <key=value>', 'setting, overriding crawl.config.ts and customSettings (repeatable)', collect)
    .option('-o, --output <file[:format]>', 'append items to a feed file; format jsonl, json or csv (from the extension by default), or redis-stream (the path names a stream on the cluster.redis server); {name}, {time} and {process} (the process id, one file per cluster process) are replaced; - is stdout (repeatable)', collect)
    .option('-O, --overwrite-output <file[:format]>', 'like -o, but replace the file (repeatable)', collect)
    .addOption(new Option('-L, --loglevel <level>', 'log level (same as -s log.level=...)').choices(['debug', 'info', 'warn', 'error', 'silent']))
    .option('--stats-json <file>', 'also write the final stats as JSON to this file')
    .option('--json', 'log lines as JSON, one object per line (same as -s log.json=true)')
    .option('--log-file <file>', 'also append log lines to this file (same as -s log.file=...)')
    .option('--trace <file>', 'write one JSON line per download attempt to this file (same as -s trace.file=...)')
    .option('--report <file>', 'at close, write an HTML report of the crawl to this file (same as -s report.file=...)')
    .option('--job-dir <dir>', 'keep the crawl state in this folder: stop with Ctrl-C (or a crash) and run the same command again to resume (same as -s job.dir=...)')
    .option('--redis <url>', 'share the crawl with other crawl processes through Redis at this URL, e.g. redis://127.0.0.1:6379/0 (same as -s cluster.redis=...)')
    .option('--crawl-id <id>', 'with --redis: the shared crawl to join (default: the spider name; same as -s cluster.crawlId=...)')
    .option('--force', 'with --redis: join a crawl id that holds another spider\'s crawl anyway')
    .option('--fail-on-errors', 'exit with status 1 when the crawl finished with failed requests, HTTP error responses, callback exceptions or item/feed errors (for CI and pipelines)')
    .option('--min-items <n>', 'exit with status 1 when the crawl scraped fewer than n items');
}

/** `-a key=value` pairs as an object; a pair without `=` is a coded error. */
export function parseSpiderArgs(pairs: readonly string[] = []): Record<string, string> {
  const args: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError('ERR_CLI_ARGUMENT', `-a ${JSON.stringify(pair)} is not of the form key=value`, {
        hint: 'write -a category=books',
      });
    }
    args[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return args;
}

export interface ParsedCrawlOptions {
  args: Record<string, string>;
  cliSettings: Partial<SettingValues>;
  feeds: Record<string, FeedConfig>;
}

export function parseCrawlOptions(values: CrawlOptionValues): ParsedCrawlOptions {
  const cliSettings = parseSettingArgs(values.set ?? []);
  if (values.loglevel) Object.assign(cliSettings, parseSettingArgs([`log.level=${values.loglevel}`]));
  if (values.json) cliSettings['log.json'] = true;
  if (values.logFile) cliSettings['log.file'] = values.logFile;
  if (values.trace) cliSettings['trace.file'] = values.trace;
  if (values.report) cliSettings['report.file'] = values.report;
  if (values.jobDir) cliSettings['job.dir'] = values.jobDir;
  if (values.redis) cliSettings['cluster.redis'] = values.redis;
  if (values.crawlId) cliSettings['cluster.crawlId'] = values.crawlId;
  if (values.force) cliSettings['cluster.force'] = true;
  const feeds: Record<string, FeedConfig> = {};
  // `-O adir` is a folder before it is a missing extension.
  for (const arg of [...(values.output ?? []), ...(values.overwriteOutput ?? [])]) {
    if (arg !== '' && arg !== STDOUT_PATH && !arg.includes('{')) checkOutputPath({ path: arg, source: '-o/-O', kind: 'file' });
  }
  for (const arg of values.output ?? []) {
    const [path, feed] = parseFeedArg(arg, false);
    feeds[path] = feed;
  }
  for (const arg of values.overwriteOutput ?? []) {
    const [path, feed] = parseFeedArg(arg, true);
    feeds[path] = feed;
  }
  return { args: parseSpiderArgs(values.arg), cliSettings, feeds };
}

/** `-L, --loglevel` for the commands outside `run`/`runspider` (Scrapy has it on every command). */
export function logLevelOption(): Option {
  return new Option('-L, --loglevel <level>', 'log level (same as -s log.level=...)').choices(['debug', 'info', 'warn', 'error', 'silent']);
}

/** The `-s` list with `-L` folded in as `log.level=...` (after the others, like Scrapy's precedence). */
export function withLogLevel(set: readonly string[] | undefined, loglevel: string | undefined): string[] {
  return loglevel ? [...(set ?? []), `log.level=${loglevel}`] : [...(set ?? [])];
}
