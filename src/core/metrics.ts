/** What the core counts. src/http/metrics.ts implements it with prom-client. */
export type CommandOutcome = 'ok' | 'usage' | 'denied' | 'conflict' | 'error' | 'accepted' | 'confirm';

export interface Metrics {
  commandHandled(command: string, outcome: CommandOutcome, seconds: number): void;
  jobFinished(command: string, state: string, seconds: number): void;
}

export const nullMetrics: Metrics = { commandHandled: () => undefined, jobFinished: () => undefined };
