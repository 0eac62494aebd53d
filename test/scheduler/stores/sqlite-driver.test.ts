/**
 * The job store's SQLite driver: node:sqlite where the runtime has it, better-sqlite3 otherwise,
 * one interface over both, forced by ARACHNE_SQLITE_DRIVER, silent about node:sqlite's
 * ExperimentalWarning, and a coded error when no driver can be had.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ArachneError } from '../../../src/errors.js';
import { loadNodeSqlite, openSqlite, pickDriver, sqliteCode } from '../../../src/scheduler/stores/sqlite-driver.js';

const DRIVER = fileURLToPath(new URL('../../../src/scheduler/stores/sqlite-driver.ts', import.meta.url));
const HIDE = fileURLToPath(new URL('../../package/fixtures/hide-package.cjs', import.meta.url));

/** node:sqlite is there without a flag from Node 22.13 (and in 23, 24...). */
function runtimeHasNodeSqlite(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13);
}

/** Runs an ES module snippet under tsx in a child, with `env` added. */
function runSnippet(code: string, env: Record<string, string>, preload: string[] = []): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...preload, '--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function withEnv<T>(value: string | undefined, fn: () => T): T {
  const before = process.env.ARACHNE_SQLITE_DRIVER;
  if (value === undefined) delete process.env.ARACHNE_SQLITE_DRIVER;
  else process.env.ARACHNE_SQLITE_DRIVER = value;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.ARACHNE_SQLITE_DRIVER;
    else process.env.ARACHNE_SQLITE_DRIVER = before;
  }
}

test('the default driver is node:sqlite where the runtime has it, better-sqlite3 otherwise', () => {
  const expected = runtimeHasNodeSqlite() ? 'node:sqlite' : 'better-sqlite3';
  assert.equal(loadNodeSqlite() !== null, runtimeHasNodeSqlite());
  withEnv(undefined, () => {
    assert.equal(pickDriver(), expected);
    const db = openSqlite(':memory:');
    assert.equal(db.driver, expected);
    db.close();
  });
  assert.equal(withEnv('auto', () => pickDriver()), expected);
});

test('one interface: run, get, all, iterate, value(s), blobs, transaction with rollback', () => {
  const db = openSqlite(':memory:');
  try {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, slot TEXT NOT NULL, fp BLOB)');
    const insert = db.prepare('INSERT OR IGNORE INTO t (id, slot, fp) VALUES (?, ?, ?)');
    assert.equal(Number(insert.run(1, 'a', Buffer.from('00ff', 'hex')).changes), 1);
    assert.equal(Number(insert.run(1, 'a', null).changes), 0, 'ignored duplicate: 0 changes');
    insert.run(2, 'b', null);
    assert.deepEqual({ ...db.prepare('SELECT id, slot FROM t WHERE id = ?').get(2) }, { id: 2, slot: 'b' });
    assert.equal(db.prepare('SELECT id FROM t WHERE id = ?').get(9), undefined);
    assert.deepEqual(db.prepare('SELECT slot FROM t ORDER BY id LIMIT ?').all(5).map((row) => row.slot), ['a', 'b']);
    assert.deepEqual([...db.prepare('SELECT id FROM t ORDER BY id DESC').iterate()].map((row) => row.id), [2, 1]);
    assert.equal(db.prepare('SELECT id FROM t WHERE fp = ?').value(Buffer.from('00ff', 'hex')), 1);
    assert.equal(db.prepare('SELECT id FROM t WHERE slot = ?').value('z'), undefined);
    assert.equal(db.prepare('SELECT max(id) FROM t WHERE slot = ?').value('z'), null);
    assert.deepEqual(db.prepare('SELECT slot FROM t ORDER BY id').values(), ['a', 'b']);
    assert.equal(db.prepare('PRAGMA quick_check').value(), 'ok');

    assert.equal(db.transaction(() => insert.run(3, 'c', null).changes), 1);
    assert.throws(() =>
      db.transaction(() => {
        insert.run(4, 'd', null);
        throw new Error('boom');
      }),
    /boom/);
    assert.deepEqual(db.prepare('SELECT id FROM t ORDER BY id').values(), [1, 2, 3], 'the failed transaction was rolled back');
  } finally {
    db.close();
  }
});

test('SQLite errors carry SQLite\'s code on either driver', () => {
  const db = openSqlite(':memory:');
  try {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    db.exec('INSERT INTO t VALUES (1)');
    let caught: unknown;
    try {
      db.exec('INSERT INTO t VALUES (1)');
    } catch (error) {
      caught = error;
    }
    assert.equal(sqliteCode(caught)?.startsWith('SQLITE_CONSTRAINT'), true, String(caught));
  } finally {
    db.close();
  }
  assert.equal(sqliteCode({ code: 'ERR_SQLITE_ERROR', errcode: 8 }), 'SQLITE_READONLY');
  assert.equal(sqliteCode({ code: 'ERR_SQLITE_ERROR', errcode: 8 | (4 << 8) }), 'SQLITE_READONLY', 'an extended code names its primary');
  assert.equal(sqliteCode({ code: 'ERR_SQLITE_ERROR', errcode: 14 }), 'SQLITE_CANTOPEN');
  assert.equal(sqliteCode({ code: 'SQLITE_FULL' }), 'SQLITE_FULL');
  assert.equal(sqliteCode({ code: 'ENOENT' }), undefined);
  assert.equal(sqliteCode(undefined), undefined);
});

test('ARACHNE_SQLITE_DRIVER forces a driver; an unknown or unavailable one is ERR_SQLITE_DRIVER', () => {
  const bad = withEnv('postgres', () => assert.throws(() => pickDriver(), (error: unknown) => error instanceof ArachneError && error.code === 'ERR_SQLITE_DRIVER' && /postgres/.test(error.message)));
  assert.equal(bad, undefined);
  if (runtimeHasNodeSqlite()) {
    assert.equal(withEnv('node:sqlite', () => pickDriver()), 'node:sqlite');
  } else {
    withEnv('node:sqlite', () =>
      assert.throws(() => pickDriver(), (error: unknown) => error instanceof ArachneError && error.code === 'ERR_SQLITE_DRIVER' && error.message.includes(process.version)),
    );
  }
  // better-sqlite3 is installed here (it may not load on another Node's ABI; picking does not load the addon).
  assert.equal(withEnv('better-sqlite3', () => pickDriver()), 'better-sqlite3');
});

test('opening node:sqlite prints no ExperimentalWarning, and other warnings still print', async () => {
  const code = `import { openSqlite } from ${JSON.stringify(DRIVER)}; const db = openSqlite(':memory:'); db.exec('CREATE TABLE t (a)'); console.log(db.driver); db.close(); process.emitWarning('another warning', 'ExperimentalWarning');`;
  const { status, stdout, stderr } = await runSnippet(code, { ARACHNE_SQLITE_DRIVER: 'auto' });
  assert.equal(status, 0, stderr);
  assert.equal(stdout.trim(), runtimeHasNodeSqlite() ? 'node:sqlite' : 'better-sqlite3');
  assert.doesNotMatch(stderr, /SQLite is an experimental feature/);
  assert.match(stderr, /ExperimentalWarning: another warning/);
});

test('no driver at all (better-sqlite3 not installed, none built in or forced off) is ERR_MISSING_DEPENDENCY naming both ways out', async () => {
  const code = `import { pickDriver } from ${JSON.stringify(DRIVER)}; try { pickDriver(); console.log('picked'); } catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message, hint: error.hint })); }`;
  const { status, stdout, stderr } = await runSnippet(code, { ARACHNE_SQLITE_DRIVER: 'better-sqlite3', HIDE_PACKAGES: 'better-sqlite3' }, ['--require', HIDE]);
  assert.equal(status, 0, stderr);
  const error = JSON.parse(stdout) as { code: string; message: string; hint: string };
  assert.equal(error.code, 'ERR_MISSING_DEPENDENCY');
  assert.match(error.message, /needs the package "better-sqlite3"/);
  assert.match(error.hint, /npm install better-sqlite3/);
  assert.match(error.hint, /Node 22\.13\+, which has node:sqlite built in/);
});
