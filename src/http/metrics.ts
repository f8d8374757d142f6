/** Prometheus metrics for /metrics: commands, jobs by state, durations. One registry per app. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandOutcome, Metrics } from '../core/metrics.js';
import { JOB_STATES, type Store } from '../core/store.js';

export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly commands: Counter<'command' | 'outcome'>;
  private readonly commandSeconds: Histogram<'command'>;
  private readonly jobsFinished: Counter<'command' | 'state'>;
  private readonly jobSeconds: Histogram<'command'>;

  constructor(store: Store) {
    collectDefaultMetrics({ register: this.registry, prefix: 'opsbot_' });
    this.commands = new Counter({ name: 'opsbot_commands_total', help: 'Invocations handled, by command and outcome.', labelNames: ['command', 'outcome'], registers: [this.registry] });
    this.commandSeconds = new Histogram({ name: 'opsbot_command_duration_seconds', help: 'Time to answer an invocation (for jobs: to accept it).', labelNames: ['command'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3], registers: [this.registry] });
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

  // Label lookups hash the label set on every call; keep the children, there are few of them.
  private readonly commandChildren = new Map<string, { count: { inc(): void }; seconds: { observe(v: number): void } }>();

  commandHandled(command: string, outcome: CommandOutcome, seconds: number): void {
    const key = `${command}\u0000${outcome}`;
    let child = this.commandChildren.get(key);
    if (child === undefined) {
      child = { count: this.commands.labels(command, outcome), seconds: this.commandSeconds.labels(command) };
      this.commandChildren.set(key, child);
    }
    child.count.inc();
    child.seconds.observe(seconds);
  }

  jobFinished(command: string, state: string, seconds: number): void {
    this.jobsFinished.inc({ command, state });
    this.jobSeconds.observe({ command }, seconds);
  }
}
