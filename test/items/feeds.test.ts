import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Stats } from '../../src/stats.js';
import { createLogger, silentLogger } from '../../src/log.js';
import type { FeedWriterOptions } from '../../src/items/feeds/feed.js';
import { openFeedWriter } from '../../src/items/feeds/feed-writer.js';
import type { Item } from '../../src/spider/item.js';
import type { FeedFormat } from '../../src/settings/defaults.js';
import { tempDir } from '../helpers/temp-dir.js';
import { codeOf } from '../helpers/assert-code.js';
import { readJsonl } from '../helpers/files.js';

/** A full RFC 4180 reader: only tests need one (the feed writes CSV, it never reads rows). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' || ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  assert.equal(quoted, false, 'unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

async function writeFeed(options: Partial<FeedWriterOptions> & { path: string; format: FeedFormat }, items: Item[]): Promise<void> {
  const writer = await openFeedWriter({ logger: silentLogger, stats: new Stats(), ...options });
  for (const item of items) await writer.write(item);
  await writer.close();
}

const TRICKY: Item[] = [
  { title: 'plain', price: 12.5, tags: ['a', 'b'], meta: { nested: { deep: true } }, stock: null },
  { title: 'comma, "quotes" and\nnewline\r\nCRLF', price: 0, tags: [], meta: {}, stock: 3 },
  { title: 'unicode: żółw 🐢 日本語', price: -1, tags: ['é'], meta: { 'k,ey': 'v"al' }, stock: true },
];

test('jsonl: round trip, append and overwrite', async (t) => {
  const path = join(tempDir(t, 'feeds'), 'deep', 'er', 'items.jsonl');
  await writeFeed({ path, format: 'jsonl' }, TRICKY);
  assert.deepEqual(readJsonl(path), TRICKY);
  await writeFeed({ path, format: 'jsonl' }, [{ n: 4 }]);
  assert.deepEqual(readJsonl(path), [...TRICKY, { n: 4 }]);
  await writeFeed({ path, format: 'jsonl', overwrite: true }, [{ n: 5 }]);
  assert.deepEqual(readJsonl(path), [{ n: 5 }]);
});

test('jsonl: append after a line cut short (a killed crawl) removes the cut line', async (t) => {
  const path = join(tempDir(t, 'feeds'), 'items.jsonl');
  await writeFile(path, '{"a":1}\n{"b":');
  await writeFeed({ path, format: 'jsonl' }, [{ c: 3 }]);
  assert.equal(await readFile(path, 'utf8'), '{"a":1}\n{"c":3}\n');
});

test('jsonl: append after a whole last line without its newline keeps it and starts a new line', async (t) => {
  const path = join(tempDir(t, 'feeds'), 'items.jsonl');
  await writeFile(path, '{"a":1}\n{"b":2}');
  await writeFeed({ path, format: 'jsonl' }, [{ c: 3 }]);
  assert.equal(await readFile(path, 'utf8'), '{"a":1}\n{"b":2}\n{"c":3}\n');
});

test('jsonl: fields select and order the keys', async (t) => {
  const path = join(tempDir(t, 'feeds'), 'items.jsonl');
  await writeFeed({ path, format: 'jsonl', fields: ['b', 'a'] }, [{ a: 1, b: 2, c: 3 }]);
  assert.equal(await readFile(path, 'utf8'), '{"b":2,"a":1}\n');
});

test('json: round trip, exact layout', async (t) => {
  const path = join(tempDir(t, 'feeds'), 'items.json');
  await writeFeed({ path, format: 'json' }, TRICKY);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), TRICKY);
  await writeFeed({ path, format: 'json', overwrite: true }, [{ a: 1 }, { b: 2 }]);
  assert.equal(await readFile(path, 'utf8'), '[\n{"a":1},\n{"b":2}\n]\n');
});

test('json: zero items is an empty array', async (t) => {
  const path = join(tempDir(t, 'feeds'), 'items.json');
  await writeFeed({ path, format: 'json', overwrite: true }, []);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), []);
});

test('json: append continues the existing array and stays valid', async (t) => {
  const path = join(tempDir(t, 'feeds'), 'items.json');
  await writeFeed({ path, format: 'json' }, [{ n: 1 }, { n: 2 }]);
  await writeFeed({ path, format: 'json' }, [{ n: 3 }]);
  await writeFeed({ path, format: 'json' }, []);
  await writeFeed({ path, format: 'json' }, [{ n: 4 }]);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
});

test('json: append to hand-written arrays, empty ones and empty files', async (t) => {
  const dir = tempDir(t, 'feeds');
  const cases: [string, unknown[]][] = [
    ['[ {"x": [1, "]"]} ]  \n\n', [{ x: [1, ']'] }, { n: 1 }]],
    ['[]', [{ n: 1 }]],
    ['[\n\n]\n', [{ n: 1 }]],
    ['', [{ n: 1 }]],
    ['  \n', [{ n: 1 }]],
  ];
  for (const [index, [existing, expected]] of cases.entries()) {
    const path = join(dir, `case-${index}.json`);
    await writeFile(path, existing);
    await writeFeed({ path, format: 'json' }, [{ n: 1 }]);
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), expected, JSON.stringify(existing));
  }
});

test('json: append to something that is not one JSON array is ERR_FEED_APPEND_JSON and leaves it alone', async (t) => {
  const dir = tempDir(t, 'feeds');
  for (const [index, existing] of ['{"a":1}', '[{"a":1}][{"b":2}]', '[{"a":1},', 'hello'].entries()) {
    const path = join(dir, `bad-${index}.json`);
    await writeFile(path, existing);
    assert.equal(await codeOf(writeFeed({ path, format: 'json' }, [{ n: 1 }])), 'ERR_FEED_APPEND_JSON');
    assert.equal(await readFile(path, 'utf8'), existing);
  }
  // -O replaces it instead.
  const path = join(dir, 'bad-0.json');
  await writeFeed({ path, format: 'json', overwrite: true }, [{ n: 1 }]);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), [{ n: 1 }]);
});

test('csv: round trip of awkward values, nested values as JSON', async (t) => {
  const path = join(tempDir(t, 'feeds'), 'items.csv');
  await writeFeed({ path, format: 'csv' }, TRICKY);
  const text = await readFile(path, 'utf8');
  assert.ok(text.endsWith('\r\n'));
  const [header, ...rows] = parseCsv(text);
  assert.deepEqual(header, ['title', 'price', 'tags', 'meta', 'stock']);
  assert.equal(rows.length, TRICKY.length);
  rows.forEach((row, i) => {
    const item = TRICKY[i] as Item;
    assert.equal(row[0], item.title);
    assert.equal(Number(row[1]), item.price);
    assert.deepEqual(JSON.parse(row[2] as string), item.tags);
    assert.deepEqual(JSON.parse(row[3] as string), item.meta);
    assert.equal(row[4], item.stock === null ? '' : String(item.stock));
  });
});

test('csv: extra keys are ignored and counted once per key, missing keys are empty', async (t) => {
  const path = join(tempDir(t, 'feeds'), 'items.csv');
  const stats = new Stats();
  const warnings: string[] = [];
  const logger = createLogger('t', 'debug', (level, _name, message) => {
    if (level === 'warn') warnings.push(message);
  });
  await writeFeed({ path, format: 'csv', stats, logger }, [{ a: 1, b: 2 }, { a: 3, c: 4, d: 5 }, { b: 6, c: 7 }, { e: 8 }]);
  assert.deepEqual(parseCsv(await readFile(path, 'utf8')), [['a', 'b'], ['1', '2'], ['3', ''], ['', '6'], ['', '']]);
  assert.equal(stats.count('feed/csv/ignored_fields'), 3);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] as string, /c, d/);
});

test('csv: fields choose the columns; the header is written even with no items', async (t) => {
  const dir = tempDir(t, 'feeds');
  const path = join(dir, 'items.csv');
  await writeFeed({ path, format: 'csv', fields: ['b', 'a'] }, [{ a: 1, b: 2 }]);
  assert.equal(await readFile(path, 'utf8'), 'b,a\r\n2,1\r\n');
  const empty = join(dir, 'empty.csv');
  await writeFeed({ path: empty, format: 'csv', fields: ['x'] }, []);
  assert.equal(await readFile(empty, 'utf8'), 'x\r\n');
});

test('csv: append writes no second header and uses the existing columns', async (t) => {
  const path = join(tempDir(t, 'feeds'), 'items.csv');
  await writeFeed({ path, format: 'csv' }, [{ 'a,1': 'x', b: 'y' }]);
  await writeFeed({ path, format: 'csv' }, [{ b: 'y2', 'a,1': 'x2', z: 'ignored' }]);
  assert.deepEqual(parseCsv(await readFile(path, 'utf8')), [['a,1', 'b'], ['x', 'y'], ['x2', 'y2']]);
  await writeFeed({ path, format: 'csv', overwrite: true }, [{ q: 1 }]);
  assert.deepEqual(parseCsv(await readFile(path, 'utf8')), [['q'], ['1']]);
});

test('csv: append to a file without a final newline, and to a file with no header', async (t) => {
  const dir = tempDir(t, 'feeds');
  const path = join(dir, 'items.csv');
  await writeFile(path, '\ufeffa,b\n1,2');
  await writeFeed({ path, format: 'csv' }, [{ a: 3, b: 4 }]);
  assert.equal(await readFile(path, 'utf8'), '\ufeffa,b\n1,2\r\n3,4\r\n');
  const broken = join(dir, 'broken.csv');
  await writeFile(broken, '"never closed');
  assert.equal(await codeOf(writeFeed({ path: broken, format: 'csv' }, [{ a: 1 }])), 'ERR_FEED_APPEND_CSV');
  assert.equal(await readFile(broken, 'utf8'), '"never closed');
});

test('stdout feed writes to the given stream and leaves it open', async () => {
  const chunks: string[] = [];
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  await writeFeed({ path: '-', format: 'json', stdout }, [{ a: 1 }]);
  assert.deepEqual(JSON.parse(chunks.join('')), [{ a: 1 }]);
  assert.equal(stdout.writable, true);
  chunks.length = 0;
  await writeFeed({ path: '-', format: 'csv', stdout }, [{ a: 1 }]);
  assert.equal(chunks.join(''), 'a\r\n1\r\n');
});

test('writes wait for drain: a slow stream gets whole lines in order', async () => {
  const chunks: string[] = [];
  const callbacks: (() => void)[] = [];
  const stdout = new Writable({
    highWaterMark: 8,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      callbacks.push(done);
    },
  });
  const writer = await openFeedWriter({ path: '-', format: 'jsonl', stdout, logger: silentLogger, stats: new Stats() });
  let resolved = false;
  const first = Promise.resolve(writer.write({ long: 'x'.repeat(20) })).then(() => {
    resolved = true;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(resolved, false, 'write resolved before the stream drained');
  (callbacks.shift() as () => void)();
  await first;
  assert.equal(resolved, true);
  const second = writer.write({ n: 2 });
  (callbacks.shift() as () => void)();
  await second;
  assert.deepEqual(chunks, [`{"long":"${'x'.repeat(20)}"}\n`, '{"n":2}\n']);
  await writer.close();
});

test('a feed that cannot be opened is ERR_FEED_OPEN naming the path and the OS error', async (t) => {
  const dir = tempDir(t, 'feeds');
  const file = join(dir, 'file');
  await writeFile(file, 'x');
  // A directory where the file should go, and a file where a directory should go.
  for (const path of [dir, join(file, 'items.jsonl')]) {
    try {
      await writeFeed({ path, format: 'jsonl' }, []);
      assert.fail('expected an error');
    } catch (error) {
      const { code, message } = error as { code: string; message: string };
      assert.equal(code, 'ERR_FEED_OPEN');
      assert.ok(message.includes(path), message);
      assert.match(message, /EISDIR|ENOTDIR|EEXIST/);
    }
  }
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked');
    await chmod(dir, 0o500);
    try {
      assert.equal(await codeOf(writeFeed({ path: join(locked, 'x.csv'), format: 'csv' }, [])), 'ERR_FEED_OPEN');
    } finally {
      await chmod(dir, 0o700);
    }
  }
});
