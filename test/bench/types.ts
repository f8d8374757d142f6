/**
 * The shape every benchmark reports. Benchmarks measure and report; they never fail the process
 * (tests assert behaviour, benchmarks print figures and say MISSED when a target is not reached).
 */
export interface Target {
  /** `>=`: the value must reach it (a rate, a ratio); `<`: stay under it (a latency). */
  readonly op: '>=' | '<';
  readonly value: number;
}

export interface BenchResult {
  /** Unique across the suite, e.g. `dispatch.read-only` or `dispatch.vs-hubot`. */
  readonly name: string;
  /** Unit of `value`: `ops/s`, `jobs/s`, `ms`, `x` (a ratio)... */
  readonly unit: string;
  readonly value: number;
  /** The peer measured in the same run, when there is one. */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** value / baseline.value. */
  readonly ratio?: number;
  /** Applies to `ratio` when there is a baseline, else to `value`. */
  readonly target?: Target;
  /** Whether the target was reached; absent when there is no target. */
  readonly pass?: boolean;
  /** Secondary figures: latencies, counts, settings. */
  readonly extra?: Readonly<Record<string, number | string>>;
}

export interface Benchmark {
  /** Selects it on the command line: `node dist/test/bench/run.js dispatch`. */
  readonly name: string;
  readonly description: string;
  run(): Promise<BenchResult[]>;
}

export function meets(target: Target, measured: number): boolean {
  return target.op === '>=' ? measured >= target.value : measured < target.value;
}
