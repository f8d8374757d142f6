/** The `/scale` change grammar, the rounding rule and the clamping to min and max. */
import { describe, expect, it } from 'vitest';
import { asksForZero, movesAgainst, namedCount, parseScaleChange, planScale, SCALE_CHANGE_PATTERN, type ScaleChange } from '../../src/core/scaling/change.js';
import type { ScaleTarget } from '../../src/core/scaling/ports.js';
import { checkBounds } from '../../src/core/scaling/scale-flow.js';

describe('the change grammar', () => {
  it.each([
    ['x2', { kind: 'factor', numerator: 2, denominator: 1 }],
    ['x0.5', { kind: 'factor', numerator: 5, denominator: 10 }],
    ['x1.25', { kind: 'factor', numerator: 125, denominator: 100 }],
    ['x10', { kind: 'factor', numerator: 10, denominator: 1 }],
    ['x0', { kind: 'factor', numerator: 0, denominator: 1 }],
    ['+2', { kind: 'delta', delta: 2 }],
    ['-1', { kind: 'delta', delta: -1 }],
    ['6', { kind: 'absolute', count: 6 }],
    ['0', { kind: 'absolute', count: 0 }],
    ['999', { kind: 'absolute', count: 999 }],
  ])('reads %s', (text, expected) => {
    expect(parseScaleChange(text)).toEqual({ text, ...expected });
  });

  it.each(['x', 'x-2', '+', '-', '2.5.1', '1e3', 'x20', 'x10.5', 'x1.234', '1000', '+0', '-0', '+1000', '06', '2.5', 'X2', '*2', 'x2x', ' 2', 'two', '', '0x10', '-x2', 'x.5', '½'])('refuses %j', (text) => {
    expect(SCALE_CHANGE_PATTERN.test(text)).toBe(false);
    expect(parseScaleChange(text)).toBeNull();
  });

  it('treats x0 and 0 (and only those) as asking for zero', () => {
    for (const text of ['x0', 'x0.0', 'x0.00', '0']) expect(asksForZero(parseScaleChange(text)!)).toBe(true);
    for (const text of ['x0.5', '-1', '1', 'x1']) expect(asksForZero(parseScaleChange(text)!)).toBe(false);
  });
});

describe('planning', () => {
  const wide = { min: 0, max: 999 };
  const plan = (current: number, text: string, bounds = wide) => planScale(current, parseScaleChange(text)!, bounds);

  it('rounds factors up, exactly (no floating-point surprises)', () => {
    expect(plan(3, 'x2')).toEqual({ from: 3, to: 6, notes: [] });
    expect(plan(3, 'x1.5')).toEqual({ from: 3, to: 5, notes: ['x1.5 of 3 is 4.5, rounded up to 5.'] });
    expect(plan(3, 'x0.5')).toEqual({ from: 3, to: 2, notes: ['x0.5 of 3 is 1.5, rounded up to 2.'] });
    expect(plan(10, 'x0.3').to).toBe(3);
    expect(plan(10, 'x0.3').notes).toEqual([]);
    expect(plan(1, 'x0.5').to).toBe(1);
    expect(plan(7, 'x0').to).toBe(0);
  });

  it('adds and removes, and sets absolute counts', () => {
    expect(plan(3, '+2').to).toBe(5);
    expect(plan(3, '-1').to).toBe(2);
    expect(plan(3, '8').to).toBe(8);
  });

  it('clamps to the bounds and says so', () => {
    const bounds = { min: 2, max: 6 };
    expect(plan(4, 'x2', bounds)).toEqual({ from: 4, to: 6, notes: ['8 is above the maximum of 6: using 6.'] });
    expect(plan(3, '-5', bounds)).toEqual({ from: 3, to: 2, notes: ['-2 is below the minimum of 2: using 2.'] });
    expect(plan(3, '0', bounds)).toEqual({ from: 3, to: 2, notes: ['0 is below the minimum of 2: using 2.'] });
    expect(plan(5, 'x1.5', bounds).notes).toEqual(['x1.5 of 5 is 7.5, rounded up to 8.', '8 is above the maximum of 6: using 6.']);
  });
});

describe('from a count outside the bounds, or from zero', () => {
  const bounds = { min: 2, max: 6 };
  const against = (current: number, text: string, b = bounds): boolean => movesAgainst(parseScaleChange(text)!, planScale(current, parseScaleChange(text)!, b));

  it('notices when keeping within the bounds would move against the change', () => {
    expect(['+1', 'x2', 'x1.5', 'x1'].map((t) => against(9, t))).toEqual([true, true, true, true]);
    expect(['-1', 'x0.5', '7', '6'].map((t) => against(9, t))).toEqual([false, false, false, false]);
    expect(['-1', 'x0.5', 'x1'].map((t) => against(1, t))).toEqual([true, true, true]);
    expect(['+1', 'x2', '1'].map((t) => against(1, t))).toEqual([false, false, false]);
    // Within the bounds, clamping only ever shortens a move.
    expect(['+9', '-9', 'x10', 'x0.1'].map((t) => against(4, t))).toEqual([false, false, false, false]);
  });

  it('says a factor leaves zero at zero, unless the minimum starts replicas', () => {
    expect(planScale(0, parseScaleChange('x2')!, { min: 0, max: 6 })).toEqual({ from: 0, to: 0, notes: ['x2 of 0 is 0: a factor does not start replicas; say a count (6) or a step (+2).'] });
    expect(planScale(0, parseScaleChange('x2')!, bounds)).toEqual({ from: 0, to: 2, notes: ['0 is below the minimum of 2: using 2.'] });
  });
});

describe('a count named outright, outside the bounds', () => {
  const change = (text: string): ScaleChange => {
    const parsed = parseScaleChange(text);
    if (parsed === null) throw new Error(`not a change: ${text}`);
    return parsed;
  };
  const target: ScaleTarget = { service: 'web', env: 'prod', min: 1, max: 6, cooldownMs: 0, readyTimeoutMs: 0, pollIntervalMs: 0, kind: 'compose', target: 'Compose service web' };

  it('is a count or a zero factor; other factors and steps depend on the current count', () => {
    expect(['6', '0', 'x0', 'x0.00', 'x2', 'x0.5', '+2', '-1'].map((t) => namedCount(change(t)))).toEqual([6, 0, 0, 0, null, null, null, null]);
  });

  it('is refused naming the bounds (the job and the dispatcher both call this); the rest is left to clamping', () => {
    expect(() => checkBounds(target, change('0'))).toThrow('`web` (prod) is kept within 1…6 replicas (min and max in the config): 0 is below its minimum of 1.');
    expect(() => checkBounds(target, change('x0'))).toThrow('0 is below its minimum of 1.');
    expect(() => checkBounds(target, change('7'))).toThrow('7 is above its maximum of 6.');
    for (const ok of ['1', '6', 'x10', '+999', '-999']) expect(() => checkBounds(target, change(ok))).not.toThrow();
    expect(() => checkBounds({ ...target, min: 0 }, change('0'))).not.toThrow();
  });
});
