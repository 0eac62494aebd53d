/** Every refusal of a job dir is a coded error, and leaves what it found as it was. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { silentLogger } from '../../../src/log.js';
import type { Response } from '../../../src/http/response.js';
import { JOB_DB_FILE, JOB_LOCK_FILE, openJob } from '../../../src/scheduler/job.js';
import { openSqlite } from '../../../src/scheduler/stores/sqlite-driver.js';
import type { ConfigInput } from '../../../src/settings/config.js';
import { Spider } from '../../../src/spider/spider.js';
import { startSite, type Site } from '../../fixtures/site.js';
import { crawl, stat } from '../../helpers/crawl.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { rejectsWith } from '../../helpers/assert-code.js';

const DRIVER = fileURLToPath(new URL('../../../src/scheduler/stores/sqlite-driver.ts', import.meta.url));
const open = (dir: string) => openJob({ dir, logger: silentLogger, now: () => 0 });

test('a job dir that is a file is ERR_JOB_DIR, and the file is left alone', async (t) => {
  const path = join(tempDir(t, 'job'), 'not-a-dir');
  writeFileSync(path, 'precious');
  const { message } = await rejectsWith(open(path), 'ERR_JOB_DIR');
  assert.match(message, /is a file/);
  assert.equal(readFileSync(path, 'utf8'), 'precious');
});

test('a read-only job dir is ERR_JOB_DIR', async (t) => {
  // As root, permission bits do not stop writes; sysfs refuses new files even to root.
  let dir = '/sys';
  if (process.getuid?.() !== 0) {
    dir = tempDir(t, 'job');
    chmodSync(dir, 0o555);
    t.after(() => chmodSync(dir, 0o755));
  }
  const { message } = await rejectsWith(open(dir), 'ERR_JOB_DIR');
  assert.match(message, /read-only/);
});

test('a job dir locked by a live crawl is ERR_JOB_LOCKED naming its pid; a stale lock is taken over', async (t) => {
  const dir = tempDir(t, 'job');
  // A live process that is not us holds the lock.
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  t.after(() => holder.kill('SIGKILL'));
  writeFileSync(join(dir, JOB_LOCK_FILE), `${holder.pid}\n`);
  const { message } = await rejectsWith(open(dir), 'ERR_JOB_LOCKED');
  assert.match(message, new RegExp(`pid ${holder.pid}`));

  // Once the holder is gone its lock is stale.
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  holder.kill('SIGKILL');
  await exited;
  const job = await open(dir);
  assert.equal(readFileSync(join(dir, JOB_LOCK_FILE), 'utf8').trim(), String(process.pid));
  // And a second crawl in this process is refused while we hold it.
  await rejectsWith(open(dir), 'ERR_JOB_LOCKED');
  await job.close(undefined);
});

test('a job written in another format is ERR_JOB_VERSION, and the database is left alone', async (t) => {
  const dir = tempDir(t, 'job');
  const job = await open(dir);
  await job.close({ done: 1 });
  const db = openSqlite(join(dir, JOB_DB_FILE));
  db.prepare("UPDATE meta SET value = '99' WHERE key = 'format'").run();
  db.close();
  const before = readFileSync(join(dir, JOB_DB_FILE));
  const { message } = await rejectsWith(open(dir), 'ERR_JOB_VERSION');
  assert.match(message, /format 99/);
  assert.deepEqual(readFileSync(join(dir, JOB_DB_FILE)), before);
});

test('a corrupt job database is ERR_JOB_CORRUPT, and it is not overwritten', async (t) => {
  const dir = tempDir(t, 'job');
  const garbage = Buffer.from('this is not an SQLite database, just some bytes '.repeat(200));
  writeFileSync(join(dir, JOB_DB_FILE), garbage);
  await rejectsWith(open(dir), 'ERR_JOB_CORRUPT');
  assert.deepEqual(readFileSync(join(dir, JOB_DB_FILE)), garbage);
  // The refusal released the lock: the dir is not left locked by a crawl that never ran.
  assert.throws(() => readFileSync(join(dir, JOB_LOCK_FILE)), /ENOENT/);
});

test('an SQLite database that is not an Arachne job is ERR_JOB_CORRUPT', async (t) => {
  const dir = tempDir(t, 'job');
  const db = openSqlite(join(dir, JOB_DB_FILE));
  db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
  db.close();
  const { message } = await rejectsWith(open(dir), 'ERR_JOB_CORRUPT');
  assert.match(message, /customers/);
});

test('the store failing mid-crawl (the database damaged under it) stops the crawl with ERR_JOB_STORE; items scraped are kept', async (t) => {
  const dir = tempDir(t, 'job');
  let damaged = false;
  let dropped: Promise<unknown> = Promise.resolve();
  const site: Site = await startSite({
    pages: 300,
    latencyMs: () => {
      if (!damaged && site.requests >= 40) {
        damaged = true;
        // Another process drops the queue table (waiting its turn for the write lock, which this
        // thread's crawl holds between ticks): every later write of the crawl fails.
        // Through the same driver as the crawl (node:sqlite on Node 22+, better-sqlite3 on 20).
        const script = `import { openSqlite } from ${JSON.stringify(DRIVER)}; const db = openSqlite(${JSON.stringify(join(dir, JOB_DB_FILE))}); db.exec('PRAGMA busy_timeout = 10000'); db.exec('DROP TABLE requests'); db.close();`;
        dropped = new Promise((resolve) => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'inherit' }).once('exit', resolve));
      }
      return 5;
    },
  });
  t.after(() => site.close());
  class Pages extends Spider {
    static override name = 'pages';
    static override startUrls = [`${site.url}/page/0`];
    async *parse(response: Response) {
      yield { url: response.url };
      yield* response.followAll('a');
    }
  }
  const outcome = await crawl(Pages, { 'job.dir': dir, 'parse.workers': 0, 'concurrency.perDomain': 4 } as ConfigInput);
  assert.equal(await dropped, 0, 'the other process dropped the table');
  assert.ok(damaged, 'the database was damaged during the crawl');
  assert.equal(outcome.reason, 'job_store_failed');
  assert.equal(stat(outcome.stats, 'job/errors/ERR_JOB_STORE'), 1, 'reported once');
  assert.ok(outcome.logs.some((line) => /ERR_JOB_STORE: the job store could not .* \(SQLITE_ERROR: .*no such table/.test(line)), 'the log names the code and the cause');
  assert.ok(outcome.items.length >= 30, `items scraped before the failure were kept (${outcome.items.length})`);
  assert.ok(outcome.items.length < 300, 'the crawl stopped early');
});
