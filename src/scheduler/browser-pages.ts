import type { Request } from '../http/request.js';

/** The `browser.maxPages` budget as configured: requests it `renders` take one unit, released with the dispatch. */
export interface BrowserPageGate {
  limit: number;
  renders(request: Request): boolean;
}

/**
 * Pages open in the browser at once. A request to be rendered while every unit is taken is set
 * aside here, out of its slot, so it holds nothing and the HTTP requests queued behind it in the
 * same slot go on; one goes back to its slot per unit released, longest waiting first.
 */
export class BrowserPageBudget {
  readonly #gate: BrowserPageGate;
  readonly #setAside: Request[] = [];
  #active = 0;

  constructor(gate: BrowserPageGate) {
    this.#gate = gate;
  }

  /** Units taken now. */
  get active(): number {
    return this.#active;
  }

  /** Requests set aside, waiting for a unit. */
  get waiting(): number {
    return this.#setAside.length;
  }

  /** True when `request` is rendered directly, so it needs a unit. */
  renders(request: Request): boolean {
    return this.#gate.renders(request);
  }

  get full(): boolean {
    return this.#active >= this.#gate.limit;
  }

  setAside(request: Request): void {
    this.#setAside.push(request);
  }

  take(): void {
    this.#active++;
  }

  /** Gives a unit back; returns the request set aside longest, to go back to its slot. */
  release(): Request | undefined {
    this.#active--;
    return this.#setAside.shift();
  }
}
