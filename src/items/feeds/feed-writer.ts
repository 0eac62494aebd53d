/**
 * Feed writers: one per format (jsonl, json, csv), each writing whole lines to a sink with
 * backpressure, and `openFeedWriter`, which picks the writer for a format and opens its file.
 * `redis-stream` writes to a Redis stream instead of a file (see redis-stream.ts).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ArachneError, ConfigError } from '../../errors.js';
import type { FeedFormat } from '../../settings/defaults.js';
import { openCsvFeed } from './csv.js';
import type { FeedOpener, FeedWriter, FeedWriterOptions } from './feed.js';
import { STDOUT_PATH } from './feed-uri.js';
import { openJsonFeed } from './json.js';
import { openJsonlFeed } from './jsonl.js';

const OPENERS: Readonly<Record<FeedFormat, FeedOpener>> = {
  jsonl: openJsonlFeed,
  json: openJsonFeed,
  csv: openCsvFeed,
  // Imported with the first Redis feed: a file feed loads no Redis code.
  'redis-stream': async (options) => (await import('./redis-stream.js')).openRedisStreamFeed(options),
};

/**
 * Open the writer for `options.format`, creating the file's directory first (a `redis-stream`
 * feed connects to `options.redisUrl` instead).
 *
 * @throws ConfigError `ERR_FEED_OPEN` (naming the path and the OS error) when the file cannot be
 *   created or read; format errors such as `ERR_FEED_APPEND_JSON` pass through unchanged.
 */
export async function openFeedWriter(options: FeedWriterOptions): Promise<FeedWriter> {
  try {
    if (options.path !== STDOUT_PATH && options.format !== 'redis-stream') await mkdir(dirname(options.path), { recursive: true });
    return await OPENERS[options.format](options);
  } catch (error) {
    if (error instanceof ArachneError) throw error;
    const code = (error as { code?: unknown }).code;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError('ERR_FEED_OPEN', `cannot open feed "${options.path}": ${reason}`, {
      hint:
        code === 'EACCES' || code === 'EPERM'
          ? 'check the permissions of the file and its directory'
          : 'check that the path names a file in a writable directory',
      cause: error,
    });
  }
}
