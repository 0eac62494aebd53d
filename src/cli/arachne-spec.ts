/**
 * The `arachne` dependency `startproject` writes, so that `npm install` in the new project
 * installs the same Arachne that made it:
 *
 * - installed from the npm registry (`npx arachne`, a global install, a project's dependency):
 *   `^<version>`, the published release;
 * - installed from a tarball (`npm install ./arachne-0.1.0.tgz`): `file:` + that tarball's path;
 * - anything else (a git checkout, a `file:` folder link, `npm link`): `file:` + this package's
 *   folder.
 *
 * npm (7+) no longer writes `_resolved` into an installed package.json; where a package came from
 * is in the install's lockfile: `node_modules/.package-lock.json` (the hidden lockfile npm keeps
 * beside the packages, also in npx's cache) or the project's `package-lock.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This Arachne's package folder (dist/cli and src/cli are both two levels below it). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');

interface LockEntry {
  resolved?: string;
  version?: string;
}

/** The lockfile entry of the package at `root`, if `root` sits in a node_modules folder npm made. */
function lockEntry(root: string): { entry: LockEntry; installRoot: string } | undefined {
  // root = <installRoot>/node_modules/<name> or <installRoot>/node_modules/@scope/<name>
  let modules = dirname(root);
  if (basename(modules).startsWith('@')) modules = dirname(modules);
  if (basename(modules) !== 'node_modules') return undefined;
  const installRoot = dirname(modules);
  const key = `node_modules/${root.slice(modules.length + 1).split(/[\\/]/).join('/')}`;
  for (const file of [join(modules, '.package-lock.json'), join(installRoot, 'package-lock.json'), join(installRoot, 'npm-shrinkwrap.json')]) {
    if (!existsSync(file)) continue;
    try {
      const lock = JSON.parse(readFileSync(file, 'utf8')) as { packages?: Record<string, LockEntry> };
      const entry = lock.packages?.[key];
      if (entry) return { entry, installRoot };
    } catch {
      // An unreadable lockfile says nothing about where we came from; try the next one.
    }
  }
  return undefined;
}

/**
 * The dependency spec for this Arachne (see the file comment). `root` and `version` are
 * parameters for the tests; the defaults are the running copy.
 */
export function arachneSpec(version: string, root: string = PACKAGE_ROOT): string {
  const found = lockEntry(root);
  const resolved = found?.entry.resolved;
  if (resolved && /^https?:\/\//.test(resolved)) return `^${version}`;
  if (resolved?.startsWith('file:') && /\.(tgz|tar\.gz|tar)$/.test(resolved)) {
    const path = resolved.slice('file:'.length);
    return `file:${isAbsolute(path) ? path : resolve(found!.installRoot, path)}`;
  }
  return `file:${root}`;
}
