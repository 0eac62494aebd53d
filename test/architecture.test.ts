/**
 * The layer order of docs/architecture.md, enforced: every import in src/ (type-only and dynamic
 * ones included) goes to the same folder or to a lower floor, every folder has a floor, and no
 * two files import each other through any chain.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { sourceFiles } from './helpers/files.js';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

/** The floors of the `layers` block, top first: folder name -> floor index. */
function floors(): Map<string, number> {
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const block = /```layers\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/architecture.md has a ```layers block');
  const out = new Map<string, number>();
  block[1]!.trim().split('\n').forEach((line, floor) => {
    for (const name of line.trim().split(/\s+/)) out.set(name, floor);
  });
  return out;
}

/** `index` for src/index.ts, `shared` for the other top-level files, else the first folder. */
function layerOf(file: string): string {
  const parts = relative(src, file).split(sep);
  if (parts.length > 1) return parts[0]!;
  return parts[0] === 'index.ts' ? 'index' : 'shared';
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** Each file's relative imports, as absolute .ts paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(src)) {
    const targets: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      targets.push(resolve(dirname(file), (match[1] ?? match[2])!.replace(/\.js$/, '.ts')));
    }
    graph.set(file, targets);
  }
  return graph;
}

const graph = importGraph();

test('architecture: every import in src/ goes down the layers of docs/architecture.md', () => {
  const floor = floors();
  const unplaced = [...new Set([...graph.keys()].map(layerOf))].filter((layer) => !floor.has(layer));
  assert.deepEqual(unplaced, [], 'every folder of src/ has a floor in the layers block');
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const from = layerOf(file);
      const to = layerOf(target);
      if (from !== to && floor.get(to)! <= floor.get(from)!) wrong.push(`${relative(src, file)} -> ${relative(src, target)}`);
    }
  }
  assert.deepEqual(wrong, [], 'imports up or sideways');
});

test('architecture: no import cycle between files of src/', () => {
  // Tarjan's strongly connected components; a component of more than one file is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(relative(src, member));
    } while (member !== file);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  assert.deepEqual(cycles, []);
});

test('architecture: the checker sees type-only, re-export and dynamic imports', () => {
  const sample = "import type { A } from './a.js';\nexport { B } from '../b.js';\nconst c = await import('./c.js');\n";
  assert.deepEqual([...sample.matchAll(IMPORT)].map((m) => m[1] ?? m[2]), ['./a.js', '../b.js', './c.js']);
});
