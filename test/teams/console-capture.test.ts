/** What botbuilder prints during a request is kept for the route to log; nothing else is touched. */
import { describe, expect, it, vi } from 'vitest';
import { capturingConsole, describeConsoleLine, routeConsoleToScope, type ConsoleLine } from '../../src/adapters/teams/console-capture.js';

function fakeConsole() {
  return { error: vi.fn(), warn: vi.fn(), info: vi.fn(), log: vi.fn(), debug: vi.fn(), trace: vi.fn() };
}

/** A library's way of printing: through whatever the console object holds at call time. */
function libraryPrints(target: ReturnType<typeof fakeConsole>, text: string): void {
  target.error(new Error(text));
  target.warn(`warning: ${text}`);
}

describe('console capture', () => {
  it('keeps what is printed inside a request, in order, and prints none of it', async () => {
    const target = fakeConsole();
    const printed = { error: target.error, warn: target.warn };
    routeConsoleToScope(target);
    const lines: ConsoleLine[] = [];
    const answer = await capturingConsole(lines, async () => {
      await Promise.resolve();
      libraryPrints(target, 'Unauthorized');
      return 401;
    });
    expect(answer).toBe(401);
    expect(lines.map((line) => [line.level, describeConsoleLine(line)])).toEqual([
      ['error', 'Error: Unauthorized'],
      ['warn', 'warning: Unauthorized'],
    ]);
    expect(printed.error).not.toHaveBeenCalled();
    expect(printed.warn).not.toHaveBeenCalled();
  });

  it('prints as usual outside a request, and for work a request left running after it ended', async () => {
    const target = fakeConsole();
    const printed = { error: target.error, warn: target.warn };
    routeConsoleToScope(target);
    libraryPrints(target, 'outside');
    expect(printed.error).toHaveBeenCalledTimes(1);

    const lines: ConsoleLine[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let jobDone!: Promise<void>;
    await capturingConsole(lines, () => {
      jobDone = released.then(() => libraryPrints(target, 'from a job'));
      return Promise.resolve();
    });
    release();
    await jobDone;
    expect(lines).toEqual([]);
    expect(printed.error).toHaveBeenCalledTimes(2);
    expect(printed.warn).toHaveBeenLastCalledWith('warning: from a job');
  });

  it('keeps concurrent requests apart', async () => {
    const target = fakeConsole();
    routeConsoleToScope(target);
    const first: ConsoleLine[] = [];
    const second: ConsoleLine[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const one = capturingConsole(first, async () => {
      await gate;
      target.warn('one');
    });
    const two = capturingConsole(second, async () => {
      target.warn('two');
      release();
      await Promise.resolve();
    });
    await Promise.all([one, two]);
    expect(first.map(describeConsoleLine)).toEqual(['one']);
    expect(second.map(describeConsoleLine)).toEqual(['two']);
  });

  it('wraps a console once, however often it is asked', async () => {
    const target = fakeConsole();
    const original = target.error;
    routeConsoleToScope(target);
    const wrapped = target.error;
    routeConsoleToScope(target);
    expect(target.error).toBe(wrapped);
    target.error('once');
    expect(original).toHaveBeenCalledTimes(1);
    const lines: ConsoleLine[] = [];
    await capturingConsole(lines, () => Promise.resolve(target.error('kept')));
    expect(lines).toHaveLength(1);
  });
});
