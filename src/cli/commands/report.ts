import { Command } from 'commander';
import { writeReport } from '../../report/write-report.js';

/** `crawl report trace.jsonl -o report.html`: the HTML report of a trace written by `--trace`. */
export function reportCommand(): Command {
  return new Command('report')
    .description('build the HTML report (waterfall, concurrency, latency, per-domain and per-proxy tables) of a trace file')
    .argument('<trace>', 'a trace written by crawl run --trace (or trace.file)')
    .option('-o, --output <file>', 'the HTML file to write', 'report.html')
    .action(async (tracePath: string, options: { output: string }) => {
      const summary = await writeReport(tracePath, options.output);
      const skipped = summary.skipped ? `, ${summary.skipped} garbled trace line(s) skipped` : '';
      process.stdout.write(`report written to ${options.output}: ${summary.requests} requests${skipped}\n`);
    });
}
