/**
 * What a crawl opened, closed in reverse: every component that start-up opens registers its
 * closer right after it opens, so a failure at any point of start-up closes exactly what was
 * opened, last first, and a finished crawl closes through the same list.
 */
import type { Logger } from '../log.js';

/** How the crawl ended, for closers that close differently after a failed start-up. */
export interface CloseOutcome {
  /** The close reason (`finished`, `shutdown`...) or `failed` when start-up threw. */
  reason: string;
  /** True when start-up failed before the engine ran. */
  failed: boolean;
}

type Closer = (outcome: CloseOutcome) => void | Promise<void>;

export class Closers {
  readonly #logger: Logger;
  readonly #stack: { name: string; close: Closer }[] = [];

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Registers `close` for what was just opened. */
  push(name: string, close: Closer): void {
    this.#stack.push({ name, close });
  }

  /**
   * Runs every closer, last registered first, once. A closer that fails is logged and the rest
   * still run: one stuck component must not keep the others (feeds above all) open.
   */
  async closeAll(outcome: CloseOutcome): Promise<void> {
    for (let entry = this.#stack.pop(); entry !== undefined; entry = this.#stack.pop()) {
      try {
        await entry.close(outcome);
      } catch (error) {
        this.#logger.error(`closing ${entry.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
