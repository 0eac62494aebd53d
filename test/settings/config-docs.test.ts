/**
 * `defineConfig` completion shows each setting's doc line: the TypeScript language service, asked
 * what an editor shows on hover, answers with the defaults table's doc for nested and dotted keys.
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { DEFAULTS } from '../../src/settings/defaults.js';
import { REPO } from '../helpers/project.js';

const FILE = join(REPO, 'test', 'settings', 'virtual-config.ts');
const TEXT = `import { defineConfig } from '../../src/index.js';
export default defineConfig({ concurrency: { perDomain: 2 }, 'retry.times': 1, userAgent: 'x' });
`;

test('hovering a setting in defineConfig shows its doc line and default', () => {
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => [FILE],
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => (f === FILE ? ts.ScriptSnapshot.fromString(TEXT) : existsSync(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8')) : undefined),
    getCurrentDirectory: () => REPO,
    getCompilationSettings: () => ({ module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true }),
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (f) => f === FILE || ts.sys.fileExists(f),
    readFile: (f) => (f === FILE ? TEXT : ts.sys.readFile(f)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const service = ts.createLanguageService(host);
  for (const [word, key] of [['perDomain', 'concurrency.perDomain'], ["'retry.times'", 'retry.times'], ['userAgent', 'userAgent']] as const) {
    const info = service.getQuickInfoAtPosition(FILE, TEXT.indexOf(`${word}:`) + 1);
    const doc = ts.displayPartsToString(info?.documentation);
    assert.ok(doc.startsWith(DEFAULTS[key].doc), `${word}: "${doc}"`);
    assert.match(doc, /Default `/);
  }
});
