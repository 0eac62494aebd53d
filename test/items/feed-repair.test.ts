/** Appending to a feed a killed crawl left cut: the cut part is removed, the file stays valid. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Stats } from '../../src/stats.js';
import { openFeedWriter } from '../../src/items/feeds/feed-writer.js';
import { silentLogger } from '../../src/log.js';
import type { FeedFormat } from '../../src/settings/defaults.js';
import { tempDir } from '../helpers/temp-dir.js';

async function append(path: string, format: FeedFormat, items: Record<string, unknown>[]): Promise<Stats> {
  const stats = new Stats();
  const writer = await openFeedWriter({ path, format, logger: silentLogger, stats });
  for (const item of items) await writer.write(item);
  await writer.close();
  return stats;
}

test('json: an array cut mid-element is cut to its last whole element and continued', async (t) => {
  const path = join(tempDir(t, 'repair'), 'items.json');
  await writeFile(path, '[\n{"a":1},\n{"b":[1,2]},\n{"c":"cut her');
  const stats = await append(path, 'json', [{ d: 4 }]);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), [{ a: 1 }, { b: [1, 2] }, { d: 4 }]);
  assert.equal(stats.count('feed/repaired'), 1);
});

test('json: cut just after a bracket inside an element, or before any element', async (t) => {
  const dir = tempDir(t, 'repair');
  const inside = join(dir, 'inside.json');
  await writeFile(inside, '[\n{"a":1},\n{"tags":["x"]');
  await append(inside, 'json', [{ z: 0 }]);
  assert.deepEqual(JSON.parse(await readFile(inside, 'utf8')), [{ a: 1 }, { z: 0 }]);
  const empty = join(dir, 'empty.json');
  await writeFile(empty, '[\n{"a":');
  await append(empty, 'json', [{ z: 0 }]);
  assert.deepEqual(JSON.parse(await readFile(empty, 'utf8')), [{ z: 0 }]);
});

test('csv: a row cut mid-field, even inside a quoted line break, is removed', async (t) => {
  const dir = tempDir(t, 'repair');
  const path = join(dir, 'items.csv');
  await writeFile(path, 'a,b\r\n1,"two\r\nlines"\r\n3,"cut\r\nins');
  const stats = await append(path, 'csv', [{ a: 5, b: 6 }]);
  assert.equal(await readFile(path, 'utf8'), 'a,b\r\n1,"two\r\nlines"\r\n5,6\r\n');
  assert.equal(stats.count('feed/repaired'), 1);
  // A whole last row that only lacks its line end is kept.
  const whole = join(dir, 'whole.csv');
  await writeFile(whole, 'a,b\r\n1,2');
  await append(whole, 'csv', [{ a: 3, b: 4 }]);
  assert.equal(await readFile(whole, 'utf8'), 'a,b\r\n1,2\r\n3,4\r\n');
});
