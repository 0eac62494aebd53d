/** Every path a crawl writes is checked before it starts (ERR_OUTPUT_PATH); the CLI cases are in mistakes-config.test.ts. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkCrawlOutputPaths, checkOutputPath } from '../../src/cli/output-paths.js';
import { mergeSettings } from '../../src/settings/config.js';
import { tempDir } from '../helpers/temp-dir.js';

test('files at folders, folders at files, and paths under a file are refused; good paths pass', (t) => {
  const dir = tempDir(t, 'paths');
  mkdirSync(join(dir, 'adir'));
  writeFileSync(join(dir, 'afile'), '');
  const refused = (settings: Parameters<typeof mergeSettings>[0], statsJson?: string): string => {
    try {
      checkCrawlOutputPaths(mergeSettings(settings), statsJson, dir);
    } catch (error) {
      assert.equal((error as { code?: string }).code, 'ERR_OUTPUT_PATH');
      return (error as Error).message;
    }
    return assert.fail('not refused');
  };
  assert.match(refused({ 'log.file': 'afile/log.txt' }), /--log-file \(log\.file\) afile\/log\.txt cannot be created: .*afile is a file/);
  assert.match(refused({}, 'adir'), /--stats-json adir is a folder/);
  assert.match(refused({ 'trace.file': 'adir' }), /--trace \(trace\.file\) adir is a folder/);
  assert.match(refused({ 'httpCache.enabled': true, 'httpCache.dir': 'afile' }), /httpCache\.dir afile is a file/);
  assert.match(refused({ 'job.dir': 'afile' }), /--job-dir \(job\.dir\) afile is a file/);
  assert.match(refused({ feeds: { 'afile/items.csv': {} } }), /feed afile\/items\.csv cannot be created/);
  assert.match(refused({ feeds: { 'afile/{name}.jsonl': {} } }), /feed folder afile is a file/);
  // Missing paths under folders, stdout, Redis streams and a disabled HTTP cache are fine.
  checkCrawlOutputPaths(mergeSettings({ 'log.file': 'new/deeper/log.txt', 'httpCache.dir': 'afile', feeds: { '-': {}, 'a:items': { format: 'redis-stream' }, 'out/{name}.jsonl': {} } }), 'stats.json', dir);
  assert.throws(() => checkOutputPath({ path: 'adir', source: '-o/-O', kind: 'file' }, dir), { code: 'ERR_OUTPUT_PATH' });
});
