/**
 * The compiled-module cache (src/settings/compiled-module.ts): unchanged TypeScript is imported
 * compiled, without tsx; a change to any file of the closure recompiles; what the compiled copy
 * could not reproduce falls back to tsx; stack traces keep the sources' paths and lines.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { compiledModule } from '../../src/settings/compiled-module.js';
import { importModule } from '../../src/settings/import-module.js';
import { makeProject, type TempProject } from '../helpers/project.js';

const projects: TempProject[] = [];
after(() => {
  for (const p of projects) p.remove();
});

function project(files: Record<string, string>): TempProject {
  const p = makeProject(files);
  projects.push(p);
  return p;
}

const SHARED = `export const registry: string[] = [];\nexport const VERSION: number = 1;\n`;
const CONFIG = `import { defineConfig } from 'arachne';\nimport { registry } from './shared.js';\nexport { registry };\nexport default defineConfig({});\n`;
const SPIDER = `import { Spider, type Response } from 'arachne';
import { registry, VERSION } from '../shared.js';
export { registry, VERSION };
export default class One extends Spider {
  static override name = 'one';
  async *parse(response: Response) {
    yield { url: response.url };
  }
  fail(): never {
    throw new Error('from the spider');
  }
}
`;

test('a project file is compiled once into the cache; a module shared by two files stays one module', async () => {
  const p = project({ 'crawl.config.ts': CONFIG, 'shared.ts': SHARED, 'spiders/one.ts': SPIDER });
  const spider = await compiledModule(join(p.dir, 'spiders/one.ts'));
  assert.equal(spider, join(p.dir, 'node_modules/.cache/arachne/tree/spiders/one.js'));
  assert.ok(statSync(join(p.dir, 'node_modules/.cache/arachne/tree/shared.js')).isFile(), 'the local import is compiled beside it');
  const config = await compiledModule(join(p.dir, 'crawl.config.ts'));
  assert.equal(config, join(p.dir, 'node_modules/.cache/arachne/tree/crawl.config.js'));
  const a = (await import(pathToFileURL(spider!).href)) as { registry: string[]; default: { name: string } };
  const b = (await import(pathToFileURL(config!).href)) as { registry: string[] };
  assert.equal(a.default.name, 'one');
  assert.equal(a.registry, b.registry, 'one instance of shared.ts');

  const before = statSync(spider!).mtimeMs;
  assert.equal(await compiledModule(join(p.dir, 'spiders/one.ts')), spider);
  assert.equal(statSync(spider!).mtimeMs, before, 'a second run reuses the compiled file');

  // A change to a file the spider imports recompiles it.
  p.write('shared.ts', SHARED.replace('= 1', '= 2'));
  assert.equal(await compiledModule(join(p.dir, 'spiders/one.ts')), spider);
  assert.match(readFileSync(join(p.dir, 'node_modules/.cache/arachne/tree/shared.js'), 'utf8'), /VERSION = 2/);
});

test('stack traces of compiled code name the TypeScript source and its line', async () => {
  const p = project({ 'shared.ts': SHARED, 'spiders/one.ts': SPIDER });
  const module = await importModule(join(p.dir, 'spiders/one.ts'), 'ERR_SPIDER_LOAD', 'spider file');
  assert.ok(!String(module.default).includes('.cache'));
  const Spider = module.default as new (options: object) => { fail(): never };
  let stack = '';
  try {
    new Spider({}).fail();
  } catch (error) {
    stack = (error as Error).stack ?? '';
  }
  // SPIDER's line 10 is the throw.
  assert.match(stack, new RegExp(`${join(p.dir, 'spiders', 'one.ts').replace(/[.]/g, '\\.')}:10:`), stack);
});

test('what a compiled copy cannot reproduce falls back to tsx, and the decision is remembered', async () => {
  const cases: Record<string, string> = {
    'meta.ts': `export const here = import.meta.url;\n`,
    'extensionless.ts': `import { VERSION } from './shared';\nexport { VERSION };\n`,
    'dynamic.ts': `export const load = () => import('./shared.js');\n`,
    'broken.ts': `export const x = ;\n`,
  };
  const p = project({ 'shared.ts': SHARED, ...cases });
  for (const file of Object.keys(cases)) {
    assert.equal(await compiledModule(join(p.dir, file)), undefined, file);
    assert.equal(await compiledModule(join(p.dir, file)), undefined, `${file}, again`);
  }
  // tsx still imports them as before.
  const meta = await importModule(join(p.dir, 'meta.ts'), 'ERR_SPIDER_LOAD', 'spider file');
  assert.equal(meta.here, pathToFileURL(join(p.dir, 'meta.ts')).href);
  await assert.rejects(importModule(join(p.dir, 'broken.ts'), 'ERR_SPIDER_LOAD', 'spider file'), (error: { code?: string }) => error.code === 'ERR_SPIDER_LOAD');
  // Once the file is fixed, it is compiled.
  p.write('extensionless.ts', `import { VERSION } from './shared.js';\nexport { VERSION };\n`);
  assert.equal(await compiledModule(join(p.dir, 'extensionless.ts')), join(p.dir, 'node_modules/.cache/arachne/tree/extensionless.js'));
});

test('no cache outside an ESM project with node_modules, or when turned off', async () => {
  const cjs = project({ 'one.ts': SPIDER });
  cjs.write('package.json', JSON.stringify({ name: 'cjs', private: true }));
  assert.equal(await compiledModule(join(cjs.dir, 'one.ts')), undefined, 'a CommonJS project');
  const p = project({ 'shared.ts': SHARED });
  process.env.ARACHNE_COMPILE_CACHE = '0';
  try {
    assert.equal(await compiledModule(join(p.dir, 'shared.ts')), undefined);
  } finally {
    delete process.env.ARACHNE_COMPILE_CACHE;
  }
  assert.equal(await compiledModule(join(p.dir, 'shared.js')), undefined, 'JavaScript is imported as it is');
});

test("Arachne's own tree is left to tsx: its files import its sources by path", async () => {
  assert.equal(await compiledModule(new URL('../fixtures/site.ts', import.meta.url).pathname), undefined);
});

test("the project's tsconfig.json shapes the output as under tsx; extends and paths are left to tsx", async () => {
  const source = `export class Fields { declare kept: number; plain = 1; }\nexport const own = Object.keys(new Fields());\n`;
  const p = project({ 'fields.ts': source, 'tsconfig.json': `{ "compilerOptions": { "useDefineForClassFields": true, } }` });
  const out = await compiledModule(join(p.dir, 'fields.ts'));
  assert.ok(out);
  assert.deepEqual(((await import(`${pathToFileURL(out).href}?1`)) as { own: string[] }).own, ['plain']);
  // A change to tsconfig.json recompiles: legacy decorators are tsx's (and TypeScript's) behaviour with this flag.
  p.write('tsconfig.json', `{ "compilerOptions": { "experimentalDecorators": true } }`);
  p.write('fields.ts', `const mark = (target: object, key: string) => void Object.assign(target, { marked: key });\nexport class D { @mark m() {} }\nexport const marked = (D.prototype as { marked?: string }).marked;\n`);
  const decorated = await compiledModule(join(p.dir, 'fields.ts'));
  assert.equal(((await import(`${pathToFileURL(decorated!).href}?2`)) as { marked?: string }).marked, 'm');
  p.write('tsconfig.json', `{ "extends": "./base.json" }`);
  assert.equal(await compiledModule(join(p.dir, 'fields.ts')), undefined, 'extends');
  p.write('tsconfig.json', `{ "compilerOptions": { "paths": { "@/*": ["./*"] } } }`);
  assert.equal(await compiledModule(join(p.dir, 'fields.ts')), undefined, 'paths');
});
