/**
 * Per-slot overrides by domain pattern (the `slots` setting, checked by src/settings/slots.ts):
 * `{ "*.example.com": { concurrency: 2, delayMs: 1000, ratePerMinute: 30 } }`.
 *
 * A pattern is a host name (`shop.example`), a wildcard for its subdomains (`*.example.com`:
 * `a.example.com` and `a.b.example.com`, not `example.com` itself), or a `meta.slot` key used
 * verbatim. An exact match wins over a wildcard; among wildcards the longest wins.
 */
import type { SlotOverride } from '../settings/slots.js';
import type { SlotOptions } from './slot.js';

export class SlotRules {
  readonly #exact = new Map<string, SlotOverride>();
  /** Wildcards as [".example.com", override], longest first. */
  readonly #wildcards: [string, SlotOverride][] = [];
  readonly #used = new Set<string>();

  constructor(rules: Record<string, SlotOverride>) {
    for (const [pattern, override] of Object.entries(rules)) {
      if (pattern.startsWith('*.')) this.#wildcards.push([pattern.slice(1), override]);
      else this.#exact.set(pattern, override);
    }
    this.#wildcards.sort((a, b) => b[0].length - a[0].length);
  }

  get size(): number {
    return this.#exact.size + this.#wildcards.length;
  }

  /** The override for a slot key, if a pattern matches. */
  match(key: string): SlotOverride | undefined {
    const lower = key.toLowerCase();
    const exact = this.#exact.get(lower);
    if (exact) {
      this.#used.add(lower);
      return exact;
    }
    for (const [suffix, override] of this.#wildcards) {
      if (lower.endsWith(suffix)) {
        this.#used.add(`*${suffix}`);
        return override;
      }
    }
    return undefined;
  }

  /**
   * A slot's effective options: the defaults with the rule matching `key`, if any. The one place
   * slot limits are merged: the frontier builds its slots from it and the cluster's budgets
   * (`slotBudget`) read it.
   */
  optionsFor(key: string, defaults: SlotOptions): SlotOptions {
    const override = this.match(key);
    if (!override) return defaults;
    return {
      ...defaults,
      limit: override.concurrency ?? defaults.limit,
      delayMs: override.delayMs ?? defaults.delayMs,
      randomizeDelay: override.randomizeDelay ?? defaults.randomizeDelay,
      ratePerMinute: override.ratePerMinute ?? defaults.ratePerMinute,
      burst: override.burst ?? defaults.burst,
    };
  }

  /** Patterns that matched no slot so far (reported at close: likely a typo). */
  unused(): string[] {
    return [...this.#exact.keys(), ...this.#wildcards.map(([s]) => `*${s}`)].filter((p) => !this.#used.has(p));
  }
}
