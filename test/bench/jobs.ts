/**
 * A mutating command through the job runner: dispatch → job row + lease + audit `job_started` →
 * handler → final state + audit `job_finished` + lease release, on a SQLite file in WAL mode as in
 * production, with bounded concurrency on distinct lock targets. Afterwards the store must hold
 * exactly one job row and two audit rows per job run, or the figure is not reported as a pass.
 */
import { BENCH_ENVS, benchTouch } from './support/bench-commands.js';
import { startBenchApp, type BenchApp } from './support/opsbot-app.js';
import { concurrent, opsPerSecond, sequential, summarize } from './measure.js';
import { meets, type Benchmark, type BenchResult, type Target } from './types.js';

const CONCURRENCY = 16;
const DURATION_MS = 4_000;
const WARM_UP_MS = 500;
const TARGET: Target = { op: '>=', value: 2_000 };

/** Audit rows each successful job writes: job_started and job_finished. */
const AUDIT_ROWS_PER_JOB = 2;

async function countAudit(bench: BenchApp): Promise<{ total: number; byEvent: Map<string, number> }> {
  const byEvent = new Map<string, number>();
  let total = 0;
  for await (const entry of bench.app.store.audit.since(null)) {
    total++;
    byEvent.set(entry.event, (byEvent.get(entry.event) ?? 0) + 1);
  }
  return { total, byEvent };
}

async function run(): Promise<BenchResult[]> {
  const bench = await startBenchApp([benchTouch]);
  try {
    const { dispatcher, store } = bench.app;
    let n = 0;
    let started = 0;
    // One lock target per worker: a worker's next job starts after its previous one released the
    // lease, so no job ever meets a conflict and every one must succeed.
    const job = async (worker: number): Promise<boolean> => {
      const i = n++;
      const env = BENCH_ENVS[i % BENCH_ENVS.length] ?? 'dev';
      const outcome = await dispatcher.dispatch(bench.invocation(`bench-touch --service w-${worker} --env ${env} --count ${(i % 100) + 1}`, `bench-${i}`));
      if (outcome.kind !== 'job') return false;
      started++;
      const done = await outcome.completion;
      return done.job.state === 'succeeded';
    };

    const check = await dispatcher.dispatch(bench.invocation('bench-touch --service check --env prod --count 1', 'bench-check'));
    if (check.kind !== 'job') throw new Error(`jobs bench: the bench command did not start a job (${JSON.stringify(check.reply)})`);
    started++;
    const checked = await check.completion;
    if (checked.job.state !== 'succeeded') throw new Error(`jobs bench: the check job ended ${checked.job.state}: ${checked.job.error ?? ''}`);

    const warmUp = await concurrent(job, CONCURRENCY, WARM_UP_MS);
    const measured = await concurrent(job, CONCURRENCY, DURATION_MS);
    const rate = opsPerSecond(measured);
    const latency = summarize(measured.latenciesMs);

    // What the store holds must match what ran: one job row and its audit rows per job, none left
    // running, no lease left behind.
    const counts = await store.jobs.countByState();
    const jobRows = Object.values(counts).reduce((a, b) => a + b, 0);
    const audit = await countAudit(bench);
    const leftLocks = await store.locks.list(new Date());
    const expectedJobs = started;
    const consistent =
      jobRows === expectedJobs &&
      counts.succeeded === expectedJobs &&
      audit.total === expectedJobs * AUDIT_ROWS_PER_JOB &&
      audit.byEvent.get('job_started') === expectedJobs &&
      audit.byEvent.get('job_finished') === expectedJobs &&
      leftLocks.length === 0;
    const failures = warmUp.failures + measured.failures;

    // A sequential figure too: one job at a time shows the latency floor without queueing.
    const single = await sequential(() => job(CONCURRENCY), 500);
    const singleLatency = summarize(single.latenciesMs);

    return [
      {
        name: 'jobs.mutating sqlite',
        unit: 'jobs/s',
        value: rate,
        target: TARGET,
        pass: failures === 0 && consistent && meets(TARGET, rate),
        extra: {
          concurrency: CONCURRENCY,
          jobs: measured.ops,
          failures,
          p50Ms: latency.p50Ms,
          p99Ms: latency.p99Ms,
          maxMs: latency.maxMs,
          sequentialP50Ms: singleLatency.p50Ms,
          sequentialP99Ms: singleLatency.p99Ms,
          jobsRun: expectedJobs,
          jobRows,
          auditRows: audit.total,
          leftLocks: leftLocks.length,
          storeConsistent: consistent ? 'yes' : 'NO',
          logWarnings: bench.logs.problems(),
        },
      },
      {
        name: 'jobs.mutating sqlite p99',
        unit: 'ms',
        value: latency.p99Ms,
        extra: { concurrency: CONCURRENCY, p50Ms: latency.p50Ms },
      },
    ];
  } finally {
    await bench.close();
  }
}

export const jobsBenchmark: Benchmark = {
  name: 'jobs',
  description: `mutating command through the job runner, SQLite file (WAL), ${CONCURRENCY} in flight`,
  run,
};
