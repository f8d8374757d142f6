/**
 * Latest-wins throttle: at most one call per interval, and the last value is always delivered
 * (trailing call), so a burst of progress events becomes one chat edit that shows the newest state.
 */
export class Throttle<T> {
  private last = Number.NEGATIVE_INFINITY;
  private pending: { value: T } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly deliver: (value: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(value: T): void {
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0 && this.timer === null) {
      this.last = this.now();
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

  private drain(): void {
    this.timer = null;
    if (this.pending === null) return;
    const { value } = this.pending;
    this.pending = null;
    this.last = this.now();
    this.deliver(value);
  }
}
