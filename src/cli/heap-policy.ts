/**
 * How much memory V8 may keep in opsbot: how far the old generation grows between full collections
 * (`serve`), one full collection after `serve` boots, and a cap on the young generation (below).
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
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
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
 * The young generation's limit in every opsbot process, per semi-space (V8 keeps two). V8 grows
 * each from 1 MB up to 16 MB on Node 20 (64 MB on Node 24) while much of what it allocates survives
 * a collection, as under a load of jobs, and the two then hold that much resident memory for the
 * rest of the process. At 8 MB the Mattermost benchmark's peak RSS (Node 20) fell by 5–10 MB
 * read-only and by about 20 MB under jobs (158 to 139 MB). The price is more young collections: in
 * A/B runs read-only kept its rate (8,089 against 8,477 req/s, noise) and job-start lost 9–12%
 * (1,771 to 1,566 req/s), at a load far beyond what a team's chat sends. A bot that runs for months
 * beside other services gains more from the memory.
 */
export const MAX_SEMI_SPACE_MB = 8;

const YOUNG_FLAGS = /--(max[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/;

/** False when the operator sized the young generation themselves (NODE_OPTIONS or the command line). */
export function youngGenerationIsOurs(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return !execArgv.some((arg) => YOUNG_FLAGS.test(arg)) && !YOUNG_FLAGS.test(nodeOptions ?? '');
}

/** V8's default: each growth doubles the semi-spaces. */
const DEFAULT_GROWTH_FACTOR = 2;

/**
 * Keeps the semi-spaces at `maxMb` or below. `--max-semi-space-size` is read only when the process
 * starts, but `--semi-space-growth-factor` is read at every growth, and growth only happens in a
 * young-generation collection: so after each collection, the factor is set to 1 (no growth) once the
 * semi-spaces have reached the limit, and back to V8's default if V8 has shrunk them below it (it
 * does after a quiet spell). A growth takes several collections' worth of survivors, so the check
 * after each one comes in time; were it ever late, the space would be what V8 allows by default.
 */
export function capYoungGeneration(maxMb: number): void {
  const limit = maxMb * 2 * 1024 * 1024;
  let factor = DEFAULT_GROWTH_FACTOR;
  const setFactor = (next: number): void => {
    if (next === factor) return;
    factor = next;
    setFlagsFromString(`--semi-space-growth-factor=${next}`);
  };
  const check = (): void => {
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    if (young !== undefined) setFactor(young.space_size >= limit ? 1 : DEFAULT_GROWTH_FACTOR);
  };
  // For the life of the process: nothing ever stops it.
  new PerformanceObserver(check).observe({ type: 'gc' });
  check();
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
