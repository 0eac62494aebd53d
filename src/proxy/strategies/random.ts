import type { Candidate, ProxyStrategy } from './strategy.js';

/** A uniformly random proxy among those with room. */
export class RandomStrategy implements ProxyStrategy {
  pick<C extends Candidate>(candidates: readonly C[], _now: number, random: () => number): C {
    return candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))]!;
  }
}
