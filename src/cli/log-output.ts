/**
 * Where a crawl's log lines go: stderr as text or JSON (`log.json`, `--json`: one object per line
 * with time, level, logger and message), also appended to `log.file`, and kept clear of the
 * progress line. Written by hand rather than with pino: it is a few lines on top of LogSink, and
 * a CLI writing a few lines a second needs no transport threads or async buffering.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { LogSink } from '../log.js';
import type { ProgressLine } from '../extensions/progress.js';

type Level = Parameters<LogSink>[0];

export function textLine(time: Date, level: Level, name: string, message: string): string {
  return `${time.toISOString()} [${name}] ${level.toUpperCase()}: ${message}\n`;
}

export function jsonLine(time: Date, level: Level, name: string, message: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ time: time.toISOString(), level, logger: name, message, ...extra })}\n`;
}

export interface LogOutputStream {
  write(chunk: string): unknown;
}

export class LogOutput {
  readonly #stream: LogOutputStream;
  #json = false;
  #file: WriteStream | undefined;
  #progress: ProgressLine | undefined;

  constructor(stream: LogOutputStream = process.stderr) {
    this.#stream = stream;
  }

  /** Applies `log.json` and `log.file` (known only once the crawler has merged the settings). */
  configure(options: { json: boolean; file: string }): void {
    this.#json = options.json;
    if (options.file) {
      const file = createWriteStream(options.file, { flags: 'a' });
      // Without a listener a failing log file (no permission, a full disk) crashes Node with
      // "Unhandled 'error' event"; the crawl goes on logging to stderr instead.
      file.on('error', (error: NodeJS.ErrnoException) => {
        if (this.#file !== file) return;
        this.#file = undefined;
        this.#stream.write(`warning ERR_OUTPUT_PATH: log.file ${options.file} cannot be written (${error.code ?? error.message}); logging to stderr only\n  fix: pick a writable path for --log-file\n`);
      });
      this.#file = file;
    }
  }

  /** The progress line to clear before each log line and redraw after it. */
  set progress(progress: ProgressLine | undefined) {
    this.#progress = progress;
  }

  readonly sink: LogSink = (level, name, message) => this.write(this.#json ? jsonLine(new Date(), level, name, message) : textLine(new Date(), level, name, message));

  /** Writes a finished line (or block) to the stream and the file. */
  write(line: string): void {
    const redraw = this.#progress?.shown === true;
    this.#progress?.clear();
    this.#stream.write(line);
    if (redraw) this.#progress?.draw();
    this.#file?.write(line);
  }

  /** The final stats: a JSON line in JSON mode, the indented dump otherwise. */
  writeStats(spiderName: string, stats: Record<string, unknown>): void {
    this.write(this.#json ? jsonLine(new Date(), 'info', 'arachne.stats', `stats of ${spiderName}`, { stats }) : `Stats (${spiderName}):\n${JSON.stringify(stats, null, 2)}\n`);
  }

  /** Flushes and closes the log file. */
  async close(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    // A file that failed was already reported; closing it must not fail the crawl's exit.
    if (file) await new Promise<void>((resolve) => file.end(() => resolve()));
  }
}
