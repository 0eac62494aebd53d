/** A real Transport (undici) for downloader unit tests, closed when the test ends. */
import type { TestContext } from 'node:test';
import { Transport, type TransportOptions } from '../../src/downloader/transport.js';

export function transport(t: TestContext, options: TransportOptions = {}): Transport {
  const tr = new Transport({ timeoutMs: 10_000, ...options });
  t.after(() => tr.close());
  return tr;
}
