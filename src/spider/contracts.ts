/**
 * Spider contracts (Scrapy's, as data instead of docstrings): a spider declares what each
 * callback yields for a known URL, and `crawl check` fetches the URL, runs the callback and
 * verifies it.
 *
 * ```ts
 * static contracts: Contracts = {
 *   parseItem: { url: 'https://shop.example/p/1', returns: { items: [1, 1], requests: [0, 0] }, scrapes: ['title', 'price'] },
 * };
 * ```
 */

/** A count range: `[min, max]`, `[min]` (no maximum), or one number (exactly that many). */
export type CountRange = number | readonly [number] | readonly [number, number];

/** What one callback must do for one URL. */
export interface Contract {
  /** The page to fetch (its response goes to the callback). */
  url: string;
  /** How many items and requests the callback yields. Default: not checked. */
  returns?: { items?: CountRange; requests?: CountRange };
  /** Fields every yielded item must have (present and neither undefined nor null). Default none. */
  scrapes?: readonly string[];
  /** Keyword arguments for the callback (`cbKwargs`). Default `{}`. */
  cbKwargs?: Record<string, unknown>;
}

/** A spider's contracts: callback method name to its contract (or several, for several URLs). */
export type Contracts = Record<string, Contract | readonly Contract[]>;
