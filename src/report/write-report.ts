/**
 * Builds the HTML report from a trace file: `crawl report trace.jsonl -o report.html`, and
 * `--report` / `report.file` at the end of `crawl run`.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Stats } from '../stats.js';
import { ConfigError } from '../errors.js';
import type { TraceRecorder } from '../trace/recorder.js';
import type { Logger } from '../log.js';

export interface ReportSummary {
  /** Records drawn. */
  requests: number;
  /** Trace lines skipped as truncated or garbled. */
  skipped: number;
  /** Bytes of HTML written. */
  bytes: number;
}

/** The report of a trace, as HTML text. */
export async function renderReport(tracePath: string): Promise<{ html: string; summary: Omit<ReportSummary, 'bytes'> }> {
  // Loaded here, not at import: only a crawl that writes a report (or `crawl report`) needs them.
  const [{ readTrace }, { aggregate }, { renderHtml }, { waterfallData }] = await Promise.all([
    import('../trace/reader.js'),
    import('./aggregate.js'),
    import('./html.js'),
    import('./waterfall-data.js'),
  ]);
  const trace = await readTrace(tracePath);
  const model = aggregate(trace);
  const html = renderHtml(model, waterfallData(trace.records), basename(tracePath));
  return { html, summary: { requests: model.requests, skipped: model.skipped } };
}

/** Reads `tracePath` and writes the report to `outPath`; trace errors are coded (`ERR_TRACE_*`). */
export async function writeReport(tracePath: string, outPath: string): Promise<ReportSummary> {
  const { html, summary } = await renderReport(tracePath);
  try {
    await writeFile(outPath, html);
  } catch (error) {
    throw new ConfigError('ERR_REPORT_FILE', `cannot write the report ${JSON.stringify(outPath)}: ${(error as Error).message}`, {
      hint: 'point report.file (--report, or -o of crawl report) at a writable path in an existing folder',
    });
  }
  return { ...summary, bytes: Buffer.byteLength(html) };
}

/**
 * At the crawl's close: writes the trace's footer, then the report when `reportFile` is set, then
 * removes a temporary trace. A report that fails is logged, never thrown: the crawl's items and
 * stats are already safe and must not be reported as a failed crawl.
 */
export async function finishTrace(trace: TraceRecorder, options: { reason: string; stats: Stats; reportFile: string; logger: Logger }): Promise<void> {
  const { logger, reportFile } = options;
  await trace.close(options.reason, options.stats);
  if (trace.dropped > 0) logger.warn(`trace: ${trace.dropped} records dropped because the file writer fell behind`);
  if (reportFile) {
    try {
      const summary = await writeReport(trace.path, reportFile);
      logger.info(`report written to ${reportFile} (${summary.requests} requests)`);
    } catch (error) {
      logger.error(`report not written: ${error instanceof ConfigError ? error.describe() : String(error)}`);
    }
  }
  await trace.dispose();
}
