/**
 * The job store on an embedded SQLite database (one file in the job dir, WAL mode).
 *
 * On a synchronous SQLite (sqlite-driver.ts: node:sqlite on Node 22.13+/24, better-sqlite3 on
 * Node 20): the seen-set check and the insert of a queued request cost no `await` per row on the
 * hot path (the scheduler's `enqueue` is synchronous); WAL mode (readers never block the writer,
 * a commit is one append).
 *
 * Writes are batched: the first write of a tick opens a transaction and a `setImmediate` commits
 * it, so one commit carries every insert of that tick. (Committing every 10 ms instead saved
 * about 5 ms of a 300 ms demo crawl, but a kill then also redid requests completed in the last
 * 10 ms, not only those in flight: not worth it.) Deletes (`done`) are held back and
 * applied only after `barrier()` resolved (the feeds flushed the items scraped so far), so a
 * request is never forgotten before its items are on disk; the requests a response yielded are
 * inserted when yielded, before its delete, in the same or an earlier transaction. A kill at any
 * moment therefore loses no request (at-least-once).
 *
 * Tables: `requests` (id, slot, priority, state: 0 = only here, 1 = also in the frontier's memory,
 * data = the request as JSON), `seen` (20-byte fingerprints), `meta` (format version, start
 * progress, spider state).
 */
import { sqliteCode, type SqliteDatabase as Database, type SqliteStatement as Statement } from './sqlite-driver.js';
import { ArachneError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { SeenSet } from '../seen-set.js';
import { decodeRequest, encodeRequest } from './request-codec.js';
import type { JobStore, StartProgress, StoredRequest } from './store.js';
import type { Request } from '../../http/request.js';

/** The store's format; a job written by another format is refused (`ERR_JOB_VERSION`). */
export const JOB_FORMAT_VERSION = 1;

/**
 * Fingerprints kept in memory in front of the `seen` table: a link crawl sees most URLs several
 * times, and a hit here skips SQLite. 50,000 x ~100 bytes = ~5 MB, flat.
 */
const SEEN_CACHE = 50_000;
/** The spider state is saved with a commit at most this often (and always at close). */
const STATE_SAVE_MS = 10_000;
/** Slot seeks one `load()` may make: bounds its cost when most slots have no room. */
const MAX_SLOT_SEEKS = 256;

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    slot TEXT NOT NULL,
    priority INTEGER NOT NULL,
    state INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS requests_pick ON requests (state, slot, priority DESC, id);
  CREATE TABLE IF NOT EXISTS seen (fp BLOB PRIMARY KEY) WITHOUT ROWID;
`;

export interface SqliteJobStoreOptions {
  /** Resolves once every item scraped so far is in the feeds' files; deletes wait for it. */
  barrier?: () => Promise<void>;
  /** The crawl's clock (ms), for the periodic spider-state save. */
  now: () => number;
  /** The spider's live `state`, saved periodically. */
  spiderState?: () => Record<string, unknown> | undefined;
  /**
   * Called once when a store operation fails mid-crawl (disk full, an I/O error, the file
   * damaged under us): the crawl should stop. Later operations do nothing; what was committed
   * stays in the job dir for a resume.
   */
  onFailure?: (error: ArachneError) => void;
  logger: Logger;
}

/**
 * The seen set's memory front: the fingerprints added or found most recently, in two generations
 * of `SEEN_CACHE / 2` (a full young generation becomes the old one, the old one is dropped), so a
 * hit costs two Set lookups at most. Not lru-cache: it allocates its arrays for `max` up front,
 * 11 ms for 50,000 entries (measured on Node 20), paid by every crawl that opens a job, most of a
 * small crawl's job-dir overhead. Only speed depends on it: the `seen` table decides.
 */
class RecentSet {
  #young = new Set<string>();
  #old = new Set<string>();

  has(key: string): boolean {
    if (this.#young.has(key)) return true;
    if (!this.#old.has(key)) return false;
    this.add(key);
    return true;
  }

  add(key: string): void {
    if (this.#young.size >= SEEN_CACHE / 2) {
      this.#old = this.#young;
      this.#young = new Set();
    }
    this.#young.add(key);
  }
}

/** Runs a store operation; after a failure (reported once) returns `fallback` without touching the database. */
type Guard = <T>(what: string, fallback: T, run: () => T) => T;

class SqliteSeenSet implements SeenSet {
  readonly #cache = new RecentSet();
  readonly #insert: Statement;
  readonly #has: Statement;
  readonly #count: Statement;
  readonly #write: () => void;
  readonly #guard: Guard;

  constructor(db: Database, write: () => void, guard: Guard) {
    this.#insert = db.prepare('INSERT OR IGNORE INTO seen (fp) VALUES (?)');
    this.#has = db.prepare('SELECT 1 FROM seen WHERE fp = ?');
    this.#count = db.prepare('SELECT count(*) FROM seen');
    this.#write = write;
    this.#guard = guard;
  }

  add(fingerprint: string): boolean {
    if (this.#cache.has(fingerprint)) return false;
    this.#cache.add(fingerprint);
    // After a store failure the memory front alone answers (the crawl is stopping).
    return this.#guard('record a fingerprint', true, () => {
      this.#write();
      return Number(this.#insert.run(Buffer.from(fingerprint, 'hex')).changes) === 1;
    });
  }

  has(fingerprint: string): boolean {
    return this.#cache.has(fingerprint) || this.#guard('look up a fingerprint', false, () => this.#has.value(Buffer.from(fingerprint, 'hex')) !== undefined);
  }

  get size(): number {
    return this.#guard('count the seen set', 0, () => Number(this.#count.value()));
  }
}

export class SqliteJobStore implements JobStore {
  readonly seen: SeenSet;
  readonly resumed: boolean;
  readonly #db: Database;
  readonly #options: SqliteJobStoreOptions;
  readonly #insert: Statement;
  readonly #delete: Statement;
  readonly #markLoaded: Statement;
  readonly #nextSlot: Statement;
  readonly #slotRows: Statement;
  readonly #setMeta: Statement;
  readonly #getMeta: Statement;
  #nextId: number;
  #stored: number;
  #start: StartProgress;
  #startDirty = false;
  /** The slot the next `load()` starts after (round-robin over the slot space). */
  #cursor = '';
  #inTransaction = false;
  #commitQueued = false;
  #committing: Promise<void> | undefined;
  /** Ids whose processing completed, waiting for the barrier before their delete. */
  #deletes: number[] = [];
  #stateSavedAt: number;
  #stateFailed = false;
  #closed = false;
  /** The first failure of a store operation mid-crawl; every later operation is skipped. */
  #failure: ArachneError | undefined;

  /** `db` is open, checked and of this format (see `openJob`). */
  constructor(db: Database, options: SqliteJobStoreOptions) {
    this.#db = db;
    this.#options = options;
    db.exec(SCHEMA);
    this.#setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.#getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.resumed = this.#getMeta.value('format') !== undefined;
    if (!this.resumed) this.#setMeta.run('format', String(JOB_FORMAT_VERSION));
    // Rows the last run held in memory or had in flight are only in the store now.
    db.prepare('UPDATE requests SET state = 0 WHERE state = 1').run();
    this.#stored = Number(db.prepare('SELECT count(*) FROM requests').value());
    this.#nextId = Number(db.prepare('SELECT max(id) FROM requests').value() ?? 0) + 1;
    this.#start = {
      done: this.#getMeta.value('start.done') === '1',
      pulled: Number(this.#getMeta.value('start.pulled') ?? 0),
    };
    this.#insert = db.prepare('INSERT INTO requests (id, slot, priority, state, data) VALUES (?, ?, ?, ?, ?)');
    this.#delete = db.prepare('DELETE FROM requests WHERE id = ?');
    this.#markLoaded = db.prepare('UPDATE requests SET state = 1 WHERE id = ?');
    this.#nextSlot = db.prepare('SELECT slot FROM requests WHERE state = 0 AND slot > ? ORDER BY slot LIMIT 1');
    this.#slotRows = db.prepare('SELECT id, data FROM requests WHERE state = 0 AND slot = ? ORDER BY priority DESC, id LIMIT ?');
    this.seen = new SqliteSeenSet(db, () => this.#write(), (what, fallback, run) => this.#guard(what, fallback, run));
    this.#stateSavedAt = options.now();
  }

  get stored(): number {
    return this.#stored;
  }

  get start(): StartProgress {
    return this.#start;
  }

  add(request: Request, slot: string, inMemory: boolean): number {
    const id = this.#nextId++;
    const recorded = this.#guard('record a request', false, () => {
      this.#write();
      this.#insert.run(id, slot, request.priority, inMemory ? 1 : 0, encodeRequest(request));
      return true;
    });
    if (recorded && !inMemory) this.#stored++;
    return id;
  }

  load(max: number, room: (slot: string) => number): StoredRequest[] {
    return this.#guard('load queued requests', [], () => this.#load(max, room));
  }

  #load(max: number, room: (slot: string) => number): StoredRequest[] {
    const out: StoredRequest[] = [];
    if (max <= 0 || this.#stored === 0) return out;
    this.#write();
    let wrapped = false;
    // Index seeks (state, slot) rather than ROW_NUMBER() OVER (PARTITION BY slot): the window
    // function numbers every stored row on each call, O(queued); a seek per slot is O(log queued).
    for (let seeks = 0; out.length < max && seeks < MAX_SLOT_SEEKS; seeks++) {
      const slot = this.#nextSlot.value(this.#cursor) as string | undefined;
      if (slot === undefined) {
        if (wrapped || this.#cursor === '') break;
        wrapped = true;
        this.#cursor = '';
        continue;
      }
      this.#cursor = slot;
      const take = Math.min(room(slot), max - out.length);
      if (take <= 0) continue;
      for (const row of this.#slotRows.all(slot, take) as { id: number; data: string }[]) {
        this.#markLoaded.run(row.id);
        out.push({ id: row.id, slot, request: decodeRequest(row.data) });
      }
    }
    this.#stored -= out.length;
    return out;
  }

  done(id: number): void {
    this.#deletes.push(id);
    this.#scheduleCommit();
  }

  recordStart(progress: StartProgress): void {
    this.#start = progress;
    this.#startDirty = true;
    this.#guard('record start progress', undefined, () => this.#write());
  }

  loadSpiderState(): Record<string, unknown> | undefined {
    const text = this.#getMeta.value('spider.state') as string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
  }

  async flush(): Promise<void> {
    while (!this.#failure && (this.#committing || this.#inTransaction || this.#deletes.length > 0)) {
      if (this.#committing) await this.#committing;
      else await this.#commit();
    }
  }

  async close(spiderState: Record<string, unknown> | undefined): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    if (!this.#failure) {
      this.#guard('save the spider state', undefined, () => {
        if (spiderState !== undefined) this.#saveState(spiderState);
        // Fold the WAL back into the database file: a finished job dir is one file.
        this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      });
    }
    try {
      this.#db.close();
    } catch {
      // Closing a database that failed: nothing more can be saved; the failure was reported.
    }
  }

  #guard<T>(what: string, fallback: T, run: () => T): T {
    if (this.#failure) return fallback;
    try {
      return run();
    } catch (error) {
      this.#fail(what, error);
      return fallback;
    }
  }

  #fail(what: string, error: unknown): void {
    if (this.#failure) return;
    // SQLite's own name (SQLITE_FULL...) on either driver; node:sqlite says ERR_SQLITE_ERROR + a number.
    const code = sqliteCode(error) ?? (error as { code?: unknown }).code;
    const failure = new ArachneError('ERR_JOB_STORE', 'close', `the job store could not ${what} (${typeof code === 'string' ? `${code}: ` : ''}${(error as Error).message}); the crawl stops`, {
      hint: 'free disk space or fix the job dir, then run the same command again: it resumes from the last commit (requests since then are fetched again); items already written stay in the feeds',
      cause: error,
    });
    this.#failure = failure;
    this.#inTransaction = false;
    this.#deletes = [];
    this.#options.logger.error(`${failure.code}: ${failure.message}`);
    this.#options.onFailure?.(failure);
  }

  /** Every write runs inside the tick's transaction. */
  #write(): void {
    if (this.#closed) throw new Error('the job store is closed');
    if (!this.#inTransaction) {
      this.#db.exec('BEGIN');
      this.#inTransaction = true;
    }
    this.#scheduleCommit();
  }

  #scheduleCommit(): void {
    if (this.#commitQueued || this.#failure) return;
    this.#commitQueued = true;
    setImmediate(() => {
      this.#commitQueued = false;
      if (!this.#committing) void this.#commit();
    });
  }

  #commit(): Promise<void> {
    const run = async (): Promise<void> => {
      const deletes = this.#deletes;
      this.#deletes = [];
      if (deletes.length > 0 && this.#options.barrier) {
        // The transaction stays open meanwhile: inserts made while waiting join this commit.
        try {
          await this.#options.barrier();
        } catch (error) {
          this.#options.logger.error(`job: waiting for the feeds failed (${String(error)}); requests are forgotten anyway`);
        }
      }
      if (deletes.length > 0 || this.#startDirty) this.#write();
      for (const id of deletes) this.#delete.run(id);
      if (this.#startDirty) {
        this.#setMeta.run('start.done', this.#start.done ? '1' : '0');
        this.#setMeta.run('start.pulled', String(this.#start.pulled));
        this.#startDirty = false;
      }
      const now = this.#options.now();
      if (this.#options.spiderState && now - this.#stateSavedAt >= STATE_SAVE_MS) {
        this.#stateSavedAt = now;
        const state = this.#options.spiderState();
        if (state !== undefined) this.#saveState(state);
      }
      if (this.#inTransaction) {
        this.#db.exec('COMMIT');
        this.#inTransaction = false;
      }
    };
    const committing = run().catch((error: unknown) => this.#fail('commit', error)).finally(() => {
      this.#committing = undefined;
      if (!this.#failure && (this.#deletes.length > 0 || this.#inTransaction)) this.#scheduleCommit();
    });
    this.#committing = committing;
    return committing;
  }

  #saveState(state: Record<string, unknown>): void {
    let text: string;
    try {
      text = JSON.stringify(state);
    } catch (error) {
      if (!this.#stateFailed) this.#options.logger.error(`job: spider.state is not JSON-serialisable, not saved: ${String(error)}`);
      this.#stateFailed = true;
      return;
    }
    this.#setMeta.run('spider.state', text);
  }
}
