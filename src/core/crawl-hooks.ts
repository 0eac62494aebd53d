/**
 * The user's hooks into a crawl, kept out of crawler.ts: extensions (opened before the spider,
 * closed after the final stats), the spider's `opened()` / `closed()`, and the field coverage
 * check of typed items at close (`items.minCoverage`).
 */
import type { Extension, ExtensionClass, ExtensionContext } from '../extensions/extension.js';
import type { ItemProcessor } from '../items/item-processor.js';
import type { Logger } from '../log.js';
import type { SettingValues } from '../settings/defaults.js';
import type { SpiderMiddlewareClass, SpiderMiddlewaresRef } from '../spidermw/spider-middleware.js';
import type { Stats } from '../stats.js';

/** Apply a config's `spiderMiddlewares` (if any) over `base`. */
export function resolveSpiderMiddlewares(base: readonly SpiderMiddlewareClass[], ref: SpiderMiddlewaresRef | undefined): readonly SpiderMiddlewareClass[] {
  if (ref === undefined) return base;
  return typeof ref === 'function' ? ref(base) : ref;
}

/** Constructs and opens the extensions in order; if one fails, those opened are closed and the error thrown. */
export async function openExtensions(classes: readonly ExtensionClass[], context: ExtensionContext): Promise<Extension[]> {
  const opened: Extension[] = [];
  try {
    for (const E of classes) {
      const extension = new E(context);
      opened.push(extension);
      await extension.open?.();
    }
  } catch (error) {
    await closeExtensions(opened, 'failed', context.logger);
    throw error;
  }
  return opened;
}

/** Closes the extensions in reverse order; a failing one is logged and does not stop the others. */
export async function closeExtensions(extensions: readonly Extension[], reason: string, logger: Logger): Promise<void> {
  for (const extension of [...extensions].reverse()) {
    try {
      await extension.close?.(reason);
    } catch (error) {
      logger.error(`extension ${extension.constructor.name} failed to close: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * Writes the coverage figures of typed items into the stats and checks `items.minCoverage`:
 * each field below its threshold is logged as an error and counted in `item/coverage/failed`
 * (`crawl run` then exits with status 3).
 */
export function finishCoverage(items: ItemProcessor, settings: Readonly<SettingValues>, stats: Stats, logger: Logger): void {
  items.coverage.record(stats);
  const failures = items.coverage.check(settings['items.minCoverage']);
  if (failures.length === 0) return;
  stats.set('item/coverage/failed', failures.length);
  for (const f of failures) {
    logger.error(`field coverage too low: ${f.type}.${f.field} is filled in ${(f.coverage * 100).toFixed(1)}% of items, below items.minCoverage ${(f.threshold * 100).toFixed(1)}%`);
  }
}
