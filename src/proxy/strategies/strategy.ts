/** What a selection strategy sees of a proxy. */
export interface Candidate {
  readonly id: string;
  /** When a request last went through it (the engine's clock, ms); -Infinity when never. */
  readonly lastUsedAt: number;
  /** Successes over successes + proxy failures in its window (1 with no evidence). */
  readonly successRate: number;
}

/**
 * Picks one proxy among candidates that all have room and are usable. Strategies are pure:
 * time and randomness come in, so they are unit-tested with an injected clock and random source.
 */
export interface ProxyStrategy {
  pick<C extends Candidate>(candidates: readonly C[], now: number, random: () => number): C;
}
