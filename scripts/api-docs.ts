/**
 * The API reference, docs/api/: TypeDoc (with typedoc-plugin-markdown, so the pages read in the
 * repository) over src/index.ts's exports and their TSDoc comments.
 *
 *   node --import tsx scripts/api-docs.ts              # write docs/api/
 *   node --import tsx scripts/api-docs.ts --check      # exit 1 when docs/api/ is out of date
 *
 * test/docs/api-reference.test.ts runs the check (regenerate into a temp dir and compare).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const API_DIR = join(REPO, 'docs', 'api');
const TYPEDOC = join(REPO, 'node_modules', 'typedoc', 'bin', 'typedoc');

/** Runs TypeDoc into `out` (emptied first by TypeDoc's cleanOutputDir). */
export function generateApi(out: string): void {
  const args = [
    TYPEDOC,
    '--plugin', 'typedoc-plugin-markdown',
    '--tsconfig', join(REPO, 'src', 'tsconfig.json'),
    '--entryPoints', join(REPO, 'src', 'index.ts'),
    '--out', out,
    '--name', 'Arachne API',
    '--readme', 'none',
    '--disableSources',
    '--hideGenerator',
    '--excludePrivate',
    '--excludeInternal',
    '--validation.notExported', 'false',
    '--logLevel', 'Error',
  ];
  const result = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`typedoc failed (${result.status}): ${result.stderr}${result.stdout}`);
}

/** Every file under `dir`, relative path -> text. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  try {
    walk(dir);
  } catch {
    // A missing folder is an empty tree (so out of date).
  }
  return files;
}

/** The pages of docs/api/ that differ from a fresh generation (added, removed or changed). */
export function staleApiPages(): string[] {
  const tmp = mkdtempSync(join(tmpdir(), 'arachne-api-'));
  try {
    generateApi(tmp);
    const fresh = readTree(tmp);
    const committed = readTree(API_DIR);
    const stale: string[] = [];
    for (const [path, text] of fresh) if (committed.get(path) !== text) stale.push(path);
    for (const path of committed.keys()) if (!fresh.has(path)) stale.push(path);
    return stale.sort();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = staleApiPages();
    for (const path of stale) console.error(`docs/api/${path} is out of date: npm run docs:reference`);
    process.exitCode = stale.length > 0 ? 1 : 0;
  } else {
    generateApi(API_DIR);
    console.log(`wrote docs/api/ (${readTree(API_DIR).size} pages)`);
  }
}
