import type { Candidate, ProxyStrategy } from './strategy.js';

/**
 * The default: the largest idle time x successRate^k. With equal health this is least recently
 * used (an even spread, each exit resting as long as possible between requests); a proxy with
 * half the success rate must rest 2^k times longer to be picked, so a failing exit gets clearly
 * less traffic without being cut off (it can still earn its rate back).
 */
export class LruWeightedStrategy implements ProxyStrategy {
  readonly #k: number;

  /** `k`: how hard the success rate weighs (default 2). */
  constructor(k = 2) {
    this.#k = k;
  }

  pick<C extends Candidate>(candidates: readonly C[], now: number): C {
    let best = candidates[0]!;
    let bestScore = -Infinity;
    for (const candidate of candidates) {
      // Never used: as idle as can be (ties keep list order).
      const idle = candidate.lastUsedAt === -Infinity ? Number.MAX_SAFE_INTEGER : now - candidate.lastUsedAt + 1;
      const score = idle * candidate.successRate ** this.#k;
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    return best;
  }
}
