/** Small helpers for AbortSignal-driven work: every wait in opsbot can be cancelled. */

/** Resolves with the handler's result, or rejects as soon as the signal aborts (a stuck handler cannot hold a job open). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(asError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(asError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(error));
      },
    );
  });
}

export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/**
 * Waits `ms`, or until `signal` aborts. The timer keeps the process alive: a job waiting for its lock
 * or between health checks is work in progress, and `opsbot run` must not exit under it. Only a wait
 * that merely bounds other work (the shutdown grace) passes `unref`.
 */
export function sleep(ms: number, signal?: AbortSignal, options: { readonly unref?: boolean } = {}): Promise<void> {
  // An abort that came before the wait fires no event: without this the wait would run its length.
  if (signal?.aborted === true) return Promise.reject(asError(signal.reason));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(asError(signal?.reason));
    };
    // The listener goes when the sleep ends: a queued job polls for its lock many times on one signal.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (options.unref === true) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
