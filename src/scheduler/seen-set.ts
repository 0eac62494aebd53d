/**
 * The dupefilter's memory: fixed-size request fingerprints, never URLs, so its size depends on
 * the number of requests and not on how long their URLs are. Stores on disk or in Redis implement
 * the same interface.
 */
export interface SeenSet {
  /** Records the fingerprint; false when it was already there. */
  add(fingerprint: string): boolean;
  has(fingerprint: string): boolean;
  readonly size: number;
}

export class MemorySeenSet implements SeenSet {
  readonly #seen = new Set<string>();

  add(fingerprint: string): boolean {
    if (this.#seen.has(fingerprint)) return false;
    this.#seen.add(fingerprint);
    return true;
  }

  has(fingerprint: string): boolean {
    return this.#seen.has(fingerprint);
  }

  get size(): number {
    return this.#seen.size;
  }
}
