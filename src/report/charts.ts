/**
 * Small inline-SVG charts for the report, drawn in Node from already-binned series: no script,
 * no network, and a size that does not depend on the trace's.
 */

export interface Series {
  label: string;
  color: string;
  values: readonly (number | null)[];
  /** Draw as filled steps (area) instead of a line. */
  area?: boolean;
}

export interface Marker {
  value: number;
  label: string;
  color: string;
}

export interface LineChartOptions {
  series: readonly Series[];
  /** Duration the bins cover, ms (x axis). */
  spanMs: number;
  yLabel: string;
  /** Horizontal lines (limits). */
  hLines?: readonly Marker[];
  /** Fixed y maximum (rates: 1). */
  yMax?: number;
  height?: number;
}

const W = 900;
const PAD = { left: 56, right: 16, top: 14, bottom: 30 };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round step for about `count` ticks up to `max`. */
function step(max: number, count: number): number {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

export function formatMs(ms: number): string {
  if (ms >= 60_000) return `${Math.round(ms / 600) / 100} min`;
  if (ms >= 1000) return `${Math.round(ms / 10) / 100} s`;
  return `${Math.round(ms * 10) / 10} ms`;
}

function fmt(n: number): string {
  return Math.abs(n) >= 1000 ? n.toFixed(0) : String(Math.round(n * 100) / 100);
}

/** A time-series chart: x is time over `spanMs`, one polyline (or area) per series. */
export function lineChart(options: LineChartOptions): string {
  const height = options.height ?? 220;
  const plotW = W - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  let max = options.yMax ?? 0;
  if (options.yMax === undefined) {
    for (const s of options.series) for (const v of s.values) if (v !== null && v > max) max = v;
    for (const m of options.hLines ?? []) if (m.value > max) max = m.value;
    max = max > 0 ? max * 1.08 : 1;
  }
  const y = (v: number): number => PAD.top + plotH - (v / max) * plotH;
  const parts: string[] = [];
  const yStep = step(max, 4);
  for (let v = 0; v <= max + 1e-9; v += yStep) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  const xStep = step(options.spanMs || 1, 8);
  for (let t = 0; t <= options.spanMs + 1e-9; t += xStep) {
    const x = PAD.left + (t / (options.spanMs || 1)) * plotW;
    parts.push(`<text x="${x.toFixed(1)}" y="${height - 10}" text-anchor="middle">${formatMs(t)}</text>`);
  }
  for (const s of options.series) {
    const n = s.values.length;
    const dx = plotW / Math.max(1, n);
    if (s.area) {
      let d = `M${PAD.left},${y(0).toFixed(1)}`;
      s.values.forEach((v, i) => {
        const yy = y(v ?? 0).toFixed(1);
        d += `L${(PAD.left + i * dx).toFixed(1)},${yy}L${(PAD.left + (i + 1) * dx).toFixed(1)},${yy}`;
      });
      d += `L${(PAD.left + n * dx).toFixed(1)},${y(0).toFixed(1)}Z`;
      parts.push(`<path d="${d}" fill="${s.color}" fill-opacity="0.35" stroke="${s.color}" stroke-width="1"><title>${escapeHtml(s.label)}</title></path>`);
    } else {
      // Bins without data (null) are bridged rather than drawn as a fake zero.
      let d = '';
      s.values.forEach((v, i) => {
        if (v !== null) d += `${d ? 'L' : 'M'}${(PAD.left + (i + 0.5) * dx).toFixed(1)},${y(v).toFixed(1)}`;
      });
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"><title>${escapeHtml(s.label)}</title></path>`);
    }
  }
  (options.hLines ?? []).forEach((m, k) => {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(m.value).toFixed(1)}" y2="${y(m.value).toFixed(1)}" stroke="${m.color}" stroke-dasharray="6 4"/>`);
    // Alternate sides, so two limits of the same value do not print over each other.
    const [x, anchor] = k % 2 ? [PAD.left + 4, 'start'] : [W - PAD.right - 4, 'end'];
    parts.push(`<text x="${x}" y="${(y(m.value) - 4).toFixed(1)}" text-anchor="${anchor}" fill="${m.color}">${escapeHtml(m.label)}</text>`);
  });
  parts.push(`<text x="12" y="${PAD.top + plotH / 2}" transform="rotate(-90 12 ${PAD.top + plotH / 2})" text-anchor="middle">${escapeHtml(options.yLabel)}</text>`);
  const legend = options.series.map((s) => `<span><i style="background:${s.color}"></i>${escapeHtml(s.label)}</span>`).join('');
  return `<svg viewBox="0 0 ${W} ${height}" class="chart" role="img">${parts.join('')}</svg><div class="legend">${legend}</div>`;
}

/** A histogram over (log-spaced) bins, with vertical markers (percentiles). */
export function histogramChart(edges: readonly number[], counts: readonly number[], markers: readonly Marker[]): string {
  const height = 220;
  const plotW = W - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const max = Math.max(1, ...counts) * 1.08;
  const n = counts.length;
  const dx = plotW / Math.max(1, n);
  const parts: string[] = [];
  const yStep = step(max, 4);
  for (let v = 0; v <= max; v += yStep) {
    const yy = PAD.top + plotH - (v / max) * plotH;
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" class="grid"/><text x="${PAD.left - 6}" y="${(yy + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  counts.forEach((c, i) => {
    if (c === 0) return;
    const h = (c / max) * plotH;
    const upper = edges[i + 1];
    parts.push(
      `<rect x="${(PAD.left + i * dx + 0.5).toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${Math.max(1, dx - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#4a7fc1"><title>${formatMs(edges[i]!)}${upper !== undefined ? ` to ${formatMs(upper)}` : ' and more'}: ${c}</title></rect>`,
    );
  });
  const xOf = (ms: number): number => {
    let i = 0;
    while (i + 1 < edges.length && edges[i + 1]! <= ms) i++;
    const lo = edges[i]!;
    const hi = edges[i + 1] ?? lo * 1.26;
    return PAD.left + (i + (hi > lo ? (ms - lo) / (hi - lo) : 0)) * dx;
  };
  for (let i = 0; i < n; i += Math.max(1, Math.ceil(n / 9))) {
    parts.push(`<text x="${(PAD.left + i * dx).toFixed(1)}" y="${height - 10}" text-anchor="middle">${formatMs(edges[i]!)}</text>`);
  }
  markers.forEach((m, k) => {
    const x = xOf(m.value).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="${m.color}" stroke-width="1.5"/>`);
    parts.push(`<text x="${x}" y="${PAD.top + 12 + k * 13}" dx="4" fill="${m.color}">${escapeHtml(m.label)}</text>`);
  });
  return `<svg viewBox="0 0 ${W} ${height}" class="chart" role="img">${parts.join('')}</svg>`;
}
