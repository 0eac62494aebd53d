/**
 * The declarative page actions of `meta.browser.actions`, run in order on the live page. Each is
 * bounded by the render's deadline (`until`, a `performance.now()` time): no action can hang a
 * page past its timeout.
 */
import type { Page } from 'playwright-core';
import { DropRequestError } from '../errors.js';
import type { BrowserAction } from '../http/browser-options.js';

const left = (until: number): number => Math.max(1, Math.round(until - performance.now()));

/** Checks an actions list before any page opens, so a typo is a coded error, not a hang. */
export function checkActions(actions: unknown, url: string): BrowserAction[] {
  if (actions === undefined) return [];
  if (!Array.isArray(actions)) throw badAction(url, 'actions is not an array');
  for (const [i, action] of actions.entries()) {
    const a = action as Record<string, unknown>;
    const ok =
      typeof a === 'object' && a !== null &&
      (typeof a.click === 'string' ||
        (typeof a.fill === 'string' && typeof a.value === 'string') ||
        (typeof a.scrollToBottom === 'object' && a.scrollToBottom !== null && Number.isInteger((a.scrollToBottom as { times?: unknown }).times)) ||
        typeof a.waitForSelector === 'string' ||
        a.waitForNetworkIdle === true ||
        typeof a.evaluate === 'string');
    if (!ok) throw badAction(url, `actions[${i}] is ${JSON.stringify(action)}`);
  }
  return actions as BrowserAction[];
}

function badAction(url: string, what: string): DropRequestError {
  return new DropRequestError('ERR_BROWSER_ACTION', `meta.browser of ${url}: ${what}`, {
    hint: 'each action is one of {click}, {fill, value}, {scrollToBottom: {times}}, {waitForSelector}, {waitForNetworkIdle: true}, {evaluate}',
  });
}

/** Runs `actions` on `page`; returns one result per action (`evaluate`'s value, else null). */
export async function runActions(page: Page, actions: readonly BrowserAction[], until: number): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const action of actions) {
    if ('click' in action) {
      try {
        await page.click(action.click, { timeout: left(until) });
      } catch (error) {
        if (!action.optional) throw error;
      }
      results.push(null);
    } else if ('fill' in action) {
      await page.fill(action.fill, action.value, { timeout: left(until) });
      results.push(null);
    } else if ('scrollToBottom' in action) {
      await scrollToBottom(page, action.scrollToBottom.times, action.scrollToBottom.waitMs ?? 2_000, until);
      results.push(null);
    } else if ('waitForSelector' in action) {
      await page.waitForSelector(action.waitForSelector, { state: action.state ?? 'visible', timeout: left(until) });
      results.push(null);
    } else if ('waitForNetworkIdle' in action) {
      await page.waitForLoadState('networkidle', { timeout: left(until) });
      results.push(null);
    } else {
      // A function body, so `return` works; run in the page, its result serialised by Playwright.
      results.push(await page.evaluate(`(async () => { ${action.evaluate} })()`));
    }
  }
  return results;
}

/**
 * Scrolls to the bottom up to `times` times; after each scroll waits up to `waitMs` for the
 * document to grow (the next batch of an infinite scroll), and stops when it does not.
 */
async function scrollToBottom(page: Page, times: number, waitMs: number, until: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    // Page code as strings: this package is not compiled with the DOM's types.
    const height = await page.evaluate<number>('window.scrollTo(0, document.documentElement.scrollHeight), document.documentElement.scrollHeight');
    try {
      await page.waitForFunction(`document.documentElement.scrollHeight > ${height}`, undefined, { timeout: Math.min(waitMs, left(until)) });
    } catch {
      return;
    }
  }
}
