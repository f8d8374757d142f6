/**
 * The two per-invocation metrics (commands by outcome, answer time by command), kept as plain
 * numbers and rendered in prom-client's metric format when /metrics is scraped. prom-client's own
 * Counter and Histogram hash the label set on every increment, which was the largest single cost
 * of a read-only dispatch after parsing (see `npm run bench`); here an increment is a map lookup
 * and a few additions. The exposition is the same: a counter and a histogram with `le` buckets.
 */
import type { Registry } from 'prom-client';

interface Tally {
  readonly labels: Readonly<Record<string, string>>;
  count: number;
}

interface Timing {
  readonly command: string;
  /** Per bucket (not cumulative), plus one for +Inf at the end. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

/** What prom-client's Registry asks of a metric. */
interface MetricLike {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: 'counter' | 'histogram'; values: Value[]; aggregator: 'sum' }>;
  reset(): void;
}

export class CommandTallies {
  private readonly outcomes = new Map<string, Tally>();
  /** command → outcome → tally: no key string is built per call. */
  private readonly byCommand = new Map<string, Map<string, Tally>>();
  private readonly timings = new Map<string, Timing>();

  constructor(
    registry: Registry,
    private readonly bounds: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3],
  ) {
    const counter: MetricLike = {
      name: 'opsbot_commands_total',
      help: 'Invocations handled, by command and outcome.',
      type: 'counter',
      aggregator: 'sum',
      get: () => Promise.resolve({ ...this.meta(counter), values: [...this.outcomes.values()].map((t) => ({ labels: { ...t.labels }, value: t.count })) }),
      reset: () => {
        this.outcomes.clear();
        this.byCommand.clear();
      },
    };
    const histogram: MetricLike = {
      name: 'opsbot_command_duration_seconds',
      help: 'Time to answer an invocation (for jobs: to accept it).',
      type: 'histogram',
      aggregator: 'sum',
      get: () => Promise.resolve({ ...this.meta(histogram), values: [...this.timings.values()].flatMap((t) => this.histogramValues(histogram.name, t)) }),
      reset: () => this.timings.clear(),
    };
    // Registry.registerMetric takes any object with this shape (it is how custom collectors plug in).
    registry.registerMetric(counter as unknown as Parameters<Registry['registerMetric']>[0]);
    registry.registerMetric(histogram as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  record(command: string, outcome: string, seconds: number): void {
    let outcomes = this.byCommand.get(command);
    if (outcomes === undefined) {
      outcomes = new Map();
      this.byCommand.set(command, outcomes);
    }
    let tally = outcomes.get(outcome);
    if (tally === undefined) {
      tally = { labels: { command, outcome }, count: 0 };
      outcomes.set(outcome, tally);
      this.outcomes.set(`${command}\u0000${outcome}`, tally);
    }
    tally.count += 1;
    let timing = this.timings.get(command);
    if (timing === undefined) {
      timing = { command, buckets: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.timings.set(command, timing);
    }
    let i = 0;
    while (i < this.bounds.length && seconds > (this.bounds[i] as number)) i += 1;
    timing.buckets[i] = (timing.buckets[i] ?? 0) + 1;
    timing.sum += seconds;
    timing.count += 1;
  }

  private meta(m: MetricLike): { name: string; help: string; type: 'counter' | 'histogram'; aggregator: 'sum' } {
    return { name: m.name, help: m.help, type: m.type, aggregator: m.aggregator };
  }

  private histogramValues(name: string, t: Timing): Value[] {
    const values: Value[] = [];
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += t.buckets[i] ?? 0;
      values.push({ metricName: `${name}_bucket`, labels: { le, command: t.command }, value: cumulative });
    });
    values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', command: t.command }, value: t.count });
    values.push({ metricName: `${name}_sum`, labels: { command: t.command }, value: t.sum });
    values.push({ metricName: `${name}_count`, labels: { command: t.command }, value: t.count });
    return values;
  }
}
