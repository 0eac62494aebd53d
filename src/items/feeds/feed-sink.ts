/**
 * Where a feed's bytes go: a file or stdout, written with backpressure. A feed writer hands the
 * sink whole lines, one `write` per item, so a crash or a full disk never leaves half an item
 * interleaved with the next one.
 */
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

export interface FeedSink {
  /** Resolves once the stream accepts more (after 'drain' when its buffer is full). */
  write(chunk: string): Promise<void>;
  /** Flush and release the sink; stdout is flushed but left open. */
  close(): Promise<void>;
  /**
   * Resolves once every chunk written so far reached the file descriptor (the OS holds it: a
   * killed process loses none of it). A job store waits for this before forgetting a request.
   */
  flushed(): Promise<void>;
}

class StreamSink implements FeedSink {
  readonly #stream: Writable;
  readonly #owned: boolean;
  #error: unknown;
  readonly #onError = (error: unknown): void => {
    this.#error ??= error;
    // A dead stream flushes nothing more: nobody may wait on it forever.
    for (const waiter of this.#flushWaiters.splice(0)) waiter.resolve();
  };
  /** Chunks handed to the stream, and those whose write callback ran (they complete in order). */
  #issued = 0;
  #completed = 0;
  /** `flushed()` calls waiting for `#completed` to reach their target, targets ascending. */
  readonly #flushWaiters: { target: number; resolve: () => void }[] = [];
  readonly #onWritten = (): void => {
    this.#completed++;
    while (this.#flushWaiters.length > 0 && this.#flushWaiters[0]!.target <= this.#completed) this.#flushWaiters.shift()!.resolve();
  };

  constructor(stream: Writable, owned: boolean) {
    this.#stream = stream;
    this.#owned = owned;
    // Without a listener a late write error (EPIPE on stdout, ENOSPC) would crash the process;
    // keep it and fail the next write or the close instead.
    stream.on('error', this.#onError);
  }

  async write(chunk: string): Promise<void> {
    if (this.#error !== undefined) throw this.#error;
    // once() rejects if 'error' is emitted while we wait, so a dead stream never hangs the crawl.
    this.#issued++;
    if (!this.#stream.write(chunk, this.#onWritten)) await once(this.#stream, 'drain');
  }

  flushed(): Promise<void> {
    // Only the chunks written so far: later writes must not hold back a caller that came earlier.
    const target = this.#issued;
    if (this.#completed >= target || this.#error !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push({ target, resolve }));
  }

  async close(): Promise<void> {
    try {
      if (this.#owned) {
        this.#stream.end();
        await finished(this.#stream);
      } else if (this.#stream.writableNeedDrain && this.#error === undefined) {
        await once(this.#stream, 'drain');
      }
      if (this.#error !== undefined) throw this.#error;
    } finally {
      if (!this.#owned) this.#stream.off('error', this.#onError);
    }
  }
}

/**
 * Open a file sink. A FileHandle rather than `fs.createWriteStream(path)` so that a path that
 * cannot be opened fails here, at open time, instead of in a later 'error' event.
 *
 * @param flags `'w'` to replace, `'a'` to append.
 */
export async function openFileSink(path: string, flags: 'w' | 'a'): Promise<FeedSink> {
  const handle = await open(path, flags);
  return new StreamSink(handle.createWriteStream(), true);
}

/** A sink over a stream the feed does not own (stdout): closing it flushes but does not end it. */
export function streamSink(stream: Writable): FeedSink {
  return new StreamSink(stream, false);
}
