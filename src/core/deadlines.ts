/**
 * Deadlines for many short operations without a timer each: one unref'd interval sweeps the pending
 * set. Read-only commands are answered in microseconds, and a timer per call (insert + remove) was a
 * measurable share of a dispatch; a sweep every 250 ms is precise enough for timeouts of seconds.
 */
export interface Pending {
  /** When it expires (the watcher's clock). */
  at: number;
  expire(): void;
}

export class DeadlineWatcher {
  private readonly pending = new Set<Pending>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sweepMs = 250,
  ) {}

  /** Calls `expire` once `ms` have passed, unless the returned function is called first. */
  track(ms: number, expire: () => void): () => void {
    const entry: Pending = { at: 0, expire };
    this.watch(entry, ms);
    return () => this.unwatch(entry);
  }

  /** The allocation-free form for hot paths: the caller's own object is the entry. */
  watch(entry: Pending, ms: number): void {
    entry.at = this.now() + ms;
    this.pending.add(entry);
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(), this.sweepMs);
      this.timer.unref();
    }
  }

  unwatch(entry: Pending): void {
    this.pending.delete(entry);
  }

  private sweep(): void {
    const now = this.now();
    for (const entry of this.pending) {
      if (entry.at > now) continue;
      this.pending.delete(entry);
      entry.expire();
    }
    if (this.pending.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
