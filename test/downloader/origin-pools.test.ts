/**
 * The transport keeps one keep-alive pool per origin but only so many idle ones: a broad crawl
 * frees the sockets of hosts it has moved on from, least recently used first, and never a pool
 * with a request in flight.
 */
import assert from 'node:assert/strict';
import type { LookupFunction } from 'node:net';
import { test } from 'node:test';
import type { OriginDispatcher } from '../../src/downloader/client-pool.js';
import { OriginPools } from '../../src/downloader/origin-pools.js';
import { MAX_ORIGIN_KEYS } from '../../src/downloader/transport.js';
import { Request } from '../../src/http/request.js';
import { serve } from '../helpers/http-server.js';
import { transport } from '../helpers/transport.js';

/** A stand-in dispatcher that records how it was shut. */
function fakePool(origin: string, log: string[]): OriginDispatcher {
  return {
    dispatch: () => true,
    destroy: (error: Error) => {
      log.push(`destroy ${origin} ${error.message}`);
      return Promise.resolve();
    },
    close: () => {
      log.push(`close ${origin}`);
      return Promise.resolve();
    },
  };
}

test('past maxIdle pools, a new origin closes the least recently used idle one; a busy one never', async () => {
  const log: string[] = [];
  const pools = new OriginPools((origin) => fakePool(origin, log), 2, () => new Error('evicted'));
  const a = pools.acquire('a');
  const b = pools.acquire('b');
  pools.release(b);
  // a is busy, b idle: c's pool closes b, the only idle one.
  pools.acquire('c');
  assert.deepEqual(log, ['destroy b evicted']);
  pools.release(a);
  // The hand cleared a's mark as it passed; c was used since: a goes, c stays.
  const c = pools.acquire('c');
  pools.release(c);
  pools.release(c);
  pools.acquire('d');
  assert.deepEqual(log, ['destroy b evicted', 'destroy a evicted']);
  assert.equal(pools.evicted, 2);
  assert.equal(pools.size, 2);
  // The same origin again: its open pool, no new one.
  const d = pools.acquire('d');
  assert.equal(pools.size, 2);
  await pools.close();
  assert.deepEqual(log.slice(2).sort(), ['close d', 'destroy c evicted']);
  pools.release(d);
});

test('every pool busy: a new one is made anyway (the count goes over) and none is closed', () => {
  const log: string[] = [];
  const pools = new OriginPools((origin) => fakePool(origin, log), 1, () => new Error('evicted'));
  pools.acquire('a');
  pools.acquire('b');
  pools.acquire('c');
  assert.equal(pools.size, 3);
  assert.deepEqual(log, []);
});

test('the transport closes an evicted origin\'s socket and reconnects on its next request', async (t) => {
  let closed = 0;
  const site = await serve(t, (_req, res) => res.end('ok'));
  site.server.on('connection', (socket) => socket.on('close', () => closed++));
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  const tr = transport(t, { lookup, maxIdleOrigins: 2 });
  const get = (host: string) => tr.fetch(new Request(`http://${host}.test:${site.port}/`));
  assert.equal((await get('a')).reusedConnection, false);
  assert.equal((await get('b')).reusedConnection, false);
  assert.equal((await get('c')).reusedConnection, false);
  assert.equal((await get('b')).reusedConnection, true, 'b is still pooled');
  for (let i = 0; i < 500 && closed === 0; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed, 1, "a's socket was closed when c's pool was made");
  assert.equal((await get('a')).reusedConnection, false, 'a reconnects');
  assert.equal(site.connections(), 4);
  assert.deepEqual(Object.keys(tr.stats().openedByOrigin).sort(), ['a', 'b', 'c'].map((h) => `http://${h}.test:${site.port}`));
  assert.equal(MAX_ORIGIN_KEYS, 1_000);
});

test('pool.maxIdleOrigins reaches the transport; 0 is refused with a coded error', async () => {
  const { layeredSettings } = await import('../../src/settings/config.js');
  const { transportOptionsFrom } = await import('../../src/downloader/transport-settings.js');
  const { createLogger } = await import('../../src/log.js');
  const logger = createLogger('test', 'silent');
  assert.equal(transportOptionsFrom(layeredSettings({ cli: { 'pool.maxIdleOrigins': 2 } }), logger).maxIdleOrigins, 2);
  assert.equal(transportOptionsFrom(layeredSettings({}), logger).maxIdleOrigins, 4_096);
  assert.throws(() => layeredSettings({ project: { config: { 'pool.maxIdleOrigins': 0 }, file: 'crawl.config.ts' } }), { code: 'ERR_SETTING_TYPE', message: /"pool\.maxIdleOrigins" in crawl\.config\.ts: expected integer >= 1/ });
});
