/**
 * The defaults table (src/settings/defaults.ts), key by key: each is documented wherever users
 * read settings, its default is of the type it declares and survives `-s`, and a bad value for it is
 * refused with a coded error naming it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArachneError, CATALOGUE } from '../../src/errors.js';
import { flattenConfig, parseSettingArgs } from '../../src/settings/config.js';
import { DEFAULTS, SETTING_KEYS, defaultValues, type SettingKey } from '../../src/settings/defaults.js';
import { settingsAsConfigComments } from '../../src/settings/docs.js';
import type { SettingSpec } from '../../src/settings/spec.js';
import { REPO } from '../helpers/project.js';

const spec = (key: SettingKey): SettingSpec<unknown> => DEFAULTS[key] as SettingSpec<unknown>;

/** The coded error `fn` throws, or a failure naming what it did instead. */
function refusal(fn: () => unknown, what: string): ArachneError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ArachneError, `${what}: threw ${String(error)}`);
    return error;
  }
  assert.fail(`${what} was accepted`);
}

test('every key is in the settings reference, the editor docs and the new-project config, with its type and default', () => {
  const reference = readFileSync(join(REPO, 'docs', 'reference', 'settings.md'), 'utf8');
  const rows = new Map([...reference.matchAll(/^\| `([^`]+)` \| (.*?) \| `(.*?)` \| (.*) \|$/gm)].map((m) => [m[1]!, { type: m[2]!.replace(/\\\|/g, '|'), def: m[3]!.replace(/\\\|/g, '|') }]));
  assert.deepEqual([...rows.keys()], SETTING_KEYS, 'the reference table lists every key, in the table\'s order, and nothing else');
  const editorDocs = readFileSync(join(REPO, 'src', 'settings', 'config-docs.ts'), 'utf8') + readFileSync(join(REPO, 'src', 'settings', 'config-docs-dotted.ts'), 'utf8');
  const template = settingsAsConfigComments();
  for (const key of SETTING_KEYS) {
    const row = rows.get(key)!;
    assert.equal(row.type, spec(key).type, `${key}: the reference shows its type`);
    assert.deepEqual(JSON.parse(row.def), spec(key).default, `${key}: the reference shows its default`);
    assert.ok(editorDocs.includes(`SettingValues['${key}']`), `${key} has an editor doc`);
    assert.ok(template.includes(`// '${key}': ${JSON.stringify(spec(key).default)},`), `${key} is in the new-project config`);
  }
});

/** What a default must look like for the type its spec declares. */
function matchesType(type: string, value: unknown): boolean {
  if (type.startsWith('integer') && !type.includes('|') && !type.endsWith('[]')) return Number.isInteger(value);
  if (type.startsWith('number')) return typeof value === 'number' && Number.isFinite(value);
  if (type === 'boolean') return typeof value === 'boolean';
  if (type === 'string' || type.startsWith('string (')) return typeof value === 'string';
  if (type === 'integer[]') return Array.isArray(value) && value.every(Number.isInteger);
  if (type === 'string[]') return Array.isArray(value) && value.every((v) => typeof v === 'string');
  if (type.startsWith('Array<')) return Array.isArray(value);
  if (type.startsWith('Record<')) return typeof value === 'object' && value !== null && !Array.isArray(value);
  if (/^"[^"]*"( \| "[^"]*")*$/.test(type)) return (JSON.parse(`[${type.replace(/ \| /g, ',')}]`) as unknown[]).includes(value);
  return false;
}

test('each default is of its declared type, within its range, and survives -s unchanged', () => {
  const values = defaultValues();
  for (const key of SETTING_KEYS) {
    const { type, default: def } = spec(key);
    // parse.workers is the one union of a number and a word ("integer >= 0 | \"auto\"").
    if (key === 'parse.workers') assert.ok(def === 'auto' || Number.isInteger(def), key);
    else assert.ok(matchesType(type, def), `${key}: default ${JSON.stringify(def)} is not a ${type}`);
    const range = /(?:>= |from )(-?[\d.]+)(?: to (-?[\d.]+))?/.exec(type);
    if (range && typeof def === 'number') {
      assert.ok(def >= Number(range[1]) && (range[2] === undefined || def <= Number(range[2])), `${key}: ${def} outside ${type}`);
    }
    const raw = typeof def === 'string' ? def : JSON.stringify(def);
    if (raw === '') continue; // an empty -s value is no value
    assert.deepEqual(parseSettingArgs([`${key}=${raw}`]), { [key]: def }, `${key}: -s ${key}=${raw}`);
    assert.deepEqual(values[key], def, `${key}: defaultValues() gives the default`);
  }
  // defaultValues() hands out copies: changing one crawl's settings leaves the table alone.
  values['retry.httpCodes'].push(999);
  assert.ok(!DEFAULTS['retry.httpCodes'].default.includes(999));
});

/** A value of the wrong kind for each declared type. */
function wrongKind(type: string): unknown {
  return type === 'boolean' ? 'yes' : type === 'string' ? 42 : true;
}

test('a value of the wrong kind is ERR_SETTING_TYPE naming the key and its type, from a config file and from -s', () => {
  assert.ok(CATALOGUE.ERR_SETTING_TYPE, 'the code is in the catalogue');
  for (const key of SETTING_KEYS) {
    const { type } = spec(key);
    const bad = wrongKind(type);
    const error = refusal(() => flattenConfig({ [key]: bad }, 'crawl.config.ts'), `${key}=${JSON.stringify(bad)}`);
    assert.equal(error.code, 'ERR_SETTING_TYPE', `${key}: ${error.message}`);
    assert.ok(error.message.includes(key), `${key}: the message names the key: ${error.message}`);
    assert.equal(error.kind, 'config', 'nothing starts');
    // From the command line every value is a string, which a string setting takes as it is (and a
    // string list as one comma-separated item).
    if (type === 'string' || type.startsWith('string (') || type === 'string[]') continue;
    const cli = refusal(() => parseSettingArgs([`${key}=${type === 'boolean' ? 'maybe' : '{"not": ['}`]), `-s ${key}`);
    assert.equal(cli.code, 'ERR_SETTING_TYPE', `-s ${key}: ${cli.message}`);
  }
});

test('numbers outside their range are refused at each end; the ends themselves pass', () => {
  let checked = 0;
  for (const key of SETTING_KEYS) {
    const { type } = spec(key);
    const range = /^(integer|number) (?:>= (-?[\d.]+)|from (-?[\d.]+) to (-?[\d.]+)|<= (-?[\d.]+))$/.exec(type);
    if (!range) continue;
    const step = range[1] === 'integer' ? 1 : 0.001;
    const min = range[2] ?? range[3];
    const max = range[4] ?? range[5];
    for (const [end, outside] of [
      [min, -step],
      [max, step],
    ] as const) {
      if (end === undefined) continue;
      assert.deepEqual(flattenConfig({ [key]: Number(end) }, 't'), { [key]: Number(end) }, `${key}=${end} is inside ${type}`);
      const error = refusal(() => flattenConfig({ [key]: Number(end) + outside }, 't'), `${key}=${Number(end) + outside}`);
      assert.equal(error.code, 'ERR_SETTING_TYPE');
      assert.ok(error.message.includes(type), `${key}: the message says the range: ${error.message}`);
      checked++;
    }
    if (range[1] === 'integer') assert.equal(refusal(() => flattenConfig({ [key]: Number(min ?? max) + 0.5 }, 't'), `${key} fraction`).code, 'ERR_SETTING_TYPE');
    assert.equal(refusal(() => flattenConfig({ [key]: Number.NaN }, 't'), `${key}=NaN`).code, 'ERR_SETTING_TYPE');
  }
  assert.ok(checked >= 60, `range ends checked: ${checked}`);
});

test('a one-of setting takes each of its words and nothing else, case included', () => {
  let checked = 0;
  for (const key of SETTING_KEYS) {
    const { type } = spec(key);
    if (!/^"[^"]*"( \| "[^"]*")*$/.test(type)) continue;
    const words = JSON.parse(`[${type.replace(/ \| /g, ',')}]`) as string[];
    for (const word of words) assert.deepEqual(flattenConfig({ [key]: word }, 't'), { [key]: word });
    assert.equal(refusal(() => flattenConfig({ [key]: words[0]!.toUpperCase() + '!' }, 't'), key).code, 'ERR_SETTING_TYPE');
    checked++;
  }
  assert.ok(checked >= 5, `one-of settings checked: ${checked}`);
});
