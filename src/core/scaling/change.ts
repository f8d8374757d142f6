/**
 * What people type after `/scale <service>`: a factor (`x2`, `x0.5`), a step (`+2`, `-1`) or a count
 * (`6`). The grammar is one pattern, so malformed and out-of-range words (`x`, `x-2`, `+`, `2.5.1`,
 * `1e3`, `x20`, `1000`) are refused by the parser with the usage, before anything runs.
 *
 * Rounding rule: a factor's result is rounded UP to a whole replica (x1.5 of 3 = 4.5 → 5; x0.5 of 3 =
 * 1.5 → 2): a scaling never leaves less capacity than the exact product asked for, and a factor above
 * zero never reaches zero by rounding. Factors are exact decimals (at most two places), computed in
 * integers, so x0.3 of 10 is exactly 3.
 */
export type ScaleChange =
  | { readonly kind: 'factor'; readonly text: string; readonly numerator: number; readonly denominator: number }
  | { readonly kind: 'delta'; readonly text: string; readonly delta: number }
  | { readonly kind: 'absolute'; readonly text: string; readonly count: number };

/** Factors from x0 to x10 with up to two decimals; steps ±1…±999; counts 0…999. */
export const SCALE_CHANGE_PATTERN = /^(?:x(?:10(?:\.0{1,2})?|\d(?:\.\d{1,2})?)|[+-][1-9]\d{0,2}|0|[1-9]\d{0,2})$/;
export const SCALE_CHANGE_HINT = 'a factor x0…x10 such as x2 or x0.5, a step such as +2 or -1, or a count 0…999';

export function parseScaleChange(text: string): ScaleChange | null {
  if (!SCALE_CHANGE_PATTERN.test(text)) return null;
  if (text.startsWith('x')) {
    const [whole = '0', fraction = ''] = text.slice(1).split('.');
    const denominator = 10 ** fraction.length;
    return { kind: 'factor', text, numerator: Number(whole) * denominator + (fraction === '' ? 0 : Number(fraction)), denominator };
  }
  if (text.startsWith('+') || text.startsWith('-')) return { kind: 'delta', text, delta: Number(text) };
  return { kind: 'absolute', text, count: Number(text) };
}

/** `x0`, `x0.0` and `0` ask for zero replicas explicitly: destructive, so confirmed first. */
export function asksForZero(change: ScaleChange): boolean {
  return (change.kind === 'factor' && change.numerator === 0) || (change.kind === 'absolute' && change.count === 0);
}

/**
 * The count a change names outright, whatever the current count is: a count (`6`, `0`) or a zero
 * factor (`x0`). Null for other factors and for steps, whose result depends on the current count.
 */
export function namedCount(change: ScaleChange): number | null {
  if (change.kind === 'absolute') return change.count;
  return asksForZero(change) ? 0 : null;
}

export interface ScalePlan {
  readonly from: number;
  readonly to: number;
  /** Sentences about rounding and clamping, said in the reply. */
  readonly notes: readonly string[];
}

export function planScale(current: number, change: ScaleChange, bounds: { readonly min: number; readonly max: number }): ScalePlan {
  const notes: string[] = [];
  let wanted: number;
  switch (change.kind) {
    case 'factor': {
      const product = current * change.numerator;
      wanted = Math.ceil(product / change.denominator);
      if (product % change.denominator !== 0) notes.push(`${change.text} of ${current} is ${formatRatio(product, change.denominator)}, rounded up to ${wanted}.`);
      break;
    }
    case 'delta':
      wanted = current + change.delta;
      break;
    case 'absolute':
      wanted = change.count;
      break;
  }
  let to = wanted;
  if (to < bounds.min) {
    to = bounds.min;
    notes.push(`${wanted} is below the minimum of ${bounds.min}: using ${bounds.min}.`);
  } else if (to > bounds.max) {
    to = bounds.max;
    notes.push(`${wanted} is above the maximum of ${bounds.max}: using ${bounds.max}.`);
  }
  // Nothing times anything is still nothing: say how to start replicas instead (min 0 only; a higher
  // min has started them, and said so).
  if (change.kind === 'factor' && change.numerator > 0 && current === 0 && to === 0) notes.push(`${change.text} of 0 is 0: a factor does not start replicas; say a count (6) or a step (+2).`);
  return { from: current, to, notes };
}

/**
 * Which way a factor or a step asks to move the count: up (x2, +1), down (x0.5, -1) or not at all
 * (x1); null for a count, which names where to go instead.
 */
function direction(change: ScaleChange): -1 | 0 | 1 | null {
  if (change.kind === 'absolute') return null;
  const sign = change.kind === 'delta' ? Math.sign(change.delta) : Math.sign(change.numerator - change.denominator);
  return sign > 0 ? 1 : sign < 0 ? -1 : 0;
}

/**
 * Keeping within min…max moved the count against what the change asked: the count was already
 * outside the bounds (scaled by hand, bounds lowered since), so `+1` on 12 with max 8 would remove 4
 * replicas, and `-1` on 0 with min 1 would start one. A count named outright is never against itself.
 */
export function movesAgainst(change: ScaleChange, plan: ScalePlan): boolean {
  const asked = direction(change);
  return asked !== null && plan.to !== plan.from && Math.sign(plan.to - plan.from) !== asked;
}

function formatRatio(numerator: number, denominator: number): string {
  return String(Number((numerator / denominator).toFixed(4)));
}

/** For dry runs, which contact nothing and so do not know the current count. */
export function describeChange(change: ScaleChange): string {
  switch (change.kind) {
    case 'factor':
      return `multiply the current replica count by ${change.text.slice(1)} (rounded up)`;
    case 'delta':
      return `${change.delta > 0 ? 'add' : 'remove'} ${Math.abs(change.delta)} replica${Math.abs(change.delta) === 1 ? '' : 's'}`;
    case 'absolute':
      return `set ${change.count} replica${change.count === 1 ? '' : 's'}`;
  }
}
