/**
 * How much the V8 heap may grow between full garbage collections in `opsbot serve`.
 *
 * V8's default lets the old generation grow to 1.1–4× what was live after the last full collection
 * before it collects again. That suits a short burst; a bot that runs for months next to other
 * services pays for it in resident memory. Under load opsbot promotes short-lived objects to the
 * old generation (a job lives for tens of milliseconds, an alert delivery's records until they are
 * written), so with the default the heap carried 30–40 MB of promoted garbage between collections
 * (see `npm run bench`: the server's peak RSS). A 20% margin collects that garbage sooner; full
 * collections mark concurrently and are incremental, and the benchmarks showed no loss of rate.
 *
 * Set on the running isolate once the config is loaded: V8 reads this flag at every full
 * collection, so it takes effect for the rest of the process. An operator's own
 * `--heap-growing-percent` (in NODE_OPTIONS or on the command line) wins.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 20;

const FLAG = /--heap[-_]growing[-_]percent\b/;

/** The flag to set, or null when the operator chose their own. */
export function heapGrowingFlag(execArgv: readonly string[], nodeOptions: string | undefined): string | null {
  if (execArgv.some((arg) => FLAG.test(arg)) || FLAG.test(nodeOptions ?? '')) return null;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

export function applyHeapPolicy(nodeOptions: string | undefined): void {
  const flag = heapGrowingFlag(process.execArgv, nodeOptions);
  if (flag !== null) setFlagsFromString(flag);
}
