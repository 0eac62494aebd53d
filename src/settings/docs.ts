import { DEFAULTS, SETTING_KEYS } from './defaults.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The settings table of docs/reference/settings.md, generated from the defaults table (a test keeps them in sync). */
export function settingsMarkdown(): string {
  const rows = SETTING_KEYS.map((key) => {
    const spec = DEFAULTS[key];
    return `| \`${key}\` | ${cell(spec.type)} | \`${cell(JSON.stringify(spec.default))}\` | ${cell(spec.doc)} |`;
  });
  return ['| key | type | default | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

/** Every setting as a commented `crawl.config.ts` body (used by `crawl startproject`). */
export function settingsAsConfigComments(indent = '  '): string {
  return SETTING_KEYS.map((key) => `${indent}// ${DEFAULTS[key].doc}\n${indent}// '${key}': ${JSON.stringify(DEFAULTS[key].default)},`).join('\n');
}
