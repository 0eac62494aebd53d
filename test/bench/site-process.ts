/**
 * Bench sites in their own process, so serving costs none of the measured process's CPU. A server
 * process prints one JSON line once it listens, and exits when its stdin closes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { SiteOptions } from '../fixtures/site.js';

export interface ServerProcess<T> {
  /** The JSON line the process printed when it was ready. */
  ready: T;
  /** Closes its stdin and waits for it to exit (SIGKILL after 10 s). */
  close(): Promise<void>;
}

/** Runs `node --import tsx script ...args` and waits (up to `timeoutMs`) for its first line of stdout, as JSON. */
export async function startServerProcess<T>(script: string, args: readonly string[], timeoutMs = 30_000): Promise<ServerProcess<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => fail(new Error(`${script}: no ready line within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('exit', (code) => fail(new Error(`${script} exited during start-up (code ${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve(buffer.slice(0, end));
    });
  });
  return {
    ready: JSON.parse(line) as T,
    close: async () => {
      child.stdin!.end();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      const cancel = new AbortController();
      const timeout = sleep(10_000, 'timeout' as const, { signal: cancel.signal }).catch(() => 'cancelled' as const);
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
      cancel.abort();
    },
  };
}

export interface SiteProcess {
  url: string;
  close(): Promise<void>;
}

/** Starts test/fixtures/site.ts in a child process (see serve-site.ts). */
export async function startSiteProcess(options: Omit<SiteOptions, 'routes' | 'latencyMs'> & { latencyMs?: number }): Promise<SiteProcess> {
  const { ready, close } = await startServerProcess<{ url: string }>(fileURLToPath(new URL('./serve-site.ts', import.meta.url)), [JSON.stringify(options)]);
  return { url: ready.url, close };
}
