/**
 * Can the built-in node:sqlite hold the job store's guarantees? The job store's write shape
 * (WAL, synchronous = NORMAL, one transaction per batch of rows) on either driver, then a kill -9
 * in the middle of committing and a reopen that must find an intact database holding every
 * acknowledged batch.
 *
 *   node --import tsx scripts/sqlite-compare.ts better [rows]          # better-sqlite3 (Node 20)
 *   <node 22.13+/24> --import tsx scripts/sqlite-compare.ts node [rows] # node:sqlite
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Db {
  exec(sql: string): void;
  prepare(sql: string): { run(...args: unknown[]): unknown; get(...args: unknown[]): unknown };
  close(): void;
}

const require = createRequire(import.meta.url);

function open(driver: string, path: string): Db {
  if (driver === 'node') {
    const { DatabaseSync } = require('node:sqlite') as { DatabaseSync: new (path: string) => Db };
    return new DatabaseSync(path);
  }
  const Better = require('better-sqlite3') as new (path: string) => Db;
  return new Better(path);
}

function setup(db: Db): void {
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, slot TEXT, priority INTEGER, state INTEGER, data BLOB)');
  db.exec('CREATE INDEX IF NOT EXISTS by_slot ON requests (state, slot, priority DESC, id)');
  db.exec('CREATE TABLE IF NOT EXISTS acked (batch INTEGER PRIMARY KEY)');
}

const BATCH = 1000;
const data = Buffer.alloc(200, 7);

function writeBatches(db: Db, from: number, rows: number, onAck?: (batch: number) => void): void {
  const insert = db.prepare('INSERT INTO requests (id, slot, priority, state, data) VALUES (?, ?, ?, 0, ?)');
  const ack = db.prepare('INSERT INTO acked (batch) VALUES (?)');
  for (let start = from; start < from + rows; start += BATCH) {
    db.exec('BEGIN');
    for (let id = start; id < start + BATCH; id++) insert.run(id, `host${id % 5000}.test`, id % 3, data);
    ack.run(start / BATCH);
    db.exec('COMMIT');
    onAck?.(start / BATCH);
  }
}

const [, , mode = 'better', rowsArg = '1000000', dirArg] = process.argv;
if (mode === 'child') {
  // Writes batches forever, printing each acknowledged (committed) batch; the parent kills it.
  const db = open(rowsArg, join(dirArg!, 'job.sqlite'));
  setup(db);
  writeBatches(db, 0, 1e9, (b) => process.stdout.write(`${b}\n`));
} else {
  const rows = Number(rowsArg);
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-compare-'));
  try {
    const db = open(mode, join(dir, 'bench.sqlite'));
    setup(db);
    const t0 = performance.now();
    writeBatches(db, 0, rows);
    const insertMs = performance.now() - t0;
    const t1 = performance.now();
    const slotRows = db.prepare('SELECT id FROM requests WHERE state = 0 AND slot = ? ORDER BY priority DESC, id LIMIT 100');
    const del = db.prepare('DELETE FROM requests WHERE id = ?');
    db.exec('BEGIN');
    for (let i = 1; i <= 100_000; i++) {
      slotRows.get(`host${i % 5000}.test`);
      del.run(i);
    }
    db.exec('COMMIT');
    const drainMs = performance.now() - t1;
    db.close();
    const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
    console.log(`${mode} ${process.version}: ${rows} rows inserted in ${Math.round(insertMs)} ms (${Math.round(rows / (insertMs / 1000))}/s), 100k slot reads+deletes ${Math.round(drainMs)} ms, rss ${rss} MiB`);

    // kill -9 while committing, 5 rounds: the reopened database is intact and holds every acked batch.
    for (let round = 0; round < 5; round++) {
      const kdir = mkdtempSync(join(dir, 'kill-'));
      const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'child', mode, kdir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let last = -1;
      let buf = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          buf += chunk.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const line of lines) last = Number(line);
          if (last >= 20 + round * 7) child.kill('SIGKILL');
        });
        child.on('exit', () => resolve());
      });
      const re = open(mode, join(kdir, 'job.sqlite'));
      const check = (re.prepare('PRAGMA integrity_check').get() as Record<string, string>)['integrity_check'];
      const maxBatch = (re.prepare('SELECT max(batch) AS m FROM acked').get() as { m: number }).m;
      const count = (re.prepare('SELECT count(*) AS c FROM requests').get() as { c: number }).c;
      re.close();
      const ok = check === 'ok' && maxBatch >= last && count === (maxBatch + 1) * BATCH;
      console.log(`kill -9 round ${round}: acked ${last}, found ${maxBatch} batches, ${count} rows, integrity ${check}: ${ok ? 'ok' : 'FAIL'}`);
      if (!ok) process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
