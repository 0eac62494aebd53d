/**
 * The crawl's stats: a flat map of counters and gauges (`downloader/requests`,
 * `downloader/status/200`, `item/scraped`...), dumped at close and readable live by extensions.
 * Keys are slash-separated, most general first, so a sorted dump groups related figures.
 */
export type StatValue = number | string;

/** Names a stats family (`connections/new_by_host`...) lists one by one; later ones count under `(other)`. */
export const MAX_KEYS_PER_FAMILY = 1_000;

export class Stats {
  readonly #values = new Map<string, StatValue>();
  /** Keys made so far per family (`incPer`). */
  readonly #families = new Map<string, number>();

  /** Add `by` (default 1) to a counter. */
  inc(key: string, by = 1): void {
    const current = this.#values.get(key);
    this.#values.set(key, (typeof current === 'number' ? current : 0) + by);
  }

  /**
   * Add `by` to `${family}/${name}` for the first MAX_KEYS_PER_FAMILY names of the family, and
   * to `${family}/(other)` for later ones: a crawl of 100,000 hosts does not make 100,000 keys.
   */
  incPer(family: string, name: string, by = 1): void {
    let key = `${family}/${name}`;
    if (!this.#values.has(key)) {
      const made = this.#families.get(family) ?? 0;
      if (made >= MAX_KEYS_PER_FAMILY) key = `${family}/(other)`;
      else this.#families.set(family, made + 1);
    }
    this.inc(key, by);
  }

  set(key: string, value: StatValue): void {
    this.#values.set(key, value);
  }

  /** Keep the larger of the current and the given value (a peak gauge). */
  max(key: string, value: number): void {
    const current = this.#values.get(key);
    if (typeof current !== 'number' || value > current) this.#values.set(key, value);
  }

  get(key: string): StatValue | undefined {
    return this.#values.get(key);
  }

  /** A counter's value, 0 when never counted. */
  count(key: string): number {
    const value = this.#values.get(key);
    return typeof value === 'number' ? value : 0;
  }

  /** Every stat, keys sorted. */
  toJSON(): Record<string, StatValue> {
    return Object.fromEntries([...this.#values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
