/**
 * What a user gets from the registry: `npm pack` of this repository, installed into a new
 * project, then the path the README teaches: `npx arachne --help`, `npx arachne startproject
 * shop`, the project's install, `npx crawl genspider`, a typecheck and `npx crawl run` against a
 * local site.
 *
 * Tests never reach the network, and `npm install --offline` needs registry metadata npm's cache
 * does not hold, so "install" here is what npm does with the tarball: unpack it into
 * node_modules/arachne, put its dependencies beside it (linked from this repository's
 * node_modules, the versions package-lock.json pins), link its bins into node_modules/.bin and
 * record it in node_modules/.package-lock.json. CI runs this file under Node 20, 22 and 24.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { startSite, type Site } from '../fixtures/site.js';
import { REPO, runProcess, type CliResult } from '../helpers/project.js';

interface PackageJson {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

let root: string;
let tarball: string;
let files: string[];
let site: Site;

const run = (command: string, args: string[], cwd: string): Promise<CliResult> => runProcess(command, args, cwd, { NO_COLOR: '1' });

/** A bin in node_modules/.bin, run with this Node (the shebang would pick whatever `node` is on PATH). */
function runBin(project: string, bin: string, args: string[]): ReturnType<typeof run> {
  return run(process.execPath, [join(project, 'node_modules', '.bin', bin), ...args], project);
}

/** Links `name` from this repository's node_modules into `modules` (what `npm install` would fetch). */
function linkFromRepo(modules: string, name: string): void {
  const from = join(REPO, 'node_modules', name);
  assert.ok(existsSync(from), `${name} is in this repository's node_modules`);
  mkdirSync(dirname(join(modules, name)), { recursive: true });
  symlinkSync(from, join(modules, name), 'dir');
}

/** npm's install of `tgz` into `project` (see the file comment); `spec` is what package.json says. */
function installTarball(project: string, tgz: string, extraDev: string[] = []): void {
  const modules = join(project, 'node_modules');
  const target = join(modules, 'arachne');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', target, '--strip-components=1']);
  const pkg = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as PackageJson;
  for (const dep of new Set([...Object.keys(pkg.dependencies ?? {}), ...extraDev])) linkFromRepo(modules, dep);
  mkdirSync(join(modules, '.bin'), { recursive: true });
  for (const [bin, path] of Object.entries(pkg.bin)) symlinkSync(join('..', 'arachne', path), join(modules, '.bin', bin));
  const lock = {
    name: 'installed',
    lockfileVersion: 3,
    requires: true,
    packages: { 'node_modules/arachne': { version: pkg.version, resolved: `file:${relative(project, tgz)}`, license: 'MIT' } },
  };
  writeFileSync(join(modules, '.package-lock.json'), JSON.stringify(lock, null, 2));
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'arachne-pack-'));
  // --ignore-scripts: `prepare` would rebuild dist/, which the suite has just built.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [info] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
  tarball = join(root, info.filename);
  files = info.files.map((f) => f.path).sort();
  site = await startSite({ pages: 6, linksPerPage: 2 });
});

after(async () => {
  await site.close();
  rmSync(root, { recursive: true, force: true });
});

test('the tarball holds what a user needs, and nothing of the repository besides', () => {
  for (const needed of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/cli/bin.js', 'src/index.ts', 'templates/project/package.json', 'templates/project/gitignore', 'templates/spiders/basic.ts', 'examples/demo/site/server.ts']) {
    assert.ok(files.includes(needed), `${needed} is packed`);
  }
  for (const path of files) {
    // The demo shop's server ships for the tutorial (docs/tutorial.md); nothing else of examples/.
    if (path !== 'examples/demo/site/server.ts') assert.doesNotMatch(path, /^(test|examples|node_modules|\.ci|docs)\//, `${path} is not packed`);
    assert.notEqual(path, 'src/tsconfig.json', 'the build config extends a file that is not packed');
  }
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson;
  assert.equal(pkg.license, 'MIT');
  assert.match(readFileSync(join(REPO, 'LICENSE'), 'utf8'), /^MIT License/);
  for (const field of ['repository', 'homepage', 'bugs', 'engines']) assert.ok(pkg[field], `package.json has ${field}`);
  assert.deepEqual(Object.keys(pkg.bin).sort(), ['arachne', 'crawl']);
  for (const path of Object.values(pkg.bin)) assert.ok(files.includes(path.replace(/^\.\//, '')), `bin ${path} is packed`);
  for (const path of Object.values(pkg.bin)) assert.match(readFileSync(join(REPO, path), 'utf8'), /^#!\/usr\/bin\/env node\n/, `${path} starts with a shebang`);
});

test('every source map in the tarball points at sources that are in it', () => {
  const maps = files.filter((f) => f.endsWith('.map'));
  assert.ok(maps.length > 50, `${maps.length} maps`);
  const packed = new Set(files);
  for (const map of maps) {
    const { sources } = JSON.parse(readFileSync(join(REPO, map), 'utf8')) as { sources: string[] };
    for (const source of sources) {
      const path = relative(REPO, resolve(REPO, dirname(map), source));
      assert.ok(packed.has(path), `${map} points at ${path}, which is packed`);
    }
  }
});

test('installed from the tarball: arachne --help, startproject, genspider, typecheck, crawl run', async () => {
  const app = join(root, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { arachne: `file:${relative(app, tarball)}` } }));
  installTarball(app, tarball);

  const help = await runBin(app, 'arachne', ['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: arachne \[options\] \[command\]/);
  assert.match(help.stdout, /startproject/);
  const version = await runBin(app, 'arachne', ['--version']);
  assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson).version);

  const created = await runBin(app, 'arachne', ['startproject', 'shop']);
  assert.equal(created.code, 0, created.stderr);
  const shop = join(app, 'shop');
  const shopPkg = JSON.parse(readFileSync(join(shop, 'package.json'), 'utf8')) as PackageJson;
  assert.equal(shopPkg.dependencies?.arachne, `file:${tarball}`, 'the project depends on the tarball this Arachne was installed from');
  assert.match(created.stdout, /npm install/);

  installTarball(shop, tarball, Object.keys(shopPkg.devDependencies ?? {}));
  const gen = await runBin(shop, 'crawl', ['genspider', 'books', `${site.url}/page/0`]);
  assert.equal(gen.code, 0, gen.stderr);
  assert.ok(readdirSync(join(shop, 'spiders')).includes('books.ts'));

  const tsc = await run(process.execPath, [join(shop, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', shop], shop);
  assert.equal(tsc.code, 0, `the project typechecks against the packed types:\n${tsc.stdout}${tsc.stderr}`);

  const out = join(shop, 'books.jsonl');
  const crawl = await runBin(shop, 'crawl', ['run', 'books', '-O', out, '-s', 'download.delayMs=0', '-L', 'warn']);
  assert.equal(crawl.code, 0, crawl.stderr);
  const items = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  assert.equal(items.length, 6, 'every page of the site');
});
