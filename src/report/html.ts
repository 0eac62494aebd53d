/**
 * The report page: one self-contained HTML file (inline CSS, inline SVG charts, one inline
 * script for the canvas waterfall; nothing fetched from the network).
 */
import type { GroupRow, ReportModel } from './aggregate.js';
import { escapeHtml, formatMs, histogramChart, lineChart } from './charts.js';
import { WATERFALL_SCRIPT } from './client-script.js';
import { coverageHtml } from './coverage-html.js';
import { scriptJson, type WaterfallData } from './waterfall-data.js';

/** Rows shown per table; the rest are summed up in a last line. */
const TABLE_ROWS = 200;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:1100px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
.sub{color:#5b6472;margin:0 0 12px}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:8px 12px;min-width:110px}
.card b{display:block;font-size:18px}.card span{color:#5b6472;font-size:12px}
.note{background:#fff7e0;border:1px solid #f0d68a;border-radius:6px;padding:8px 12px;margin:10px 0}
.empty{background:#eef3fb;border:1px solid #bcd0ee;border-radius:6px;padding:14px;margin:16px 0;font-size:16px}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid #dde1e7;border-radius:6px}
svg text{font-size:11px;fill:#4a5260}svg .grid{stroke:#eceff3}
.legend{display:flex;gap:14px;font-size:12px;color:#4a5260;margin:4px 0 0}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}th,td{border:1px solid #dde1e7;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f0f2f5}
.wf-bar{display:flex;gap:12px;align-items:center;margin:6px 0;font-size:13px}
.wf{position:relative;max-height:640px;overflow-y:auto;overflow-x:hidden;background:#fff;border:1px solid #dde1e7;border-radius:6px}
#waterfall{display:block;cursor:grab}#waterfall-tip{position:absolute;background:#1d2330;color:#fff;padding:6px 8px;border-radius:4px;font-size:12px;white-space:pre;pointer-events:none;max-width:700px;overflow:hidden}
code{background:#eef0f3;padding:1px 4px;border-radius:3px}
`;

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);

function bytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

function table(id: string, first: string, rows: readonly GroupRow[], proxy: boolean): string {
  const head = `<tr><th>${first}</th><th>requests</th><th>success rate</th><th>errors</th><th>retries</th><th>p50</th><th>p95</th><th>reuse</th><th>bytes</th>${proxy ? '<th>state changes</th><th>state</th>' : ''}</tr>`;
  const shown = rows.slice(0, TABLE_ROWS);
  const body = shown
    .map(
      (r) =>
        `<tr data-key="${escapeHtml(r.key)}"><td>${escapeHtml(r.key)}</td><td data-col="requests">${r.requests}</td><td data-col="success">${pct(r.successRate)}</td><td data-col="errors">${r.errors}</td><td data-col="retries">${r.retries}</td><td>${formatMs(r.p50Ms)}</td><td data-col="p95">${formatMs(r.p95Ms)}</td><td data-col="reuse">${pct(r.reuseRate)}</td><td>${bytes(r.bytes)}</td>${
          proxy ? `<td data-col="stateChanges">${r.stateChanges ?? 0}</td><td>${escapeHtml(r.state ?? '')}</td>` : ''
        }</tr>`,
    )
    .join('');
  const rest = rows.slice(TABLE_ROWS);
  const more = rest.length ? `<tr><td>${rest.length} more</td><td>${rest.reduce((s, r) => s + r.requests, 0)}</td><td colspan="${proxy ? 9 : 7}"></td></tr>` : '';
  return `<table id="${id}">${head}${body}${more}</table>`;
}

function card(value: string, label: string, id?: string): string {
  return `<div class="card"${id ? ` id="${id}"` : ''}><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
}

/** The whole page. */
export function renderHtml(model: ReportModel, waterfall: WaterfallData, traceName: string): string {
  const title = `Arachne crawl report: ${model.spider || traceName}`;
  const notes: string[] = [];
  if (model.skipped > 0) {
    notes.push(
      `<div class="note" id="skipped-note"><b>${model.skipped} trace line${model.skipped === 1 ? ' was' : 's were'} skipped</b> (truncated or garbled; line${model.skipped === 1 ? '' : 's'} ${model.skippedLines.join(', ')}${model.skipped > model.skippedLines.length ? ', ...' : ''}). Everything else is shown.</div>`,
    );
  }
  if (model.dropped > 0) notes.push(`<div class="note">${model.dropped} records were dropped while tracing (the file writer fell behind): figures below miss them.</div>`);
  if (model.sampleRate < 1) notes.push(`<div class="note">Sampled trace: ${pct(model.sampleRate)} of requests were recorded. Concurrency and throughput are scaled up by 1/${model.sampleRate}; tables count recorded requests only.</div>`);
  if (model.requests > 0 && !model.reason) notes.push('<div class="note">The trace has no footer: the crawl did not close normally (killed, or the file was cut). Records up to that point are shown.</div>');
  const header = `<h1>${escapeHtml(title)}</h1><p class="sub">started ${escapeHtml(model.startedAt || 'unknown')}${model.finishedAt ? `, finished ${escapeHtml(model.finishedAt)} (${escapeHtml(model.reason ?? '')})` : ''}; trace <code>${escapeHtml(traceName)}</code></p>`;
  if (model.requests === 0) {
    const body = `<div class="empty" id="empty-trace">This trace holds no requests: ${model.startedAt ? 'the crawl recorded no download attempts' : 'the file is empty'}.</div>${notes.join('')}<canvas id="waterfall" data-bars="0" hidden></canvas>`;
    return page(title, `${header}${body}`, '');
  }
  const l = model.limits;
  const statusText = Object.entries(model.statuses).map(([s, n]) => `${s}: ${n}`).join(', ');
  const outcomeText = Object.entries(model.outcomes).map(([o, n]) => `${o}: ${n}`).join(', ');
  const cards = [
    card(String(model.requests), 'download attempts', 'card-requests'),
    card(formatMs(model.spanMs), 'first dispatch to last done'),
    card(`${model.little.throughput.toFixed(1)}/s`, 'throughput'),
    card(formatMs(model.latency.p50), 'p50 latency'),
    card(formatMs(model.latency.p95), 'p95 latency'),
    card(formatMs(model.latency.p99), 'p99 latency'),
    card(model.little.meanConcurrency.toFixed(2), 'mean concurrency'),
  ].join('');
  const limitLines = [{ value: l.global, label: `concurrency.global = ${l.global}`, color: '#d64541' }];
  if (l.proxies > 0 && l.perProxy > 0) limitLines.push({ value: l.proxies * l.perProxy, label: `proxies x perProxy = ${l.proxies * l.perProxy}`, color: '#8e44ad' });
  const little = model.little;
  const ratio = little.product > 0 ? little.meanConcurrency / little.product : 0;
  const littleHtml = `<table id="littles-law"><tr><th>quantity</th><th>value</th></tr>
<tr><td>L: mean requests in flight (time-weighted)</td><td data-col="L">${little.meanConcurrency.toFixed(3)}</td></tr>
<tr><td>&lambda;: throughput (attempts/s)</td><td>${little.throughput.toFixed(3)}</td></tr>
<tr><td>W: mean latency, dispatch to done (s)</td><td>${little.meanLatencyS.toFixed(4)}</td></tr>
<tr><td>&lambda; &times; W</td><td data-col="product">${little.product.toFixed(3)}</td></tr>
<tr><td>L / (&lambda; &times; W)</td><td>${ratio.toFixed(3)}</td></tr>
<tr><td>W on the wire only, transport send to done (s)</td><td>${little.meanWireS === null ? 'n/a' : little.meanWireS.toFixed(4)}</td></tr>
<tr><td>ceiling: concurrency.global / W (attempts/s)</td><td>${little.ceiling === null ? 'n/a' : little.ceiling.toFixed(1)}</td></tr>
<tr><td>utilisation: L / concurrency.global</td><td>${l.global > 0 ? pct(little.meanConcurrency / l.global) : 'n/a'}</td></tr></table>
<p class="sub">L = &lambda;W holds for any stable system; with every attempt traced the two agree, so a gap means records are missing (dropped, cut, sampled) or the crawl ended with requests in flight. The useful reading is the last two lines: how close the crawl ran to its concurrency limit, and how its throughput compares with the ceiling the limit and the latency allow. A wire time well below W means time is spent in downloader middlewares (robots, delays) rather than on the network.</p>`;
  const body = `${header}
<div class="cards">${cards}</div>${notes.join('')}
<p class="sub">outcomes: ${escapeHtml(outcomeText)}; statuses: ${escapeHtml(statusText || 'none')}; limits: global ${l.global}, per domain ${l.perDomain}${l.perIp ? `, per IP ${l.perIp}` : ''}${l.proxies ? `, ${l.proxies} proxies x ${l.perProxy}` : ''}${l.delayMs ? `, delay ${l.delayMs} ms` : ''}</p>
<h2>Request waterfall</h2>
<div class="wf-bar"><label>group by <select id="waterfall-group"><option value="slot">domain slot</option><option value="proxy">proxy</option><option value="ip">IP</option></select></label>
<button id="waterfall-reset" type="button">reset zoom</button><span id="waterfall-range"></span>
<span class="legend"><span><i style="background:#2e9e4f"></i>2xx</span><span><i style="background:#3b7dd8"></i>3xx / redirect</span><span><i style="background:#e08a1e"></i>4xx</span><span><i style="background:#d64541"></i>5xx</span><span><i style="background:#8e44ad"></i>failed</span><span><i style="background:#c9a227"></i>retried</span></span></div>
<p class="sub">Wheel to zoom, drag to pan, double-click to reset. Faint: waiting for headers; solid: body transfer; grey line: queued in the frontier.</p>
<div class="wf"><canvas id="waterfall" data-bars="0"></canvas><div id="waterfall-tip" hidden></div></div>
<h2>Concurrency over time</h2>
${lineChart({ spanMs: model.spanMs, yLabel: 'requests in flight', hLines: limitLines, series: [{ label: 'peak in bin', color: '#9db8de', values: model.concurrency.peak, area: true }, { label: 'mean in bin', color: '#1f5fae', values: model.concurrency.mean }] })}
<h2>Throughput over time</h2>
${lineChart({ spanMs: model.spanMs, yLabel: 'attempts / s', series: [{ label: 'attempts finished per second', color: '#2e9e4f', values: model.throughput, area: true }] })}
<h2>Latency (dispatch to done)</h2>
${histogramChart(model.latency.edges, model.latency.counts, [
  { value: model.latency.p50, label: `p50 ${formatMs(model.latency.p50)}`, color: '#2e9e4f' },
  { value: model.latency.p95, label: `p95 ${formatMs(model.latency.p95)}`, color: '#e08a1e' },
  { value: model.latency.p99, label: `p99 ${formatMs(model.latency.p99)}`, color: '#d64541' },
])}
<p class="sub" id="latency-summary">p50 ${formatMs(model.latency.p50)}, p95 ${formatMs(model.latency.p95)}, p99 ${formatMs(model.latency.p99)}, mean ${formatMs(model.latency.mean)}, max ${formatMs(model.latency.max)}</p>
<h2>Connection reuse over time</h2>
${lineChart({ spanMs: model.spanMs, yLabel: 'reused share', yMax: 1, series: [{ label: 'responses on a reused connection', color: '#8e44ad', values: model.reuse }] })}
<h2>Per domain slot</h2>
${table('domains', 'slot', model.domains, false)}
<h2>Per proxy</h2>
${model.proxies.length ? table('proxies', 'proxy', model.proxies, true) : '<p class="sub" id="proxies">No proxies: every request went direct.</p>'}
${browserHtml(model)}<h2>Little's law</h2>
${littleHtml}
${coverageHtml(model.stats)}
<script type="application/json" id="waterfall-data">${scriptJson(waterfall)}</script>`;
  return page(title, body, WATERFALL_SCRIPT);
}

/** The browser's section: only when the crawl rendered pages (meta.browser, browser.mode). */
function browserHtml(model: ReportModel): string {
  const b = model.browser;
  if (!b) return '';
  return `<h2>Browser</h2><table id="browser"><tr><th>pages rendered</th><th>DOMContentLoaded p50</th><th>load p50</th><th>load p95</th><th>subrequests</th><th>blocked</th><th>subresponse bytes</th></tr>
<tr><td>${b.pages}</td><td>${formatMs(b.domContentLoadedP50Ms)}</td><td>${formatMs(b.loadP50Ms)}</td><td>${formatMs(b.loadP95Ms)}</td><td>${b.subrequests}</td><td>${b.blocked}</td><td>${b.subBytes}</td></tr></table>
<p class="sub">Times from sending the page to its DOMContentLoaded and load events. Browser attempts are also bars in the waterfall, beside HTTP ones; subrequests are counted here, not as pages.</p>
`;
}

function page(title: string, body: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main>${body}</main>${script ? `<script>${script}</script>` : ''}</body></html>
`;
}
