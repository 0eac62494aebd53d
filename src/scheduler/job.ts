/**
 * Opening a job directory (`job.dir`, `--job-dir`): the folder is checked, locked against a
 * second crawl, and its SQLite store opened, checked for its format version and integrity, and
 * put in WAL mode. Every refusal is a coded error raised before anything is written: a bad job
 * dir never loses the job it holds.
 *
 * The lock is a file holding the pid of the crawl that owns the job. A lock whose pid is no
 * longer alive (a crawl killed with SIGKILL) is stale and taken over; `process.kill(pid, 0)` is
 * the liveness check (ESRCH: gone; EPERM: alive under another user).
 */
import { mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { openSqlite, pickDriver, sqliteCode, type SqliteDatabase, type SqliteDriverName } from './stores/sqlite-driver.js';
import { JOB_FORMAT_VERSION, SqliteJobStore, type SqliteJobStoreOptions } from './stores/sqlite-store.js';

export const JOB_DB_FILE = 'job.sqlite';
export const JOB_LOCK_FILE = 'job.lock';

export interface OpenJobOptions extends Omit<SqliteJobStoreOptions, 'logger'> {
  dir: string;
  logger: Logger;
  /** The pid written to the lock. Default `process.pid`. */
  pid?: number;
  /** The SQLite driver. Default: `ARACHNE_SQLITE_DRIVER`, else node:sqlite where the runtime has it, else better-sqlite3. */
  driver?: SqliteDriverName | 'auto';
  /**
   * Opens the SQLite file (tests simulate a native module that fails to load). Default
   * `openSqlite(path)` with the driver above.
   */
  openDatabase?: (path: string) => SqliteDatabase;
}

/**
 * better-sqlite3's native module failed to load (built for another Node version after a switch
 * of Node, or never built): not a corrupt job, whatever the file holds.
 */
function nativeLoadError(error: unknown): ConfigError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (codeOf(error) !== 'ERR_DLOPEN_FAILED' && !/NODE_MODULE_VERSION|bindings file|better_sqlite3\.node/.test(message)) return undefined;
  return new ConfigError('ERR_SQLITE_NATIVE', `better-sqlite3's native module cannot be loaded by Node ${process.version} (${message.replace(/\s*\n\s*/g, ' ').slice(0, 300)})`, {
    hint: 'rebuild it for this Node version: run `npm rebuild better-sqlite3` in the project folder (the job dir is untouched)',
    cause: error,
  });
}

/** An open job: its store, and `close()`, which saves, checkpoints and unlocks. */
export interface Job {
  readonly dir: string;
  readonly store: SqliteJobStore;
  /** The job dir held a job already (this run resumes it). */
  readonly resumed: boolean;
  close(spiderState: Record<string, unknown> | undefined): Promise<void>;
}

function dirError(dir: string, why: string, cause?: unknown): ConfigError {
  return new ConfigError('ERR_JOB_DIR', `job dir "${dir}" ${why}`, {
    hint: 'pass --job-dir a writable folder (it is created if missing)',
    ...(cause === undefined ? {} : { cause }),
  });
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

async function prepareDir(dir: string): Promise<void> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw dirError(dir, 'is a file, not a folder');
    return;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (codeOf(error) !== 'ENOENT') throw dirError(dir, `cannot be read (${String(codeOf(error))})`, error);
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw dirError(dir, `cannot be created (${String(codeOf(error))})`, error);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) === 'EPERM';
  }
}

async function lock(dir: string, pid: number, logger: Logger): Promise<string> {
  const path = join(dir, JOB_LOCK_FILE);
  try {
    await writeFile(path, `${pid}\n`, { flag: 'wx' });
    return path;
  } catch (error) {
    const code = codeOf(error);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw dirError(dir, `is read-only (${String(code)})`, error);
    if (code !== 'EEXIST') throw dirError(dir, `cannot be locked (${String(code)})`, error);
  }
  const owner = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
  if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
    throw new ConfigError('ERR_JOB_LOCKED', `job dir "${dir}" is in use by another crawl (pid ${owner})`, {
      hint: `wait for it to finish or stop it (kill -INT ${owner}); one job dir serves one crawl at a time`,
    });
  }
  logger.info(`job dir "${dir}": taking over a stale lock (pid ${Number.isInteger(owner) ? owner : '?'} is not running)`);
  await writeFile(path, `${pid}\n`);
  return path;
}

/** Opens the database read-first, so a corrupt or foreign file is refused untouched. */
function openDatabase(dir: string, open: (path: string) => SqliteDatabase): SqliteDatabase {
  const path = join(dir, JOB_DB_FILE);
  const corrupt = (why: string, cause?: unknown): ConfigError =>
    new ConfigError('ERR_JOB_CORRUPT', `job database "${path}" ${why}`, {
      hint: 'it was left as it is; move it away (or pass another --job-dir) to start a fresh job',
      ...(cause === undefined ? {} : { cause }),
    });
  let db: SqliteDatabase;
  try {
    db = open(path);
  } catch (error) {
    throw nativeLoadError(error) ?? corrupt(`cannot be opened (${String(sqliteCode(error) ?? codeOf(error) ?? error)})`, error);
  }
  try {
    // A busy file waits (another process writing) rather than failing at once; better-sqlite3's default, 0 in node:sqlite.
    db.exec('PRAGMA busy_timeout = 5000');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").values() as string[];
    if (tables.length > 0) {
      if (!tables.includes('meta') || !tables.includes('requests')) throw corrupt(`is not an Arachne job (tables: ${tables.join(', ')})`);
      const format = db.prepare("SELECT value FROM meta WHERE key = 'format'").value() as string | undefined;
      if (format === undefined) throw corrupt('has no format version');
      if (format !== String(JOB_FORMAT_VERSION)) {
        throw new ConfigError('ERR_JOB_VERSION', `job dir "${dir}" was written in job format ${format}; this Arachne reads format ${JOB_FORMAT_VERSION}`, {
          hint: 'resume it with the Arachne version that started it, or start a fresh job in another --job-dir',
        });
      }
      const check = db.prepare('PRAGMA quick_check').value();
      if (check !== 'ok') throw corrupt(`failed its integrity check (${String(check)})`);
    }
    // WAL: a commit is one append and readers never block the writer. NORMAL sync: a process
    // crash loses nothing committed (only a power loss may lose the last commits).
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    return db;
  } catch (error) {
    db.close();
    if (error instanceof ConfigError) throw error;
    const code = String(sqliteCode(error) ?? codeOf(error));
    if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_CANTOPEN')) throw dirError(dir, `is read-only (${code})`, error);
    throw corrupt(`is not a valid SQLite database (${code}: ${(error as Error).message})`, error);
  }
}

/**
 * Opens (or creates) the job in `options.dir`.
 *
 * @throws ConfigError `ERR_JOB_DIR` (a file, not creatable, read-only), `ERR_JOB_LOCKED` (another
 *   live crawl holds it; the message names its pid), `ERR_JOB_VERSION` (another store format),
 *   `ERR_JOB_CORRUPT` (not a database, not a job, failed integrity check). Nothing is written
 *   before these checks pass, except the lock. `ERR_MISSING_DEPENDENCY` with neither node:sqlite
 *   nor better-sqlite3, `ERR_SQLITE_DRIVER` for a forced driver this runtime lacks.
 */
export async function openJob(options: OpenJobOptions): Promise<Job> {
  const { dir, logger } = options;
  // Picked first: no SQLite at all is ERR_MISSING_DEPENDENCY before the dir is touched.
  const driver = options.openDatabase ? undefined : pickDriver(options.driver);
  await prepareDir(dir);
  const lockPath = await lock(dir, options.pid ?? process.pid, logger);
  let store: SqliteJobStore;
  try {
    const db = openDatabase(dir, options.openDatabase ?? ((path) => openSqlite(path, { driver })));
    try {
      store = new SqliteJobStore(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  } catch (error) {
    await unlink(lockPath).catch(() => {});
    throw error;
  }
  if (store.resumed) {
    logger.info(`resuming job in "${dir}": ${store.stored} requests queued, start ${store.start.done ? 'finished' : `at ${store.start.pulled} pulled`}`);
  }
  let closed = false;
  return {
    dir,
    store,
    resumed: store.resumed,
    async close(spiderState) {
      if (closed) return;
      closed = true;
      try {
        await store.close(spiderState);
      } finally {
        await unlink(lockPath).catch(() => {});
      }
    },
  };
}
