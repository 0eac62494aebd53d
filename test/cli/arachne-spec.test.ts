/** The dependency `startproject` writes: where the running Arachne came from decides it. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { arachneSpec, PACKAGE_ROOT } from '../../src/cli/arachne-spec.js';
import { REPO } from '../helpers/project.js';

const root = mkdtempSync(join(tmpdir(), 'arachne-spec-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** An install folder as npm leaves it: node_modules/arachne plus the hidden lockfile. */
function install(name: string, resolved: string | undefined, lockName = 'node_modules/.package-lock.json'): string {
  const pkg = join(root, name, 'node_modules', 'arachne');
  mkdirSync(pkg, { recursive: true });
  const entry = resolved === undefined ? { version: '1.2.3' } : { version: '1.2.3', resolved };
  writeFileSync(join(root, name, lockName), JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/arachne': entry } }));
  return pkg;
}

test('from the npm registry (npx, a global or a project install): ^version', () => {
  assert.equal(arachneSpec('1.2.3', install('npx', 'https://registry.npmjs.org/arachne/-/arachne-1.2.3.tgz')), '^1.2.3');
  assert.equal(arachneSpec('1.2.3', install('project', 'https://registry.npmjs.org/arachne/-/arachne-1.2.3.tgz', 'package-lock.json')), '^1.2.3');
});

test('from a tarball: file: and the tarball, made absolute', () => {
  assert.equal(arachneSpec('1.2.3', install('tgz', 'file:../arachne-1.2.3.tgz')), `file:${join(root, 'arachne-1.2.3.tgz')}`);
  assert.equal(arachneSpec('1.2.3', install('tgz-abs', 'file:/srv/pkgs/arachne-1.2.3.tgz')), 'file:/srv/pkgs/arachne-1.2.3.tgz');
});

test('a checkout, a linked folder or an unknown origin: file: and the package folder', () => {
  assert.equal(arachneSpec('1.2.3', REPO), `file:${REPO}`);
  assert.equal(PACKAGE_ROOT, REPO, 'the running copy is this repository');
  const linked = install('linked', 'file:../../arachne');
  assert.equal(arachneSpec('1.2.3', linked), `file:${linked}`);
  const bare = install('bare', undefined);
  assert.equal(arachneSpec('1.2.3', bare), `file:${bare}`);
});
