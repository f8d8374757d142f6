/** The cancellable waits every job uses: `sleep` ends at once on a signal aborted before or during it. */
import { describe, expect, it } from 'vitest';
import { sleep, untilAborted } from '../../src/core/abort.js';

describe('sleep', () => {
  it('resolves after its time when nothing aborts it', async () => {
    await expect(sleep(5, new AbortController().signal)).resolves.toBeUndefined();
  });

  it('rejects with the reason when aborted during the wait', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('cancelled by Olga'));
    await expect(waiting).rejects.toThrow('cancelled by Olga');
  });

  it('rejects at once when the signal was aborted before the wait began (no event comes then)', async () => {
    const controller = new AbortController();
    controller.abort(new Error('timed out'));
    // Raced against a short wait: a sleep that ignored the earlier abort would lose this race.
    const outcome = await Promise.race([sleep(60_000, controller.signal).then(() => 'slept', (e: unknown) => (e as Error).message), sleep(200).then(() => 'still waiting')]);
    expect(outcome).toBe('timed out');
  });
});

describe('untilAborted', () => {
  it('gives the work its result, or the signal its reason when it aborts first', async () => {
    await expect(untilAborted(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
    const controller = new AbortController();
    const stuck = untilAborted(new Promise<never>(() => undefined), controller.signal);
    controller.abort(new Error('shut down'));
    await expect(stuck).rejects.toThrow('shut down');
  });
});
