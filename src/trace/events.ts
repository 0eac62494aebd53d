import type { Request } from '../http/request.js';
import type { Response } from '../http/response.js';
import type { Dispatch } from '../scheduler/frontier.js';

/** The engine's events: name to payload. Extensions subscribe with `crawler.events.on(name, fn)`. */
export interface CrawlEvents {
  spiderOpened: { spiderName: string };
  requestScheduled: { request: Request };
  requestDropped: { request: Request; reason: string };
  responseReceived: { response: Response };
  requestFailed: { request: Request; error: Error & { code?: string } };
  itemScraped: { item: Record<string, unknown> };
  itemDropped: { item: Record<string, unknown>; reason: string };
  spiderError: { request: Request; error: Error & { code?: string } };
  spiderClosed: { spiderName: string; reason: string };
  /**
   * A download attempt finished: a response, an error, or a request a middleware sent back (a
   * retry, a redirect hop). `dispatchedAt` and `doneAt` are `performance.now()` ms. Emitted only
   * while someone listens (the trace recorder), so it costs nothing otherwise.
   */
  requestDone: { dispatch: Dispatch; result: Response | Request | undefined; error: unknown; dispatchedAt: number; doneAt: number };
}

type Listener<P> = (payload: P) => void;

/**
 * A small typed emitter. Listeners run synchronously in the engine's loop: keep them cheap, and
 * an exception in one is reported through `onListenerError` rather than breaking the crawl.
 */
export class EventBus<M extends object = CrawlEvents> {
  readonly #listeners = new Map<keyof M, Listener<never>[]>();
  onListenerError: (error: unknown, event: keyof M) => void = () => {};

  on<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as Listener<never>);
    this.#listeners.set(event, list);
    return () => {
      const current = this.#listeners.get(event);
      if (current) this.#listeners.set(event, current.filter((l) => l !== listener));
    };
  }

  /** True when someone listens: lets hot paths skip building payloads. */
  has<K extends keyof M>(event: K): boolean {
    return (this.#listeners.get(event)?.length ?? 0) > 0;
  }

  emit<K extends keyof M>(event: K, payload: M[K]): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    for (const listener of list) {
      try {
        (listener as Listener<M[K]>)(payload);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
