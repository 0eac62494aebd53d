/**
 * The opt-in exit status of `run` and `runspider` for CI and data pipelines: a crawl that
 * finished is exit 0 unless asked otherwise; `--fail-on-errors` makes failed requests, responses
 * dropped for their HTTP status, callback exceptions and item or feed errors exit 1, `--min-items N` makes fewer than N items exit 1.
 * Items already written stay written either way.
 */
import { ArachneError } from '../errors.js';

/** The stats counters that mean something went wrong in a crawl that still finished. */
export const ERROR_STATS = ['request/failed', 'spider/exceptions', 'item/errors', 'feed/errors'] as const;

/** Responses dropped for their HTTP status (a 500, a 404) count as errors too: one counter per status. */
const HTTP_ERROR_PREFIX = 'httpErrors/ignored/status/';

export interface ExitCheckOptions {
  failOnErrors?: boolean;
  /** The minimum number of items; a string from the command line. */
  minItems?: string | number;
}

/** Parses `--min-items`; a value that is not a whole number >= 0 is a usage error. */
export function parseMinItems(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new ArachneError('ERR_CLI_ARGUMENT', 'config', `--min-items ${JSON.stringify(String(value))} is not a whole number`, { hint: 'write --min-items 100' });
  }
  return n;
}

/** The error to exit with, or undefined when the crawl met what was asked. */
export function checkCrawlOutcome(stats: Readonly<Record<string, unknown>>, options: ExitCheckOptions): ArachneError | undefined {
  const count = (key: string): number => (typeof stats[key] === 'number' ? (stats[key] as number) : 0);
  const problems: string[] = [];
  if (options.failOnErrors) {
    const keys = [...ERROR_STATS, ...Object.keys(stats).filter((key) => key.startsWith(HTTP_ERROR_PREFIX))];
    const errors = keys.filter((key) => count(key) > 0).map((key) => `${key} ${count(key)}`);
    if (errors.length > 0) problems.push(`it had errors (${errors.join(', ')})`);
  }
  const minItems = parseMinItems(options.minItems);
  if (minItems !== undefined && count('item/scraped') < minItems) problems.push(`it scraped ${count('item/scraped')} items, fewer than --min-items ${minItems}`);
  if (problems.length === 0) return undefined;
  return new ArachneError('ERR_CRAWL_CHECK_FAILED', 'close', `the crawl finished, but ${problems.join(' and ')}`, {
    hint: 'the stats above count each problem; items already scraped were written',
  });
}
