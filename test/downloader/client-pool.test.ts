/**
 * ClientPool (src/downloader/client-pool.ts) with stand-in clients: a new socket only when every
 * client is busy, the cap queues, a drain sends what waits, and a client that failed to connect
 * is replaced for the requests waiting on it.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Client, Dispatcher } from 'undici';
import { ClientPool } from '../../src/downloader/client-pool.js';

class StandInClient extends EventEmitter {
  readonly sent: string[] = [];
  /** What dispatch answers: false = busy after this request. */
  free = false;
  dispatch(options: Dispatcher.DispatchOptions): boolean {
    this.sent.push(String(options.path));
    return this.free;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  destroy(): Promise<void> {
    return Promise.resolve();
  }
}

function pool(max: number | null): { pool: ClientPool; clients: StandInClient[] } {
  const clients: StandInClient[] = [];
  const created = new ClientPool(() => {
    const client = new StandInClient();
    clients.push(client);
    return client as unknown as Client;
  }, max);
  return { pool: created, clients };
}

const send = (p: ClientPool, path: string): boolean => p.dispatch({ path, method: 'GET' }, {} as Dispatcher.DispatchHandler);

test('a free client is reused; a new one only when every client is busy', () => {
  const { pool: p, clients } = pool(null);
  send(p, '/a');
  clients[0]!.free = true;
  clients[0]!.emit('drain');
  send(p, '/b');
  assert.equal(clients.length, 1);
  clients[0]!.free = false;
  send(p, '/c');
  send(p, '/d');
  assert.equal(clients.length, 2, 'the first client said busy after /c: /d opens a second');
  assert.deepEqual(clients.map((c) => c.sent), [['/a', '/b', '/c'], ['/d']]);
});

test('at the cap requests wait, and a drain sends them', () => {
  const { pool: p, clients } = pool(1);
  assert.equal(send(p, '/a'), true);
  assert.equal(send(p, '/b'), false, 'queued: the only client is busy');
  assert.equal(clients.length, 1);
  clients[0]!.emit('drain');
  assert.deepEqual(clients[0]!.sent, ['/a', '/b']);
});

test('a client that failed to connect is replaced for the request waiting on it', () => {
  const { pool: p, clients } = pool(1);
  send(p, '/a');
  send(p, '/b');
  clients[0]!.emit('connectionError');
  assert.equal(clients.length, 2, 'a new client took the waiting request');
  assert.deepEqual(clients[1]!.sent, ['/b']);
});
