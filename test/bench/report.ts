/** Prints results as a fixed-width table (for people) and as one JSON line (for tools and CI). */
import { arch, cpus, platform } from 'node:os';
import type { BenchResult, Target } from './types.js';

/** The JSON document follows this marker on the same line, so it can be grepped out of the output. */
export const JSON_MARKER = 'BENCH_JSON';

export interface BenchReport {
  readonly version: 1;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly environment: { readonly node: string; readonly platform: string; readonly arch: string; readonly cpus: number; readonly cpuModel: string };
  readonly results: readonly BenchResult[];
  /** Names of the results whose target was missed. */
  readonly missed: readonly string[];
}

export function buildReport(results: readonly BenchResult[], startedAt: Date, durationMs: number): BenchReport {
  const cpuList = cpus();
  return {
    version: 1,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(durationMs),
    environment: { node: process.version, platform: platform(), arch: arch(), cpus: cpuList.length, cpuModel: cpuList[0]?.model.trim() ?? 'unknown' },
    results,
    missed: results.filter((r) => r.pass === false).map((r) => r.name),
  };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = Number.isInteger(value) || abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatTarget(target: Target | undefined, unit: string): string {
  if (target === undefined) return '-';
  return unit === 'x' ? `${target.op} ${target.value.toFixed(2)}x` : `${target.op} ${formatNumber(target.value)} ${unit}`;
}

function verdict(result: BenchResult): string {
  if (result.pass === undefined) return '-';
  return result.pass ? 'ok' : 'MISSED';
}

const HEADERS = ['benchmark', 'value', 'baseline', 'ratio', 'target', 'pass'] as const;

export function formatTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    `${formatNumber(r.value)} ${r.unit}`,
    r.baseline === undefined ? '-' : `${r.baseline.name} ${formatNumber(r.baseline.value)} ${r.unit}`,
    r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
    formatTarget(r.target, r.ratio === undefined ? r.unit : 'x'),
    verdict(r),
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  // Text columns left-aligned, figures right-aligned.
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === 0 || i === 2 || i === 5 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(HEADERS), rule, ...rows.map(line)].join('\n');
}

export function formatDetails(results: readonly BenchResult[]): string {
  return results
    .filter((r) => r.extra !== undefined && Object.keys(r.extra).length > 0)
    .map((r) => {
      const pairs = Object.entries(r.extra ?? {}).map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`);
      return `${r.name}: ${pairs.join(', ')}`;
    })
    .join('\n');
}

export function formatReport(report: BenchReport): string {
  const env = report.environment;
  const parts = [
    `opsbot benchmarks (node ${env.node}, ${env.platform}/${env.arch}, ${env.cpus} x ${env.cpuModel})`,
    '',
    formatTable(report.results),
  ];
  const details = formatDetails(report.results);
  if (details !== '') parts.push('', details);
  parts.push('', report.missed.length === 0 ? 'All targets met.' : `MISSED targets: ${report.missed.join(', ')}`);
  parts.push(`${JSON_MARKER} ${JSON.stringify(report)}`);
  return `${parts.join('\n')}\n`;
}
