/**
 * The shape and check of the `slots` setting: per-slot overrides by pattern. The frontier applies
 * them (src/scheduler/slot-rules.ts); here is only what a valid value looks like.
 */
import { MAX_TIMER_MS, SpecMismatch } from './spec.js';

export interface SlotOverride {
  /** Requests of the slot in flight at once. */
  concurrency?: number;
  delayMs?: number;
  randomizeDelay?: boolean;
  /** Token-bucket rate; 0 = no rate limit. */
  ratePerMinute?: number;
  /** Token-bucket capacity. */
  burst?: number;
}

const OVERRIDE_KEYS: Record<keyof SlotOverride, 'posint' | 'nonneg' | 'timer' | 'boolean'> = {
  concurrency: 'posint',
  delayMs: 'timer',
  randomizeDelay: 'boolean',
  ratePerMinute: 'nonneg',
  burst: 'posint',
};

const PATTERN = /^(\*\.)?[a-z0-9_]([a-z0-9_.:-]*[a-z0-9_])?$/i;

/** The settings check for `slots`: each pattern well-formed, each option of the right type. */
export function checkSlotRules(value: unknown): Record<string, SlotOverride> | SpecMismatch {
  const type = 'Record<pattern, {concurrency?, delayMs?, randomizeDelay?, ratePerMinute?, burst?}>';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return new SpecMismatch(type);
  const out: Record<string, SlotOverride> = {};
  for (const [pattern, raw] of Object.entries(value)) {
    // `constructor`, `__proto__`, `toString`...: never a host, and `out.__proto__ = ...` would set
    // the prototype instead of a rule.
    if (pattern in Object.prototype || pattern.toLowerCase() in Object.prototype) return new SpecMismatch(`${type}; "${pattern}" is a name of Object.prototype, not a host name, "*.domain" or slot key`);
    if (!PATTERN.test(pattern)) return new SpecMismatch(`${type}; "${pattern}" is not a host name, "*.domain" or slot key`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return new SpecMismatch(type);
    for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
      const kind = OVERRIDE_KEYS[key as keyof SlotOverride];
      if (!kind) return new SpecMismatch(`${type}; unknown slot option "${key}" for "${pattern}"`);
      const ok =
        kind === 'boolean'
          ? typeof v === 'boolean'
          : typeof v === 'number' && Number.isFinite(v) && (kind === 'posint' ? Number.isInteger(v) && v >= 1 : v >= 0 && (kind !== 'timer' || v <= MAX_TIMER_MS));
      const expected = kind === 'boolean' ? 'a boolean' : kind === 'posint' ? 'an integer >= 1' : kind === 'timer' ? `a number from 0 to ${MAX_TIMER_MS}` : 'a number >= 0';
      if (!ok) return new SpecMismatch(`${type}; "${pattern}".${key} must be ${expected}`);
    }
    out[pattern.toLowerCase()] = { ...(raw as SlotOverride) };
  }
  return out;
}

