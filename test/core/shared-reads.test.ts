import { describe, expect, it } from 'vitest';
import { SharedReads } from '../../src/core/shared-reads.js';
import { MovableClock } from '../support/app.js';

const open = (): AbortSignal => new AbortController().signal;

/** A read that counts its starts and answers (or fails) once released. */
function reader(fail = false) {
  let starts = 0;
  const pending: (() => void)[] = [];
  const read = (): Promise<string> => {
    starts += 1;
    const n = starts;
    return new Promise((resolve, reject) => pending.push(() => (fail ? reject(new Error(`read ${n} failed`)) : resolve(`read ${n}`))));
  };
  const release = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    for (const go of pending.splice(0)) go();
  };
  return { read, release, starts: () => starts };
}

describe('SharedReads', () => {
  it('shares the read in flight among the callers of a key, and not across keys', async () => {
    const reads = new SharedReads<string>(new MovableClock(), 5_000);
    const r = reader();
    const a = [reads.get('a', r.read, open()), reads.get('a', r.read, open()), reads.get('a', r.read, open())];
    const b = reads.get('b', r.read, open());
    await r.release();
    expect(await Promise.all(a)).toEqual(['read 1', 'read 1', 'read 1']);
    expect(await b).toBe('read 2');
    expect(r.starts()).toBe(2);
  });

  it('keeps a failure like an answer for the TTL, then reads again', async () => {
    const clock = new MovableClock();
    const reads = new SharedReads<string>(clock, 5_000);
    const r = reader(true);
    const first = Promise.allSettled([reads.get('a', r.read, open()), reads.get('a', r.read, open())]);
    await r.release();
    expect((await first).map((s) => s.status)).toEqual(['rejected', 'rejected']);
    await expect(reads.get('a', r.read, open())).rejects.toThrow('read 1 failed');
    clock.advance(5_000);
    const again = reads.get('a', r.read, open());
    await r.release();
    await expect(again).rejects.toThrow('read 2 failed');
  });

  it('shares a read that throws at once, like any other failure', async () => {
    const reads = new SharedReads<string>(new MovableClock(), 5_000);
    let starts = 0;
    const broken = (): Promise<string> => {
      starts += 1;
      throw new Error('no such service');
    };
    await expect(reads.get('a', broken, open())).rejects.toThrow('no such service');
    await expect(reads.get('a', broken, open())).rejects.toThrow('no such service');
    expect(starts).toBe(1);
  });

  it('starts nothing for a caller that has given up, and reads again after forget', async () => {
    const reads = new SharedReads<string>(new MovableClock(), 5_000);
    const r = reader();
    const gone = new AbortController();
    gone.abort(new Error('gone'));
    await expect(reads.get('a', r.read, gone.signal)).rejects.toThrow('gone');
    expect(r.starts()).toBe(0);

    const first = reads.get('a', r.read, open());
    await r.release();
    expect(await first).toBe('read 1');
    reads.forget('a');
    const second = reads.get('a', r.read, open());
    await r.release();
    expect(await second).toBe('read 2');
  });
});
