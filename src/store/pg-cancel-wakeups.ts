/**
 * Cross-replica cancel, at once: `requestCancel` on PostgreSQL notifies CANCEL_CHANNEL in the same
 * transaction (delivered on commit), and every process running jobs listens on one connection of its
 * own, outside the pool (LISTEN holds its connection for as long as it listens). A notification only
 * wakes the process's heartbeat, which reads the cancel flags from the jobs table as it always did:
 * anyone who can NOTIFY can make a replica look, nobody can make it stop a job.
 */
import { Client } from 'pg';
import type { CancelWakeups } from '../core/store.js';
import { CANCEL_CHANNEL } from './jobs.js';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

interface Subscriber {
  readonly wake: () => void;
  readonly onError: (error: Error) => void;
}

export function pgCancelWakeups(url: string): CancelWakeups & { close(): Promise<void> } {
  const subscribers = new Set<Subscriber>();
  let client: Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let retryMs = FIRST_RETRY_MS;
  let closed = false;

  const wakeAll = (): void => {
    for (const s of subscribers) s.wake();
  };
  const report = (error: Error): void => {
    for (const s of subscribers) s.onError(error);
  };

  const drop = (c: Client): void => {
    if (client !== c) return;
    client = null;
    c.end().catch(() => undefined);
    if (closed || subscribers.size === 0 || retry !== null) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  const connect = async (): Promise<void> => {
    if (closed || client !== null || subscribers.size === 0) return;
    const c = new Client({ connectionString: url });
    client = c;
    c.on('notification', (message) => {
      if (message.channel === CANCEL_CHANNEL) wakeAll();
    });
    c.on('error', (error) => {
      report(error);
      drop(c);
    });
    c.on('end', () => drop(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${CANCEL_CHANNEL}`);
      retryMs = FIRST_RETRY_MS;
      // Cancels asked while this process was not listening yet (or between two connections).
      if (client === c) wakeAll();
    } catch (error: unknown) {
      report(error instanceof Error ? error : new Error(String(error)));
      drop(c);
    }
  };

  const stop = async (): Promise<void> => {
    if (retry !== null) clearTimeout(retry);
    retry = null;
    const c = client;
    client = null;
    await c?.end().catch(() => undefined);
  };

  return {
    subscribe(wake, onError) {
      const subscriber = { wake, onError };
      subscribers.add(subscriber);
      void connect();
      return async () => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0) await stop();
      };
    },
    async close() {
      closed = true;
      subscribers.clear();
      await stop();
    },
  };
}
