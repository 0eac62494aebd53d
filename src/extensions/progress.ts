/**
 * The live status line of a crawl on a terminal: pages, items, rates, in flight versus the limit,
 * queued, errors, connection reuse, elapsed time and, when a `closeSpider` count is set, an ETA.
 * It is redrawn in place (`\r` + erase line) and cleared before any normal log line is written,
 * so log lines never mix with it. Without a TTY the periodic LogStats line is used instead.
 */
import type { Clock } from '../clock.js';
import type { Stats } from '../stats.js';
import type { SettingValues } from '../settings/defaults.js';

/** Where the line is drawn: stderr, or any object with the same three members (tests). */
export interface ProgressStream {
  isTTY?: boolean;
  /** Terminal width; the line is cut to fit it. */
  columns?: number;
  write(chunk: string): unknown;
}

/** Live counts the stats do not hold. */
export interface ProgressCounts {
  inFlight: number;
  queued: number;
}

export interface ProgressOptions {
  stream: ProgressStream;
  stats: Stats;
  settings: Readonly<SettingValues>;
  counts: () => ProgressCounts;
  clock: Clock;
  /** How often the line is redrawn, in ms. Default 250. */
  intervalMs?: number;
}

/** Erases the current terminal line: carriage return, then ECMA-48 EL (erase whole line). */
export const CLEAR_LINE = '\r\x1b[2K';

/** `75` -> `1:15`, `3725` -> `1:02:05`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class ProgressLine {
  readonly #options: ProgressOptions;
  readonly #intervalMs: number;
  #startedAt = 0;
  #timer: unknown;
  #shown = false;

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? 250;
  }

  /** True when the stream is a terminal: callers fall back to LogStats otherwise. */
  static supported(stream: ProgressStream): boolean {
    return stream.isTTY === true;
  }

  start(): void {
    this.#startedAt = this.#options.clock.now();
    this.draw();
    this.#schedule();
  }

  /** The status text for the current moment, not yet cut to the terminal width. */
  render(): string {
    const { stats, settings } = this.#options;
    const { inFlight, queued } = this.#options.counts();
    const elapsedMs = Math.max(0, this.#options.clock.now() - this.#startedAt);
    const pages = stats.count('response/received');
    const items = stats.count('item/scraped');
    const perMinute = (n: number): number => (elapsedMs > 0 ? Math.round((n * 60_000) / elapsedMs) : 0);
    const errors = stats.count('request/failed') + stats.count('spider/exceptions');
    const reused = stats.count('connections/reused');
    const opened = stats.count('connections/new');
    const parts = [
      `pages ${pages} (${perMinute(pages)}/min)`,
      `items ${items} (${perMinute(items)}/min)`,
      `in flight ${inFlight}/${settings['concurrency.global']}`,
      `queued ${queued}`,
      `errors ${errors}`,
    ];
    if (reused + opened > 0) parts.push(`reuse ${Math.round((reused / (reused + opened)) * 100)}%`);
    parts.push(formatDuration(elapsedMs / 1000));
    const eta = this.#eta(elapsedMs, pages, items);
    if (eta !== undefined) parts.push(`ETA ${eta}`);
    return parts.join(' | ');
  }

  /** Time left until the first `closeSpider` count is reached, at the average rate so far. */
  #eta(elapsedMs: number, pages: number, items: number): string | undefined {
    const { settings } = this.#options;
    const targets: [number, number][] = [
      [settings['closeSpider.pageCount'], pages],
      [settings['closeSpider.itemCount'], items],
    ];
    let best: number | undefined;
    for (const [target, done] of targets) {
      if (target <= 0) continue;
      if (done === 0 || elapsedMs === 0) return best === undefined ? '?' : formatDuration(best);
      const seconds = ((Math.max(0, target - done) * elapsedMs) / done) / 1000;
      best = best === undefined ? seconds : Math.min(best, seconds);
    }
    return best === undefined ? undefined : formatDuration(best);
  }

  /** Redraws the line in place, cut to the terminal width (one column spare: no auto-wrap). */
  draw(): void {
    const width = Math.max(10, (this.#options.stream.columns ?? 80) - 1);
    const text = this.render();
    this.#options.stream.write(`${CLEAR_LINE}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.#shown = true;
  }

  /** Erases the line (before a log line is written, and at the end). */
  clear(): void {
    if (!this.#shown) return;
    this.#options.stream.write(CLEAR_LINE);
    this.#shown = false;
  }

  /** True while the line is on screen (between a draw and a clear). */
  get shown(): boolean {
    return this.#shown;
  }

  stop(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.clear();
  }

  #schedule(): void {
    this.#timer = this.#options.clock.setTimeout(() => {
      this.draw();
      this.#schedule();
    }, this.#intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }
}
