#!/usr/bin/env node
/**
 * The installed `arachne` and `crawl` bins. `--version` alone is answered before the commands
 * (and everything they import) load: scripts and version managers call it often. Everything else
 * is main.ts.
 */
import { packageVersion } from './package-info.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${packageVersion()}\n`);
} else {
  await import('./main.js');
}
