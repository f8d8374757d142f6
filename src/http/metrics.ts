/** Prometheus metrics for /metrics: commands, jobs by state, durations. One registry per app. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandOutcome, Metrics } from '../core/metrics.js';
import { CommandTallies } from './command-tallies.js';
import { JOB_STATES, type Store } from '../core/store.js';

export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly commands: CommandTallies;
  private readonly jobsFinished: Counter<'command' | 'state'>;
  private readonly jobSeconds: Histogram<'command'>;

  constructor(store: Store) {
    // The process and Node.js metrics under their standard names (process_cpu_seconds_total,
    // nodejs_heap_size_used_bytes…), which stock dashboards and alerts expect; opsbot's own are opsbot_*.
    collectDefaultMetrics({ register: this.registry });
    this.commands = new CommandTallies(this.registry);
    this.jobsFinished = new Counter({ name: 'opsbot_jobs_finished_total', help: 'Jobs that reached a final state.', labelNames: ['command', 'state'], registers: [this.registry] });
    this.jobSeconds = new Histogram({ name: 'opsbot_job_duration_seconds', help: 'Job run time.', labelNames: ['command'], buckets: [0.1, 1, 5, 15, 60, 300, 900, 1800], registers: [this.registry] });
    new Gauge({
      name: 'opsbot_jobs',
      help: 'Jobs in the store, by state.',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = await store.jobs.countByState();
        for (const state of JOB_STATES) this.set({ state }, counts[state]);
      },
    });
  }

  commandHandled(command: string, outcome: CommandOutcome, seconds: number): void {
    this.commands.record(command, outcome, seconds);
  }

  jobFinished(command: string, state: string, seconds: number): void {
    this.jobsFinished.inc({ command, state });
    this.jobSeconds.observe({ command }, seconds);
  }
}
