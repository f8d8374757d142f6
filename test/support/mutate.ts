/**
 * Upstream samples, damaged one place at a time: one node of the JSON tree (an object member or an
 * array element, at any depth) replaced by any JSON value, or removed. Property tests of "malformed
 * input gets a 4xx with a reason, never a 5xx" draw from these: a case stays close enough to a real
 * payload to get past the first checks and reach the code that reads it, where random bytes never get.
 */
import fc from 'fast-check';

/** `value` with the node at `path` (indexes into keys or elements, taken modulo their count) replaced; `undefined` removes it. */
export function replaceAt(value: unknown, path: readonly number[], replacement: unknown): unknown {
  const [step, ...rest] = path;
  if (step === undefined || value === null || typeof value !== 'object') return replacement;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const copy: unknown[] = [...value];
    const at = step % copy.length;
    copy[at] = replaceAt(copy[at], rest, replacement);
    return copy;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const key = keys[step % Math.max(keys.length, 1)];
  if (key === undefined) return replacement;
  const copy: Record<string, unknown> = { ...record, [key]: replaceAt(record[key], rest, replacement) };
  if (copy[key] === undefined) delete copy[key];
  return copy;
}

/** One of `samples` with its JSON (the sample itself unless `json` picks it out) damaged in one place (see replaceAt). */
export function damaged<T>(samples: readonly T[], json: (sample: T) => unknown = (sample) => sample): fc.Arbitrary<{ readonly sample: T; readonly value: unknown }> {
  return fc
    .record({ sample: fc.constantFrom(...samples), path: fc.array(fc.nat(), { maxLength: 5 }), replacement: fc.oneof(fc.jsonValue(), fc.constant(undefined)) })
    .map(({ sample, path, replacement }) => ({ sample, value: replaceAt(json(sample), path, replacement) }));
}
