/**
 * Time as the engine sees it. Injected so tests can drive time-dependent logic without sleeping.
 * `now()` is ms since the epoch (retry times survive a restart in a job dir).
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
