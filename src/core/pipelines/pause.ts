/** Waits `ms` (or until `wake` resumes it early); rejects with the signal's reason when it aborts. Used by pollers. */
export function pause(ms: number, signal: AbortSignal, wake?: (resume: () => void) => () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    let stopWaking: () => void = () => undefined;
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      stopWaking();
      resolve();
    };
    const onAbort = (): void => {
      clearTimeout(timer);
      stopWaking();
      reject(signal.reason as Error);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', onAbort, { once: true });
    if (wake !== undefined) stopWaking = wake(done);
  });
}
