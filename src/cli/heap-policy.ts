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
import { runInNewContext } from 'node:vm';

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

/**
 * One full collection once `opsbot serve` has booted. Until its first full collection V8 keeps the
 * old generation's start-up limit, which is sized for a program still loading: the first burst of
 * work (a few seconds of jobs) then grew the old generation to 70–78 MB of mostly promoted garbage
 * before anything was collected, and that first collection was the peak RSS of a whole benchmark
 * run (see `npm run bench`). After one collection the limit follows what opsbot really keeps (about
 * 30 MB) and HEAP_GROWING_PERCENT. It costs one pause of a few tens of milliseconds, before any
 * request is served.
 */
export function collectBootGarbage(): void {
  // Node has no API for a collection without --expose-gc; setting the flag at run time exposes
  // `gc` to contexts created afterwards, such as this one-off context, and to nothing else.
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
  if (typeof gc === 'function') (gc as () => void)();
}
