/**
 * Adaptive rendering (`browser.mode = "auto"`, `meta.browser = "auto"`): fetch over HTTP first,
 * render only when the page needs it, and learn per site section (host and first path segment,
 * see `sectionOf`).
 *
 * Needing the browser means, by default, "the callback yielded nothing that a rendered copy
 * yields": when the callback of an HTTP page (HTML that runs scripts) yields no item and no
 * request, a rendered copy is queued and its callback runs too; if that copy yields something,
 * the section is learnt. A spider's own `needsBrowser(response)` replaces this test (it judges the
 * HTTP response before any callback). Once a section is learnt its pages go to the browser
 * directly; a sample (`browser.autoRecheckRate`) still tries HTTP first, and one that HTTP served
 * (its callback yielded something) takes the section back to HTTP. A section where a rendered
 * copy yielded nothing either is remembered too: its empty pages are rendered only in the sample.
 */
import { LRUCache } from 'lru-cache';
import type { Response } from '../http/response.js';

/** Decides whether an HTTP response needs rendering (the spider's `needsBrowser`). */
export type NeedsBrowser = (response: Response) => boolean | Promise<boolean>;

/** An HTML page that runs scripts: the only kind a rendered copy can differ from. */
export function mayRender(response: Response): boolean {
  return response.status < 400 && response.isHtml && /<script\b/i.test(response.text);
}

export interface AdaptiveStats {
  inc(key: string, by?: number): void;
}

/** What a section taught: its pages need the browser, or rendering its empty pages did not help. */
type Learnt = 'browser' | 'useless';

export class AdaptiveRendering {
  /** Bounded: a broad crawl forgets the least recently seen sections. */
  readonly #sections = new LRUCache<string, Learnt>({ max: 10_000 });
  readonly #needs: NeedsBrowser | undefined;
  readonly #recheckRate: number;
  readonly #random: () => number;
  readonly #stats: AdaptiveStats;

  constructor(options: { needsBrowser?: NeedsBrowser; recheckRate: number; random: () => number; stats: AdaptiveStats }) {
    this.#needs = options.needsBrowser;
    this.#recheckRate = options.recheckRate;
    this.#random = options.random;
    this.#stats = options.stats;
  }

  /** True when the spider has its own `needsBrowser` (judged on download, not after the callback). */
  get spiderJudges(): boolean {
    return this.#needs !== undefined;
  }

  #sampled(): boolean {
    return this.#random() < this.#recheckRate;
  }

  /** True when the section learnt to need the browser and this request is not in the re-check sample. */
  direct(section: string): boolean {
    if (this.#sections.get(section) !== 'browser') return false;
    if (this.#sampled()) {
      this.#stats.inc('browser/auto/rechecks');
      return false;
    }
    this.#stats.inc('browser/auto/direct');
    return true;
  }

  /** With the spider's `needsBrowser`: judges an HTTP response of `section`; learns (or unlearns) it. */
  async needsBrowser(section: string, response: Response): Promise<boolean> {
    const needs = await this.#needs!(response);
    if (needs) this.#learn(section);
    else this.#httpEnough(section);
    if (needs) this.#stats.inc('browser/auto/rendered');
    return needs;
  }

  /**
   * The callback of an HTTP response of `section` yielded its first output (`outputs` 1), or
   * ended with none (0). True when a rendered copy should be queued.
   */
  afterHttp(section: string, response: Response, outputs: number): boolean {
    if (outputs > 0 || !mayRender(response)) {
      this.#httpEnough(section);
      return false;
    }
    if (this.#sections.get(section) === 'useless' && !this.#sampled()) {
      this.#stats.inc('browser/auto/empty');
      return false;
    }
    this.#stats.inc('browser/auto/rendered');
    return true;
  }

  /** The callback of a rendered copy (queued by `afterHttp`) yielded its first output (1), or ended with none (0). */
  afterRendered(section: string, outputs: number): void {
    if (outputs > 0) {
      this.#learn(section);
      return;
    }
    this.#stats.inc('browser/auto/rendered_empty');
    if (this.#sections.get(section) !== 'browser') this.#sections.set(section, 'useless');
  }

  #learn(section: string): void {
    if (this.#sections.get(section) !== 'browser') this.#stats.inc('browser/auto/sections_learnt');
    this.#sections.set(section, 'browser');
  }

  #httpEnough(section: string): void {
    if (this.#sections.get(section) === 'browser') {
      this.#sections.delete(section);
      this.#stats.inc('browser/auto/sections_unlearnt');
    }
    this.#stats.inc('browser/auto/http_enough');
  }
}
