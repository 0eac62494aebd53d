import type { Client, Dispatcher } from 'undici';

/** What the transport needs of one origin's connections. */
export interface OriginDispatcher {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
  destroy(error: Error): Promise<void>;
}

/**
 * One origin's keep-alive sockets: undici `Client`s (one socket each), a new one only when every
 * client is busy, up to `max` (null: no cap; the frontier's slots bound the requests in flight).
 *
 * undici's `Pool` does the same but costs a broad crawl per host: each Pool allocates a
 * 2,048-slot queue (16 KB, undici 7.30 fixed-queue.js) and, on its first request, a spare
 * `Client` (pool-base.js `kDispatch` asks for a second dispatcher as soon as the first is busy).
 * 4,096 idle pools held 81 MB of such arrays (heap snapshot, 12,000 hosts).
 */
export class ClientPool implements OriginDispatcher {
  readonly #clients: Client[] = [];
  /** Clients whose last dispatch said "busy", until their `drain`. */
  readonly #busy = new Set<Client>();
  /** Requests waiting for a client when all `max` are busy. */
  readonly #waiting: [Dispatcher.DispatchOptions, Dispatcher.DispatchHandler][] = [];
  readonly #create: () => Client;
  readonly #max: number;

  constructor(create: () => Client, max: number | null) {
    this.#create = create;
    this.#max = max ?? Infinity;
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    let client = this.#clients.find((c) => !this.#busy.has(c));
    if (client === undefined) {
      if (this.#clients.length >= this.#max) {
        this.#waiting.push([options, handler]);
        return false;
      }
      client = this.#add();
    }
    this.#send(client, options, handler);
    return true;
  }

  close(): Promise<void> {
    return Promise.all(this.#clients.map((c) => c.close())).then(() => undefined);
  }

  destroy(error: Error): Promise<void> {
    for (const [, handler] of this.#waiting.splice(0)) handler.onResponseError?.(null as never, error);
    return Promise.all(this.#clients.map((c) => c.destroy(error))).then(() => undefined);
  }

  #send(client: Client, options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    if (!client.dispatch(options, handler)) this.#busy.add(client);
  }

  #add(): Client {
    const client = this.#create();
    client.on('drain', () => {
      this.#busy.delete(client);
      while (this.#waiting.length > 0 && !this.#busy.has(client)) {
        const [options, handler] = this.#waiting.shift()!;
        this.#send(client, options, handler);
      }
    });
    // As undici's Pool does: a client that failed to connect is not used again. Requests waiting
    // for a client (a capped pool) get a new one in its place, or they would wait for a drain
    // that may never come.
    client.on('connectionError', () => {
      const index = this.#clients.indexOf(client);
      if (index >= 0) this.#clients.splice(index, 1);
      this.#busy.delete(client);
      if (this.#waiting.length > 0 && this.#clients.length < this.#max) {
        const [options, handler] = this.#waiting.shift()!;
        this.#send(this.#add(), options, handler);
      }
    });
    this.#clients.push(client);
    return client;
  }
}
