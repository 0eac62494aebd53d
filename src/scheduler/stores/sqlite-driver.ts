/**
 * The SQLite the job store runs on, behind one small synchronous interface: the built-in
 * `node:sqlite` (`DatabaseSync`) where the runtime has it (Node 22.13+, 24), better-sqlite3 (an
 * optional dependency, a native module compiled per Node ABI) otherwise, i.e. on Node 20.
 * Both keep the store's guarantees (WAL, `synchronous = NORMAL`, a `kill -9` mid-commit loses no
 * acknowledged batch; measured in scripts/sqlite-compare.ts, figures in docs/jobs.md).
 *
 * `ARACHNE_SQLITE_DRIVER=node:sqlite|better-sqlite3` forces one (tests, or a runtime where the
 * built-in misbehaves); `auto` or unset picks as above.
 *
 * On Node 22 and 24 the first `require('node:sqlite')` prints "ExperimentalWarning: SQLite is an
 * experimental feature". The require below swaps `process.emitWarning` for the length of that one
 * synchronous call and drops only that warning (type ExperimentalWarning, a message starting with
 * "SQLite"); any other warning emitted meanwhile passes through, and the original is restored
 * before the call returns.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../../errors.js';
import { loadPackage } from '../../load-package.js';

const require = createRequire(import.meta.url);

export type SqlValue = null | number | bigint | string | Uint8Array;
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';
export type Row = Record<string, unknown>;

export interface SqliteStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  get(...params: SqlValue[]): Row | undefined;
  all(...params: SqlValue[]): Row[];
  iterate(...params: SqlValue[]): IterableIterator<Row>;
  /** The first column of the first row (better-sqlite3's `pluck().get()`), `undefined` for no row. */
  value(...params: SqlValue[]): unknown;
  /** The first column of every row. */
  values(...params: SqlValue[]): unknown[];
}

export interface SqliteDatabase {
  readonly driver: SqliteDriverName;
  prepare(sql: string): SqliteStatement;
  /** One or more statements without results (pragmas too: `exec('PRAGMA x = y')`). */
  exec(sql: string): void;
  /** Runs `fn` in BEGIN/COMMIT; ROLLBACK when it throws. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export interface OpenSqliteOptions {
  readonly?: boolean;
  /** Default: `ARACHNE_SQLITE_DRIVER`, else node:sqlite when the runtime has it. */
  driver?: SqliteDriverName | 'auto';
}

/** What either driver's native objects look like, as far as they are used here. */
interface NativeStatement {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}
interface NativeDatabase {
  prepare(sql: string): NativeStatement;
  exec(sql: string): unknown;
  close(): unknown;
}
type BetterStatement = NativeStatement & { pluck(on?: boolean): NativeStatement };
type NodeSqlite = { DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => NativeDatabase };
type BetterSqlite3 = new (path: string, options?: { readonly?: boolean }) => NativeDatabase;

function firstColumn(row: unknown): unknown {
  if (row === undefined) return undefined;
  for (const key in row as Row) return (row as Row)[key];
  return undefined;
}

class Statement implements SqliteStatement {
  readonly #native: NativeStatement;
  readonly #pluck: () => NativeStatement | undefined;
  #plucked: NativeStatement | undefined;

  constructor(native: NativeStatement, pluck: () => NativeStatement | undefined) {
    this.#native = native;
    this.#pluck = pluck;
  }

  run(...params: SqlValue[]): { changes: number | bigint } {
    return this.#native.run(...params);
  }

  get(...params: SqlValue[]): Row | undefined {
    return this.#native.get(...params) as Row | undefined;
  }

  all(...params: SqlValue[]): Row[] {
    return this.#native.all(...params) as Row[];
  }

  iterate(...params: SqlValue[]): IterableIterator<Row> {
    return this.#native.iterate(...params) as IterableIterator<Row>;
  }

  value(...params: SqlValue[]): unknown {
    // better-sqlite3 plucks natively (no row object per call: the seen-set lookup is hot).
    const plucked = (this.#plucked ??= this.#pluck());
    return plucked ? plucked.get(...params) : firstColumn(this.#native.get(...params));
  }

  values(...params: SqlValue[]): unknown[] {
    const plucked = (this.#plucked ??= this.#pluck());
    return plucked ? plucked.all(...params) : this.#native.all(...params).map(firstColumn);
  }
}

class Database implements SqliteDatabase {
  readonly driver: SqliteDriverName;
  readonly #native: NativeDatabase;

  constructor(driver: SqliteDriverName, native: NativeDatabase) {
    this.driver = driver;
    this.#native = native;
  }

  prepare(sql: string): SqliteStatement {
    const native = this.#native.prepare(sql);
    const pluck = this.driver === 'better-sqlite3' ? () => (this.#native.prepare(sql) as BetterStatement).pluck(true) : () => undefined;
    return new Statement(native, pluck);
  }

  exec(sql: string): void {
    this.#native.exec(sql);
  }

  transaction<T>(fn: () => T): T {
    this.#native.exec('BEGIN');
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.#native.exec('ROLLBACK');
      throw error;
    }
    this.#native.exec('COMMIT');
    return result;
  }

  close(): void {
    this.#native.close();
  }
}

let nodeSqlite: NodeSqlite | null | undefined;

/** `node:sqlite`, or `null` where the runtime has none (Node 20, 22 before 22.13 without a flag). */
export function loadNodeSqlite(): NodeSqlite | null {
  if (nodeSqlite !== undefined) return nodeSqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const message = typeof warning === 'string' ? warning : warning.message;
    if ((type === 'ExperimentalWarning' || (warning as Error).name === 'ExperimentalWarning') && message.startsWith('SQLite')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    nodeSqlite = require('node:sqlite') as NodeSqlite;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_BUILTIN_MODULE') throw error;
    nodeSqlite = null;
  } finally {
    process.emitWarning = emitWarning;
  }
  return nodeSqlite;
}

const FEATURE = 'a job dir (--job-dir, job.dir)';

/** The driver `openSqlite` would use, loaded: throws the coded error when none is available. */
export function pickDriver(requested: SqliteDriverName | 'auto' | undefined = envDriver()): SqliteDriverName {
  if (requested === 'node:sqlite' || (requested === 'auto' && loadNodeSqlite())) {
    if (!loadNodeSqlite()) {
      throw new ConfigError('ERR_SQLITE_DRIVER', `the SQLite driver "node:sqlite" was asked for (ARACHNE_SQLITE_DRIVER) but Node ${process.version} does not have it`, {
        hint: 'use Node 22.13 or later, or unset ARACHNE_SQLITE_DRIVER to use better-sqlite3',
      });
    }
    return 'node:sqlite';
  }
  try {
    loadPackage<BetterSqlite3>('better-sqlite3', FEATURE);
  } catch (error) {
    if (!(error instanceof ConfigError) || error.code !== 'ERR_MISSING_DEPENDENCY') throw error;
    // Neither: the package is what to install (Node 20), or a newer Node.
    throw new ConfigError('ERR_MISSING_DEPENDENCY', error.message, {
      hint: `run \`npm install better-sqlite3\` in your project (it is an optional dependency of arachne), or use Node 22.13+, which has node:sqlite built in${requested === 'better-sqlite3' ? ' (ARACHNE_SQLITE_DRIVER=better-sqlite3 asked for the package)' : ''}`,
      cause: error,
    });
  }
  return 'better-sqlite3';
}

function envDriver(): SqliteDriverName | 'auto' {
  const value = process.env.ARACHNE_SQLITE_DRIVER?.trim() || 'auto';
  if (value === 'auto' || value === 'node:sqlite' || value === 'better-sqlite3') return value;
  throw new ConfigError('ERR_SQLITE_DRIVER', `ARACHNE_SQLITE_DRIVER="${value}" is not a SQLite driver`, {
    hint: 'set it to node:sqlite, better-sqlite3 or auto (or unset it)',
  });
}

/**
 * Opens (or creates) the SQLite file at `path` with the driver picked by `options.driver`.
 *
 * @throws ConfigError `ERR_SQLITE_DRIVER` (an unknown or unavailable forced driver),
 *   `ERR_MISSING_DEPENDENCY` (no node:sqlite and no better-sqlite3). The driver's own error when
 *   the file cannot be opened (see `sqliteCode`).
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): SqliteDatabase {
  const driver = pickDriver(options.driver);
  if (driver === 'node:sqlite') {
    const { DatabaseSync } = loadNodeSqlite()!;
    return new Database(driver, new DatabaseSync(path, options.readonly ? { readOnly: true } : {}));
  }
  const Better = loadPackage<BetterSqlite3>('better-sqlite3', FEATURE);
  return new Database(driver, new Better(path, options.readonly ? { readonly: true } : {}));
}

/** SQLite's primary result codes by number, for node:sqlite errors (`errcode`; better-sqlite3 names them itself). */
const RESULT_CODES = [
  'OK', 'ERROR', 'INTERNAL', 'PERM', 'ABORT', 'BUSY', 'LOCKED', 'NOMEM', 'READONLY', 'INTERRUPT', 'IOERR', 'CORRUPT', 'NOTFOUND',
  'FULL', 'CANTOPEN', 'PROTOCOL', 'EMPTY', 'SCHEMA', 'TOOBIG', 'CONSTRAINT', 'MISMATCH', 'MISUSE', 'NOLFS', 'AUTH', 'FORMAT', 'RANGE', 'NOTADB',
];

/**
 * SQLite's code for a driver error, spelt as better-sqlite3 does (`SQLITE_READONLY`,
 * `SQLITE_CANTOPEN`...): node:sqlite says `ERR_SQLITE_ERROR` with the number in `errcode`
 * (extended codes are reduced to their primary name). `undefined` for anything else.
 */
export function sqliteCode(error: unknown): string | undefined {
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
  if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  if (code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number') {
    const name = RESULT_CODES[errcode & 0xff];
    return name === undefined ? `SQLITE_${errcode}` : `SQLITE_${name}`;
  }
  return undefined;
}
