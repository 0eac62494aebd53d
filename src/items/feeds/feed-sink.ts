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
}

class StreamSink implements FeedSink {
  readonly #stream: Writable;
  readonly #owned: boolean;
  #error: unknown;
  readonly #onError = (error: unknown): void => {
    this.#error ??= error;
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
    if (!this.#stream.write(chunk)) await once(this.#stream, 'drain');
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
