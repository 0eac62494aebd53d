import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Stats } from '../../src/stats.js';
import { ArachneError, DropItem } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { ItemProcessor, type ItemProcessorOptions } from '../../src/items/item-processor.js';
import type { Item } from '../../src/spider/item.js';
import type { ItemPipeline, PipelineContext } from '../../src/items/pipeline.js';
import { tempDir } from '../helpers/temp-dir.js';
import { codeOf } from '../helpers/assert-code.js';
import { recordingLogger } from '../helpers/log.js';
import { readJsonl } from '../helpers/files.js';

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Let queued promise callbacks and I/O callbacks run (not a timer: nothing waits on the clock). */
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function processor(options: Partial<ItemProcessorOptions>): ItemProcessor {
  return new ItemProcessor({
    pipelines: [],
    feeds: {},
    concurrency: 10,
    spiderName: 'books',
    startTime: new Date('2026-11-24T08:00:00Z'),
    stats: new Stats(),
    logger: silentLogger,
    settings: {},
    ...options,
  });
}

test('pipelines transform in order; items reach every feed; stats count them', async (t) => {
  const dir = tempDir(t, 'items');
  class AddPrice implements ItemPipeline {
    process(item: Item): Item {
      return { ...item, price: 10 };
    }
  }
  class Double implements ItemPipeline {
    async process(item: Item): Promise<Item> {
      return { ...item, price: (item.price as number) * 2 };
    }
  }
  const stats = new Stats();
  const scraped: Item[] = [];
  const items = processor({
    pipelines: [new AddPrice(), new Double()],
    feeds: { [join(dir, 'a.jsonl')]: {}, [join(dir, 'b.json')]: {}, [join(dir, 'c.csv')]: { fields: ['price', 'title'] } },
    stats,
    onItemScraped: (item) => scraped.push(item),
  });
  await items.open();
  await Promise.all([items.process({ title: 'a' }), items.process({ title: 'b' })]);
  await items.close();
  const expected = [
    { title: 'a', price: 20 },
    { title: 'b', price: 20 },
  ];
  assert.deepEqual(readJsonl(join(dir, 'a.jsonl')), expected);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'b.json'), 'utf8')), expected);
  assert.equal(await readFile(join(dir, 'c.csv'), 'utf8'), 'price,title\r\n20,a\r\n20,b\r\n');
  assert.deepEqual(scraped, expected);
  assert.equal(stats.count('item/scraped'), 2);
  assert.equal(stats.count('feed/items/a.jsonl'), 2);
});

test('an item is dropped by returning null/undefined or throwing DropItem; later pipelines do not see it', async (t) => {
  const dir = tempDir(t, 'items');
  const seenLater: unknown[] = [];
  class Filter implements ItemPipeline {
    process(item: Item): Item | null | undefined {
      if (item.kind === 'null') return null;
      if (item.kind === 'undefined') return undefined;
      if (item.kind === 'drop') throw new DropItem('missing price in a very long explanation of why');
      return item;
    }
  }
  const later: ItemPipeline = {
    process(item) {
      seenLater.push(item.kind);
      return item;
    },
  };
  const stats = new Stats();
  const dropped: [unknown, string][] = [];
  const path = join(dir, 'items.jsonl');
  const items = processor({
    pipelines: [new Filter(), later],
    feeds: { [path]: {} },
    stats,
    onItemDropped: (item, reason) => dropped.push([item.kind, reason]),
  });
  await items.open();
  for (const kind of ['null', 'ok', 'undefined', 'drop']) await items.process({ kind });
  await items.close();
  assert.deepEqual(seenLater, ['ok']);
  assert.deepEqual(readJsonl(path), [{ kind: 'ok' }]);
  assert.equal(stats.count('item/dropped'), 3);
  assert.equal(stats.count('item/scraped'), 1);
  assert.equal(stats.count('item/dropped/reason/Filter returned null'), 1);
  assert.equal(stats.count('item/dropped/reason/Filter returned undefined'), 1);
  assert.equal(stats.count('item/dropped/reason/missing price in a very long explanation'), 1);
  assert.deepEqual(
    dropped.map(([kind]) => kind),
    ['null', 'undefined', 'drop'],
  );
  assert.equal(dropped[2]?.[1], 'missing price in a very long explanation of why');
});

test('a throwing pipeline is counted and logged by class name; the other items go on', async (t) => {
  const dir = tempDir(t, 'items');
  class Exploding implements ItemPipeline {
    process(item: Item): Item {
      if (item.n === 2) throw Object.assign(new Error('boom'), { code: 'ERR_BOOM' });
      if (item.n === 3) throw new Error('no code');
      return item;
    }
  }
  class WrongResult implements ItemPipeline {
    process(item: Item): Item {
      return (item.n === 4 ? ['not', 'an', 'item'] : item) as Item;
    }
  }
  const stats = new Stats();
  const { logger, lines } = recordingLogger();
  const errors: [unknown, Item | undefined][] = [];
  const path = join(dir, 'items.jsonl');
  const items = processor({
    pipelines: [new Exploding(), new WrongResult()],
    feeds: { [path]: {} },
    stats,
    logger,
    onError: (error, item) => errors.push([error, item]),
  });
  await items.open();
  await Promise.all([1, 2, 3, 4, 5].map((n) => items.process({ n })));
  await items.close();
  assert.deepEqual(readJsonl(path), [{ n: 1 }, { n: 5 }]);
  assert.equal(stats.count('item/errors'), 3);
  assert.equal(stats.count('item/errors/ERR_BOOM'), 1);
  assert.equal(stats.count('item/errors/ERR_UNKNOWN'), 1);
  assert.equal(stats.count('item/errors/ERR_PIPELINE_RESULT'), 1);
  assert.equal(stats.count('item/dropped'), 0);
  assert.ok(lines.some((line) => line.startsWith('error: pipeline Exploding failed') && line.includes('boom')));
  assert.ok(lines.some((line) => line.includes('pipeline WrongResult returned an array of')));
  assert.deepEqual(
    errors.map(([, item]) => item?.n),
    [2, 3, 4],
  );
});

test('open and close run in pipeline order; feeds open after pipelines; a failing close stops nothing', async (t) => {
  const dir = tempDir(t, 'items');
  const path = join(dir, 'out', 'items.json');
  const events: string[] = [];
  const make = (name: string, failClose = false): ItemPipeline => ({
    async open(ctx: PipelineContext) {
      assert.equal(ctx.spiderName, 'books');
      assert.equal(ctx.settings['items.concurrency'], 7);
      events.push(`open ${name}`);
      await assert.rejects(access(path), 'feeds must open after pipelines');
    },
    process(item) {
      events.push(`process ${name}`);
      return item;
    },
    async close() {
      events.push(`close ${name}`);
      if (failClose) throw new ArachneError('ERR_DB_GONE', 'item', 'database went away');
    },
  });
  const stats = new Stats();
  const errors: unknown[] = [];
  const items = processor({
    pipelines: [make('a', true), make('b')],
    feeds: { [path]: {} },
    stats,
    settings: { 'items.concurrency': 7 },
    onError: (error) => errors.push(error),
  });
  await items.open();
  await access(path);
  await items.process({ x: 1 });
  await items.close();
  assert.deepEqual(events, ['open a', 'open b', 'process a', 'process b', 'close a', 'close b']);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), [{ x: 1 }]);
  assert.equal(stats.count('item/errors/ERR_DB_GONE'), 1);
  assert.equal(errors.length, 1);
  await items.close();
  assert.equal(events.length, 6, 'close twice is harmless');
});

test('items.concurrency bounds the items inside the pipelines; pending counts running and queued', async () => {
  let active = 0;
  let maxActive = 0;
  const gates: Deferred[] = [];
  const gated: ItemPipeline = {
    async process(item) {
      active++;
      maxActive = Math.max(maxActive, active);
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      active--;
      return item;
    },
  };
  const items = processor({ pipelines: [gated], concurrency: 2 });
  await items.open();
  const done = Array.from({ length: 5 }, (_, n) => items.process({ n }));
  await tick();
  assert.equal(active, 2);
  assert.equal(items.pending, 5);
  for (let released = 0; released < 5; released++) {
    assert.ok(gates.length > 0);
    (gates.shift() as Deferred).resolve();
    await tick();
    assert.ok(active <= 2);
    assert.equal(items.pending, 4 - released);
  }
  await Promise.all(done);
  assert.equal(maxActive, 2);
  await items.close();
});

test('with concurrency 1 the feed keeps the order of process()', async (t) => {
  const path = join(tempDir(t, 'items'), 'items.jsonl');
  // Uneven async work: later items would overtake earlier ones if two ran at once.
  const uneven: ItemPipeline = {
    async process(item) {
      for (let i = 0; i < 10 - (item.n as number); i++) await Promise.resolve();
      return item;
    },
  };
  const items = processor({ pipelines: [uneven], feeds: { [path]: {} }, concurrency: 1 });
  await items.open();
  await Promise.all(Array.from({ length: 10 }, (_, n) => items.process({ n })));
  await items.close();
  assert.deepEqual(
    (readJsonl(path)).map((item) => item.n),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
});

test('feeds receive items in the order their pipelines finish', async (t) => {
  const path = join(tempDir(t, 'items'), 'items.jsonl');
  const gates = new Map<number, Deferred>();
  const gated: ItemPipeline = {
    async process(item) {
      const gate = deferred();
      gates.set(item.n as number, gate);
      await gate.promise;
      return item;
    },
  };
  const items = processor({ pipelines: [gated], feeds: { [path]: {} }, concurrency: 4 });
  await items.open();
  const done = [0, 1, 2, 3].map((n) => items.process({ n }));
  await tick();
  for (const n of [2, 0, 3, 1]) {
    gates.get(n)?.resolve();
    await tick();
  }
  await Promise.all(done);
  await items.close();
  assert.deepEqual(
    (readJsonl(path)).map((item) => item.n),
    [2, 0, 3, 1],
  );
});

test('close waits for in-flight items, and for items that arrive while it waits', async (t) => {
  const path = join(tempDir(t, 'items'), 'items.json');
  const gates: Deferred[] = [];
  let pipelineClosed = false;
  const gated: ItemPipeline = {
    async process(item) {
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      return item;
    },
    close() {
      pipelineClosed = true;
    },
  };
  const items = processor({ pipelines: [gated], feeds: { [path]: {} } });
  await items.open();
  void items.process({ n: 1 });
  let closed = false;
  const closing = items.close().then(() => {
    closed = true;
  });
  await tick();
  assert.equal(closed, false);
  assert.equal(pipelineClosed, false);
  void items.process({ n: 2 });
  (gates.shift() as Deferred).resolve();
  await tick();
  assert.equal(closed, false, 'the late item is still inside');
  (gates.shift() as Deferred).resolve();
  await closing;
  assert.equal(pipelineClosed, true);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), [{ n: 1 }, { n: 2 }]);
  assert.equal(await codeOf(items.process({ n: 3 })), 'ERR_ITEMS_STATE');
});

test('process before open is refused', async () => {
  assert.equal(await codeOf(processor({}).process({})), 'ERR_ITEMS_STATE');
});

test('feed paths get {name} and {time}; a settings feed with an unknown extension is jsonl', async (t) => {
  const dir = tempDir(t, 'items');
  const items = processor({ feeds: { [join(dir, '{name}', '{time}.out')]: {} } });
  await items.open();
  await items.process({ a: 1 });
  await items.close();
  assert.deepEqual(readJsonl(join(dir, 'books', '2026-11-24T08-00-00.out')), [{ a: 1 }]);
});

test('feed paths get {process}: the process option, else the pid', async (t) => {
  const dir = tempDir(t, 'items');
  const items = processor({ feeds: { [join(dir, 'items-{process}.jsonl')]: {} }, process: 'node-7' });
  await items.open();
  await items.process({ a: 1 });
  await items.close();
  assert.deepEqual(readJsonl(join(dir, 'items-node-7.jsonl')), [{ a: 1 }]);
  const byPid = processor({ feeds: { [join(dir, 'pid-{process}.jsonl')]: {} } });
  await byPid.open();
  await byPid.process({ b: 2 });
  await byPid.close();
  assert.deepEqual(readJsonl(join(dir, `pid-${process.pid}.jsonl`)), [{ b: 2 }]);
});

test('feed open errors: unopenable path, unknown placeholder, two feeds on one file; opened pipelines are closed', async (t) => {
  const dir = tempDir(t, 'items');
  const blocker = join(dir, 'blocker');
  await writeFile(blocker, '');
  const closed: string[] = [];
  const pipeline: ItemPipeline = {
    process: (item) => item,
    close: () => {
      closed.push('closed');
    },
  };
  const good = join(dir, 'good.json');
  const cases: [Record<string, object>, string][] = [
    [{ [good]: {}, [join(blocker, 'items.jsonl')]: {} }, 'ERR_FEED_OPEN'],
    [{ [join(dir, '{spider}.jsonl')]: {} }, 'ERR_FEED_PLACEHOLDER'],
    [{ [join(dir, '{name}.jsonl')]: {}, [join(dir, 'books.jsonl')]: {} }, 'ERR_FEED_OPEN'],
  ];
  for (const [feeds, code] of cases) {
    const items = processor({ pipelines: [pipeline], feeds });
    try {
      await items.open();
      assert.fail('expected an error');
    } catch (error) {
      assert.equal((error as { code?: string }).code, code);
      if (code === 'ERR_FEED_OPEN' && feeds[good]) assert.ok((error as Error).message.includes(join(blocker, 'items.jsonl')));
    }
    assert.equal(await codeOf(items.process({})), 'ERR_ITEMS_STATE');
  }
  assert.deepEqual(closed, ['closed', 'closed', 'closed']);
  // The feed opened before the failing one was closed and left valid.
  assert.deepEqual(JSON.parse(await readFile(good, 'utf8')), []);
});

test('an item no feed can write (circular) is logged each time, not counted as scraped; other items go on', async (t) => {
  const dir = tempDir(t, 'items');
  const path = join(dir, 'items.jsonl');
  const stats = new Stats();
  const { logger, lines } = recordingLogger();
  const items = processor({ feeds: { [path]: {}, [join(dir, 'b.jsonl')]: {} }, stats, logger });
  await items.open();
  const circular: Item = { a: 1 };
  circular.self = circular;
  await items.process(circular);
  await items.process(circular);
  await items.process({ ok: true });
  await items.close();
  assert.deepEqual(readJsonl(path), [{ ok: true }]);
  assert.equal(stats.count('feed/errors'), 4);
  assert.equal(lines.filter((line) => line.startsWith('error: item not written to feed')).length, 4);
  assert.match(lines.find((line) => line.includes('not written'))!, /the item cannot be written as JSON: Converting circular structure/);
  assert.equal(stats.count('item/scraped'), 1);
  assert.equal(stats.count('item/errors/ERR_ITEM_NOT_SERIALIZABLE'), 2);
});

test('a pipeline whose open() throws is ERR_PIPELINE_OPEN naming it; open() rejects and nothing is left open', async () => {
  const closed: string[] = [];
  class First implements ItemPipeline {
    process(item: Item) { return item; }
    close() { closed.push('first'); }
  }
  class Database implements ItemPipeline {
    open() { throw new Error('no database'); }
    process(item: Item) { return item; }
  }
  const items = processor({ pipelines: [new First(), new Database()] });
  await assert.rejects(items.open(), (error: ArachneError) => {
    assert.equal(error.code, 'ERR_PIPELINE_OPEN');
    assert.equal(error.kind, 'config');
    assert.match(error.message, /^pipeline Database failed to open: Error: no database/);
    return true;
  });
  assert.deepEqual(closed, ['first']);
});
