/** The repository's files, read by tests that check the code itself (layers, error codes). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every `.ts` file under `dir`, recursively, as full paths. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The objects of a JSON-lines file (a feed, a trace), blank lines skipped. */
export function readJsonl<T = Record<string, unknown>>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
