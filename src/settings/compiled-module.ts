/**
 * The compiled-module cache: a project's TypeScript (spiders, crawl.config.ts and the local files
 * they import) compiled once by esbuild into plain ES modules under the project's
 * `node_modules/.cache/arachne/`, so that a run whose sources have not changed imports JavaScript
 * and never loads tsx: not its loader thread, not its resolve/load hooks (one synchronous round
 * trip per module loaded after them), not esbuild. Parse workers use the same cache, so each
 * worker skips them too. Measured in docs/performance.md ("Start-up").
 *
 * Each entry file has a manifest (`<hash of its path>.json`) listing every source in its import
 * closure with the SHA-256 of its content; a run reads and hashes those files (a few small reads)
 * and uses the compiled files when every hash matches, else compiles again. Local files are
 * compiled one to one into a mirror of the project tree (`tree/`, with a package.json of
 * `"type": "module"`), so a module shared by the config and a spider is still one module, and
 * package imports resolve from the mirror up to the project's own node_modules.
 *
 * Anything this cannot reproduce exactly falls back to tsx (undefined is returned), decided per
 * entry: a CommonJS project (no `"type": "module"`), `import.meta`, `require`, `__dirname`,
 * `__filename` or a dynamic `import()` in a source (each depends on where the file is), a local
 * import that is not `./x.js` naming an `x.ts` inside the project, a project without node_modules,
 * a tsconfig.json with `extends`, `paths` or `baseUrl` (its options are otherwise applied),
 * a compile error (tsx then reports it, with the file and line), Arachne's own repository (its
 * tests and examples import its sources by path). `ARACHNE_COMPILE_CACHE=0` turns
 * the cache off. Stack traces keep the sources' paths and lines: each compiled file carries an
 * inline source map and source maps are enabled once a compiled file is used.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type * as Esbuild from 'esbuild';

/** Bumped when the layout or the compile options change: older manifests are then ignored. */
const FORMAT = 3;
/** What ties a file to its own location, which the compiled copy does not share. */
const LOCATION_BOUND = /\bimport\.meta\b|\brequire\s*\(|\b__dirname\b|\b__filename\b|\bimport\s*\(/;
/** The module specifiers of esbuild's ESM output (one statement per import or re-export). */
const SPECIFIER = /^\s*(?:(?:import|export)\b[^'"`;]*?\bfrom\s*|import\s*)["']([^"']+)["']/gm;

interface Manifest {
  format: number;
  esbuild: string;
  /** The compiled entry; null when the entry must go through tsx (remembered, so workers do not retry). */
  output: string | null;
  /** Every source of the closure, with the SHA-256 of its content. */
  inputs: Record<string, string>;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The nearest folder above `file` with a package.json, if that package is ESM and has node_modules. */
function projectRoot(file: string): string | undefined {
  for (let dir = dirname(file); ; ) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      let json: { type?: unknown; name?: unknown };
      try {
        json = JSON.parse(readFileSync(pkg, 'utf8')) as typeof json;
      } catch {
        return undefined;
      }
      // Arachne's own tree (tests, examples) imports its sources by relative path: compiled
      // copies of those would be a second Arachne beside the one already loaded.
      return json.type === 'module' && json.name !== 'arachne' && existsSync(join(dir, 'node_modules')) ? dir : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function writeAtomic(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

function readManifest(file: string, esbuildVersion: string | undefined): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (manifest.format !== FORMAT || (esbuildVersion !== undefined && manifest.esbuild !== esbuildVersion)) return undefined;
    for (const [source, hash] of Object.entries(manifest.inputs)) if (sha256(readFileSync(source, 'utf8')) !== hash) return undefined;
    return manifest.output === null || existsSync(manifest.output) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

let sourceMapsOn = false;

/**
 * The compiled JavaScript file to import instead of the TypeScript `file`, compiling it (and the
 * local files it imports) when the cache has no up-to-date copy; undefined when the file must be
 * imported through tsx (see the module comment).
 */
export async function compiledModule(file: string): Promise<string | undefined> {
  if (process.env.ARACHNE_COMPILE_CACHE === '0' || !file.endsWith('.ts') || file.endsWith('.d.ts')) return undefined;
  const entry = resolve(file);
  const root = projectRoot(entry);
  if (!root) return undefined;
  const cacheDir = join(root, 'node_modules', '.cache', 'arachne');
  const manifestFile = join(cacheDir, `${sha256(entry).slice(0, 24)}.json`);
  const cached = readManifest(manifestFile, undefined);
  const output = cached ? (cached.output ?? undefined) : await compile(entry, root, cacheDir, manifestFile);
  if (output && !sourceMapsOn) {
    process.setSourceMapsEnabled(true);
    sourceMapsOn = true;
  }
  return output;
}

async function compile(entry: string, root: string, cacheDir: string, manifestFile: string): Promise<string | undefined> {
  let esbuild: typeof Esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const treeDir = join(cacheDir, 'tree');
  const outputOf = (source: string): string => join(treeDir, relative(root, source).replace(/\.ts$/, '.js'));
  const inputs: Record<string, string> = {};
  const compiled: [string, string][] = [];
  const todo = [entry];
  // What cannot be compiled is remembered with the sources read so far: it is retried when one changes.
  const fallBack = (): undefined => {
    writeAtomic(manifestFile, `${JSON.stringify({ format: FORMAT, esbuild: esbuild.version, output: null, inputs } satisfies Manifest, null, 1)}\n`);
    return undefined;
  };
  // The project's tsconfig.json shapes the output as it does under tsx (class fields, decorators,
  // kept imports); one that extends another or maps paths is left to tsx, which follows both.
  const tsconfigFile = join(root, 'tsconfig.json');
  const tsconfig = existsSync(tsconfigFile) ? readFileSync(tsconfigFile, 'utf8') : undefined;
  if (tsconfig !== undefined) {
    inputs[tsconfigFile] = sha256(tsconfig);
    if (/"(extends|paths|baseUrl)"\s*:/.test(tsconfig)) return fallBack();
  }
  while (todo.length > 0) {
    const source = todo.pop()!;
    if (source in inputs) continue;
    const text = readFileSync(source, 'utf8');
    inputs[source] = sha256(text);
    if (LOCATION_BOUND.test(text)) return fallBack();
    let code: string;
    try {
      ({ code } = await esbuild.transform(text, { loader: 'ts', format: 'esm', target: 'node20', keepNames: true, sourcemap: 'inline', sourcesContent: false, sourcefile: source, ...(tsconfig === undefined ? {} : { tsconfigRaw: tsconfig }) }));
    } catch {
      return fallBack();
    }
    for (const [, specifier] of code.matchAll(SPECIFIER)) {
      if (specifier!.startsWith('.')) {
        if (!specifier!.endsWith('.js')) return fallBack();
        const target = resolve(dirname(source), `${specifier!.slice(0, -3)}.ts`);
        const inside = relative(root, target);
        if (inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('node_modules') || !existsSync(target) || !statSync(target).isFile()) return fallBack();
        todo.push(target);
      } else if (specifier!.startsWith('/') || specifier!.startsWith('file:') || isAbsolute(specifier!)) {
        return fallBack();
      }
    }
    compiled.push([outputOf(source), code]);
  }
  if (!existsSync(join(treeDir, 'package.json'))) writeAtomic(join(treeDir, 'package.json'), '{ "type": "module" }\n');
  for (const [file, code] of compiled) writeAtomic(file, code);
  const manifest: Manifest = { format: FORMAT, esbuild: esbuild.version, output: outputOf(entry), inputs };
  writeAtomic(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`);
  return outputOf(entry);
}
