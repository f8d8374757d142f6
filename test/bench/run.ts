/**
 * `npm run bench [-- <name>...]`: runs the benchmarks one after another in this process and prints
 * a table, then one `BENCH_JSON {...}` line. A missed target is reported (MISSED), not an exit
 * failure: benchmarks report, tests assert. Exit 2 only for an unknown benchmark name.
 */
import { performance } from 'node:perf_hooks';
import { benchmarks } from './index.js';
import { buildReport, formatReport } from './report.js';
import type { BenchResult } from './types.js';

async function main(names: readonly string[]): Promise<number> {
  const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown benchmark ${unknown.map((n) => `"${n}"`).join(', ')}; available: ${benchmarks.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const selected = names.length === 0 ? benchmarks : benchmarks.filter((b) => names.includes(b.name));
  const startedAt = new Date();
  const started = performance.now();
  const results: BenchResult[] = [];
  for (const bench of selected) {
    // Progress goes to stderr so stdout holds only the report.
    process.stderr.write(`bench: ${bench.name} (${bench.description})...\n`);
    const t0 = performance.now();
    results.push(...(await bench.run()));
    process.stderr.write(`bench: ${bench.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  process.stdout.write(formatReport(buildReport(results, startedAt, performance.now() - started)));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
