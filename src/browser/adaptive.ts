/**
 * Adaptive rendering (`browser.mode = "auto"`, `meta.browser = "auto"`): fetch over HTTP first,
 * render only when the page needs it, and learn per site section (host and first path segment,
 * see `sectionOf`). Once a section needed the browser its pages go to the browser directly; a
 * sample (`browser.autoRecheckRate`) still tries HTTP first, and one that HTTP served well enough
 * takes the section back to HTTP.
 */
import { LRUCache } from 'lru-cache';
import type { Response } from '../http/response.js';

/** Decides whether an HTTP response needs rendering (the spider's `needsBrowser`, or the default). */
export type NeedsBrowser = (response: Response) => boolean | Promise<boolean>;

const SCRIPT = /<script\b/gi;
const INVISIBLE = /<(script|style|noscript|template)\b[\s\S]*?<\/\1\s*>/gi;
const TAG = /<[^>]*>/g;
// An empty mount point of a client-side app: <div id="root"></div>, <div id="app"></div>, ...
const EMPTY_MOUNT = /<(div|main|section)\b[^>]*\bid\s*=\s*["']?(root|app|__next|__nuxt|main|content|products?)["']?[^>]*>\s*<\/\1>/i;

/**
 * The default test: an HTML page whose visible text is short (under 200 characters once scripts,
 * styles and tags are gone) while it runs scripts, or that has an empty mount point
 * (`<div id="app"></div>`), is a client-side app shell. Non-HTML and error pages never are.
 */
export function looksLikeAppShell(response: Response): boolean {
  if (response.status >= 400 || !response.isHtml) return false;
  const html = response.text;
  const scripts = html.match(SCRIPT)?.length ?? 0;
  if (scripts === 0) return false;
  if (EMPTY_MOUNT.test(html)) return true;
  const text = html.replace(INVISIBLE, ' ').replace(TAG, ' ').replace(/\s+/g, ' ').trim();
  return text.length < 200;
}

export interface AdaptiveStats {
  inc(key: string, by?: number): void;
}

export class AdaptiveRendering {
  /** Sections that needed the browser (bounded: a broad crawl forgets the least recently seen). */
  readonly #sections = new LRUCache<string, true>({ max: 10_000 });
  readonly #needs: NeedsBrowser;
  readonly #recheckRate: number;
  readonly #random: () => number;
  readonly #stats: AdaptiveStats;

  constructor(options: { needsBrowser?: NeedsBrowser; recheckRate: number; random: () => number; stats: AdaptiveStats }) {
    this.#needs = options.needsBrowser ?? looksLikeAppShell;
    this.#recheckRate = options.recheckRate;
    this.#random = options.random;
    this.#stats = options.stats;
  }

  /** True when the section learnt to need the browser and this request is not in the re-check sample. */
  direct(section: string): boolean {
    if (this.#sections.get(section) !== true) return false;
    if (this.#random() < this.#recheckRate) {
      this.#stats.inc('browser/auto/rechecks');
      return false;
    }
    this.#stats.inc('browser/auto/direct');
    return true;
  }

  /** Judges an HTTP response of `section`; learns (or unlearns) the section. */
  async needsBrowser(section: string, response: Response): Promise<boolean> {
    const needs = await this.#needs(response);
    if (needs) {
      if (this.#sections.get(section) !== true) this.#stats.inc('browser/auto/sections_learnt');
      this.#sections.set(section, true);
      this.#stats.inc('browser/auto/rendered');
    } else {
      if (this.#sections.delete(section)) this.#stats.inc('browser/auto/sections_unlearnt');
      this.#stats.inc('browser/auto/http_enough');
    }
    return needs;
  }
}
