/**
 * `npm run demo`: serves the bundled demo shop on 127.0.0.1, crawls it with the example project's
 * `products` spider through the real `crawl` CLI, and writes the items to output/products.jsonl.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoSite } from './site/server.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', 'dist', 'cli', 'main.js');
const output = join(here, 'output', 'products.jsonl');

const site = await startDemoSite();
process.stderr.write(`demo shop serving ${site.productCount} products at ${site.url}\n`);
try {
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'run', 'products', '-a', `baseUrl=${site.url}/`, '-O', output, ...process.argv.slice(2)], {
      cwd: here,
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (status) => resolve(status ?? 1));
  });
  const items = readFileSync(output, 'utf8').split('\n').filter(Boolean).length;
  process.stderr.write(`\ndemo: ${items} items written to ${relative(process.cwd(), output)} (the shop has ${site.productCount} products)\n`);
  process.exitCode = code;
} finally {
  await site.close();
}
