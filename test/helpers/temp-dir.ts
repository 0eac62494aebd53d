/** Temporary folders removed when the test ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh folder under the OS temp dir, named `arachne-<label>-…`, removed after `t`. */
export function tempDir(t: TestContext, label = 'test'): string {
  const dir = mkdtempSync(join(tmpdir(), `arachne-${label}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
