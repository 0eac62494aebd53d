import { open, type FileHandle } from 'node:fs/promises';

export interface TraceWriterOptions {
  /**
   * Characters of lines held in memory (buffered plus being written) before new lines are
   * dropped and counted instead of growing memory. Default 8 MiB.
   */
  maxBufferChars?: number;
  /** Buffered characters that start a write at once. Default 64 KiB. */
  flushChars?: number;
  /** A partly filled buffer is written at least this often, in ms (0 = only by size and at close). Default 1000. */
  flushIntervalMs?: number;
  /** Called once when a write fails (disk full...): later lines are dropped and counted. */
  onError?: (error: Error) => void;
}

/**
 * Appends the trace's lines to its file without ever blocking the caller: lines are buffered, written in
 * batches by one write at a time, and when the disk falls behind the buffer stops growing: new
 * lines are dropped and counted (`dropped`). A crawl's event loop never waits on its trace.
 */
export class TraceWriter {
  readonly #handle: FileHandle;
  readonly #max: number;
  readonly #flushChars: number;
  readonly #onError: (error: Error) => void;
  #chunks: string[] = [];
  #buffered = 0;
  #writingChars = 0;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failed = false;
  #closed = false;
  /** Lines dropped because the buffer was full or the file failed. */
  dropped = 0;
  /** Lines accepted. */
  written = 0;

  private constructor(handle: FileHandle, options: TraceWriterOptions) {
    this.#handle = handle;
    this.#max = options.maxBufferChars ?? 8 * 1024 * 1024;
    this.#flushChars = options.flushChars ?? 64 * 1024;
    this.#onError = options.onError ?? (() => {});
    const interval = options.flushIntervalMs ?? 1000;
    if (interval > 0) {
      this.#timer = setInterval(() => this.#flush(), interval);
      // A trace must never keep a finished process alive.
      this.#timer.unref();
    }
  }

  /** Opens (creates or truncates) `path`; rejects with the file system's error. */
  static async open(path: string, options: TraceWriterOptions = {}): Promise<TraceWriter> {
    return new TraceWriter(await open(path, 'w'), options);
  }

  /** Queues one line (without its newline); false when it was dropped. */
  write(line: string): boolean {
    const size = line.length + 1;
    if (this.#closed || this.#failed || this.#buffered + this.#writingChars + size > this.#max) {
      this.dropped++;
      return false;
    }
    this.#chunks.push(line);
    this.#buffered += size;
    this.written++;
    if (this.#buffered >= this.#flushChars) this.#flush();
    return true;
  }

  /** Writes what is buffered plus `lastLine` (never dropped), then closes the file. */
  async close(lastLine?: string): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    while (this.#writing) await this.#writing;
    if (lastLine !== undefined) {
      this.#chunks.push(lastLine);
      this.#buffered += lastLine.length + 1;
    }
    this.#flush();
    while (this.#writing) await this.#writing;
    await this.#handle.close();
  }

  #flush(): void {
    if (this.#writing || this.#chunks.length === 0) return;
    const text = `${this.#chunks.join('\n')}\n`;
    this.#writingChars = this.#buffered;
    this.#chunks = [];
    this.#buffered = 0;
    this.#writing = this.#writeAll(text).finally(() => {
      this.#writing = undefined;
      this.#writingChars = 0;
      if (this.#buffered >= this.#flushChars || (this.#closed && this.#chunks.length > 0)) this.#flush();
    });
  }

  async #writeAll(text: string): Promise<void> {
    if (this.#failed) return;
    try {
      await this.#handle.writeFile(text);
    } catch (error) {
      this.#failed = true;
      this.#onError(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
