/**
 * The one catalogue of Arachne's coded errors.
 *
 * Every error Arachne raises is an `ArachneError` with a stable `code` (`ERR_...`) and a `kind`
 * that says what the engine does with it:
 *
 * - `config`: bad settings, CLI arguments or project files; the crawl does not start.
 * - `retry`: a transient network failure; the retry middleware may try the request again.
 * - `drop`: the request (or response) is dropped, counted and logged; the crawl goes on.
 * - `callback`: spider code failed on one response; that response is counted as failed.
 * - `item`: an item was dropped by a pipeline or could not be written.
 * - `close`: the crawl must close (a spider raised `CloseSpider`, a feed cannot be opened).
 *
 * Codes survive the worker boundary (see `toErrorData` / `fromErrorData`): match on `code`, not on
 * the class.
 */

export type ErrorKind = 'config' | 'retry' | 'drop' | 'callback' | 'item' | 'close';

export interface ArachneErrorOptions {
  /** What to do about it, shown after the message. */
  hint?: string;
  cause?: unknown;
}

export class ArachneError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;

  constructor(code: string, kind: ErrorKind, message: string, options: ArachneErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.kind = kind;
    this.hint = options.hint;
  }

  /** The message with its code and hint, as the CLI prints it. */
  describe(): string {
    return `${this.code}: ${this.message}${this.hint ? `\n  fix: ${this.hint}` : ''}`;
  }
}

/** Bad settings, arguments, spider or config files. */
export class ConfigError extends ArachneError {
  constructor(code: string, message: string, options?: ArachneErrorOptions) {
    super(code, 'config', message, options);
  }
}

/** A transient failure worth retrying (timeouts, resets, refused connections). */
export class RetryableError extends ArachneError {
  constructor(code: string, message: string, options?: ArachneErrorOptions) {
    super(code, 'retry', message, options);
  }
}

/** The request or response is dropped; the crawl goes on. */
export class DropRequestError extends ArachneError {
  constructor(code: string, message: string, options?: ArachneErrorOptions) {
    super(code, 'drop', message, options);
  }
}

/** Spider code failed on one response. */
export class CallbackError extends ArachneError {
  constructor(code: string, message: string, options?: ArachneErrorOptions) {
    super(code, 'callback', message, options);
  }
}

/** Thrown by a pipeline to drop an item (Scrapy's `DropItem`). */
export class DropItem extends ArachneError {
  constructor(reason: string) {
    super('ERR_ITEM_DROPPED', 'item', reason);
  }
}

/** Thrown by spider code to close the crawl (Scrapy's `CloseSpider`). */
export class CloseSpider extends ArachneError {
  readonly reason: string;
  constructor(reason = 'cancelled') {
    super('ERR_CLOSE_SPIDER', 'close', `spider asked to close: ${reason}`);
    this.reason = reason;
  }
}

/** An error flattened to data, so it can cross a worker boundary or be written to a trace. */
export interface ErrorData {
  name: string;
  code: string;
  kind: ErrorKind;
  message: string;
  hint?: string;
  stack?: string;
}

export function toErrorData(error: unknown): ErrorData {
  if (error instanceof ArachneError) {
    return {
      name: error.name,
      code: error.code,
      kind: error.kind,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      code: typeof code === 'string' ? code : 'ERR_UNKNOWN',
      kind: 'callback',
      message: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { name: 'Error', code: 'ERR_UNKNOWN', kind: 'callback', message: String(error) };
}

export function fromErrorData(data: ErrorData): ArachneError {
  const error = new ArachneError(data.code, data.kind, data.message, data.hint ? { hint: data.hint } : {});
  error.name = data.name;
  if (data.stack) error.stack = data.stack;
  return error;
}

/** The `code` of any error: Arachne's, Node's (`ECONNRESET`), undici's (`UND_ERR_...`) or `ERR_UNKNOWN`. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERR_UNKNOWN';
}
