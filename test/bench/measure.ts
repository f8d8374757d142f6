/**
 * Timing loops. Every iteration reports whether it succeeded, so a benchmark that silently measures
 * an error path shows up as failures instead of as a flattering rate.
 */
export interface LatencySummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

export interface Measurement {
  readonly ops: number;
  readonly failures: number;
  readonly elapsedMs: number;
  /** One duration per operation, in milliseconds. */
  readonly latenciesMs: readonly number[];
}

/** One operation; resolves true when it did what it should. */
export type Operation = () => Promise<boolean>;

export function opsPerSecond(m: Pick<Measurement, 'ops' | 'elapsedMs'>): number {
  return m.elapsedMs === 0 ? 0 : (m.ops * 1000) / m.elapsedMs;
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  const values = Array.from(sorted);
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    p50Ms: percentile(values, 50),
    p99Ms: percentile(values, 99),
    maxMs: values.at(-1) ?? Number.NaN,
    meanMs: values.length === 0 ? Number.NaN : sum / values.length,
  };
}

/** Adds measurements of the same operation taken in several rounds. */
export function combine(parts: readonly Measurement[]): Measurement {
  return {
    ops: parts.reduce((n, m) => n + m.ops, 0),
    failures: parts.reduce((n, m) => n + m.failures, 0),
    elapsedMs: parts.reduce((n, m) => n + m.elapsedMs, 0),
    latenciesMs: parts.flatMap((m) => m.latenciesMs),
  };
}

function elapsedMsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `op` a fixed number of times, one at a time, discarding the figures (JIT warm-up). */
export async function warmUp(op: Operation, iterations: number): Promise<number> {
  let failures = 0;
  for (let i = 0; i < iterations; i++) if (!(await op())) failures++;
  return failures;
}

/** Awaits `op` back to back for `durationMs`. */
export async function sequential(op: Operation, durationMs: number): Promise<Measurement> {
  const latenciesMs: number[] = [];
  let failures = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(durationMs * 1e6));
  // One clock read per iteration serves as this latency's end, the next one's start and the deadline check.
  let before = start;
  for (;;) {
    const ok = await op();
    const after = process.hrtime.bigint();
    latenciesMs.push(Number(after - before) / 1e6);
    if (!ok) failures++;
    before = after;
    if (after >= deadline) break;
  }
  return { ops: latenciesMs.length, failures, elapsedMs: elapsedMsSince(start), latenciesMs };
}

/**
 * `concurrency` workers each await `op(worker)` back to back until `durationMs` has passed; the
 * worker index lets operations avoid sharing state (e.g. take distinct locks).
 */
export async function concurrent(op: (worker: number) => Promise<boolean>, concurrency: number, durationMs: number): Promise<Measurement> {
  const latenciesMs: number[] = [];
  let failures = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(durationMs * 1e6));
  const worker = async (index: number): Promise<void> => {
    for (let before = process.hrtime.bigint(); before < deadline; ) {
      const ok = await op(index);
      const after = process.hrtime.bigint();
      latenciesMs.push(Number(after - before) / 1e6);
      if (!ok) failures++;
      before = after;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  return { ops: latenciesMs.length, failures, elapsedMs: elapsedMsSince(start), latenciesMs };
}
