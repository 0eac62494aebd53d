/**
 * The report's field coverage table: per item type, the share of items with each field filled,
 * read from the final stats in the trace footer (`item/coverage/<type>/<field>`, items/coverage.ts).
 * Empty when the crawl had no typed items.
 */
import { escapeHtml } from './charts.js';

export function coverageHtml(stats: Readonly<Record<string, number | string>>): string {
  const rows: string[] = [];
  for (const [key, value] of Object.entries(stats)) {
    const m = /^item\/coverage\/([^/]+)\/(.+)$/.exec(key);
    if (!m || typeof value !== 'number') continue;
    const items = stats[`item/types/${m[1]}`] ?? '';
    const invalid = stats[`item/invalid/${m[2]}`] ?? 0;
    rows.push(
      `<tr data-key="${escapeHtml(`${m[1]}.${m[2]}`)}"><td>${escapeHtml(m[1]!)}</td><td>${escapeHtml(m[2]!)}</td><td>${escapeHtml(String(items))}</td><td data-col="coverage">${(value * 100).toFixed(1)}%</td><td data-col="invalid">${escapeHtml(String(invalid))}</td></tr>`,
    );
  }
  if (rows.length === 0) return '';
  const failed = Number(stats['item/coverage/failed'] ?? 0);
  const note = failed > 0 ? `<p class="note" id="coverage-failed">${failed} field(s) below <code>items.minCoverage</code>: the crawl exited with status 3.</p>` : '';
  return `<h2>Field coverage</h2>${note}<table id="coverage"><tr><th>item type</th><th>field</th><th>items</th><th>filled</th><th>invalid</th></tr>${rows.join('')}</table>`;
}
