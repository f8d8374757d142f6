/**
 * Reads that anyone may ask for at any rate: `status` is read-only, so it runs inline for every
 * viewer, with no lock and no rate limit, and each of its reads may be costly for the host (a
 * status playbook is a whole ansible-playbook process). Callers of one key share the read in
 * flight, and a finished read is kept for `ttlMs`: twenty viewers asking at once start one read.
 *
 * The read runs without any caller's signal (it bounds itself, with its own timeout): a caller who
 * gives up stops waiting, and the read goes on for the others and is kept for the next ones. A
 * failed read is kept like an answer, since it cost the host as much.
 *
 * Not src/core/coalesce.ts: that batches the calls of one event-loop turn into one run over all
 * their items, where these callers arrive over seconds and all want the same one result.
 */
import { asError, untilAborted } from './abort.js';
import type { Clock } from './clock.js';

/** How long `status` shows a read before reading again: short enough to look live. */
export const STATUS_READ_TTL_MS = 5_000;

interface Entry<T> {
  readonly result: Promise<T>;
  /** When the read settled (epoch ms); null while it is in flight. */
  settledAt: number | null;
}

export class SharedReads<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** `key`'s read: the one in flight, the one finished less than ttlMs ago, or else `read()` started now. */
  get(key: string, read: () => Promise<T>, signal: AbortSignal): Promise<T> {
    // A caller who has given up already starts nothing.
    if (signal.aborted) return Promise.reject(asError(signal.reason));
    let entry = this.entries.get(key);
    if (entry === undefined || (entry.settledAt !== null && this.clock.now().getTime() - entry.settledAt >= this.ttlMs)) {
      entry = this.start(key, read);
    }
    return untilAborted(entry.result, signal);
  }

  /** The next caller of `key` reads again: what was read is out of date (this process just changed it). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  private start(key: string, read: () => Promise<T>): Entry<T> {
    // Through a promise, so a read that throws at once is kept and shared like any other failure.
    const entry: Entry<T> = { result: Promise.resolve().then(read), settledAt: null };
    const settled = (): void => {
      entry.settledAt = this.clock.now().getTime();
    };
    entry.result.then(settled, settled);
    this.entries.set(key, entry);
    return entry;
  }
}
