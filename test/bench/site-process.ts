import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { SiteOptions } from '../fixtures/site.js';

export interface SiteProcess {
  url: string;
  close(): Promise<void>;
}

/** Starts test/fixtures/site.ts in a child process (see serve-site.ts). */
export async function startSiteProcess(options: Omit<SiteOptions, 'routes' | 'latencyMs'> & { latencyMs?: number }): Promise<SiteProcess> {
  const script = fileURLToPath(new URL('./serve-site.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffer = '';
  for await (const chunk of child.stdout!) {
    buffer += String(chunk);
    if (buffer.includes('\n')) break;
  }
  const { url } = JSON.parse(buffer.split('\n')[0]!) as { url: string };
  return {
    url,
    close: async () => {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
