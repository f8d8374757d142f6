/**
 * Latest-wins throttle: at most one call per interval, and the last value is always delivered
 * (trailing call), so a burst of progress events becomes one chat edit that shows the newest state.
 *
 * With `reserve: n`, it also keeps n calls in hand for later (a job's final edit, which is always
 * sent): the k-th call after the first waits until k + n intervals have passed since the first. So
 * calls made, plus the reserved ones, never outrun one per interval counted from the first — a
 * three-second job gets its first post and its final edit, not a progress edit in between.
 */
export class Throttle<T> {
  private last = Number.NEGATIVE_INFINITY;
  private first = Number.NEGATIVE_INFINITY;
  private sent = 0;
  private pending: { value: T } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly deliver: (value: T) => void,
    private readonly now: () => number = Date.now,
    private readonly reserve = 0,
  ) {}

  /** When the next call may go out. */
  private nextAt(): number {
    const spaced = this.last + this.intervalMs;
    if (this.sent === 0 || this.reserve === 0) return spaced;
    return Math.max(spaced, this.first + (this.sent + this.reserve) * this.intervalMs);
  }

  push(value: T): void {
    const wait = this.nextAt() - this.now();
    if (wait <= 0 && this.timer === null) {
      this.delivered();
      this.deliver(value);
      return;
    }
    this.pending = { value };
    this.timer ??= setTimeout(() => this.drain(), Math.max(0, wait));
  }

  /** Delivers a pending value now (used when the job ends, so the final state is never lost). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.drain();
  }

  /** Drops a pending value and its timer: nothing more is delivered unless pushed again. */
  discard(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private drain(): void {
    this.timer = null;
    if (this.pending === null) return;
    const { value } = this.pending;
    this.pending = null;
    this.delivered();
    this.deliver(value);
  }

  private delivered(): void {
    this.last = this.now();
    if (this.sent === 0) this.first = this.last;
    this.sent += 1;
  }
}
