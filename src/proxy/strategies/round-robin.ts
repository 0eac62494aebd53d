import type { Candidate, ProxyStrategy } from './strategy.js';

/** Each proxy in turn (by id order of first sight), skipping those without room. */
export class RoundRobinStrategy implements ProxyStrategy {
  #last = '';

  pick<C extends Candidate>(candidates: readonly C[]): C {
    const sorted = [...candidates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const next = sorted.find((c) => c.id > this.#last) ?? sorted[0]!;
    this.#last = next.id;
    return next;
  }
}
