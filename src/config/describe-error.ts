/**
 * ajv errors in plain English. Reasons complete the sentence that starts with a path:
 * `server.port: must be at most 65535`, `access.roles.ops: unknown key "membrs" (allowed: members, allow)`.
 */
import type { ErrorObject } from 'ajv';

export interface DescribedError {
  readonly reason: string;
  /** Point at a key, not a value: `key` names a child key of the instance, or the instance's own key. */
  readonly at: 'key' | 'value';
  readonly key?: string;
  /** The error is about this child's value (the path names the child). */
  readonly child?: string;
}

/** Shows a value in a message; the caller hides values that came from the environment. */
export type QuoteValue = (value: unknown) => string;

/** null for wrapper errors (propertyNames, if, oneOf) whose specific cause is reported on its own. */
export function describeError(error: ErrorObject, quote: QuoteValue): DescribedError | null {
  const params = error.params as Record<string, unknown>;
  const parent = asRecord(error.parentSchema);
  const value = (reason: string): DescribedError => ({ reason, at: 'value' });
  const onKey = (reason: string, key?: string): DescribedError => (key === undefined ? { reason, at: 'key' } : { reason, at: 'key', key });

  // A bad map key (role name, channel) is reported by propertyNames' inner error with propertyName set.
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    return error.keyword === 'pattern' ? onKey(patternReason(JSON.stringify(propertyName), parent, params), propertyName) : null;
  }

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(asRecord(parent.properties));
      return onKey(`unknown key ${JSON.stringify(key)} (allowed: ${allowed.join(', ')})`, key);
    }
    case 'required':
      return onKey(`missing required key ${JSON.stringify(params.missingProperty)}`);
    case 'discriminator': {
      const tag = String(params.tag);
      const tags = discriminatorValues(parent, tag);
      return params.error === 'mapping'
        ? { reason: `must be one of ${tags.join(', ')}`, at: 'value', child: tag }
        : onKey(`missing required key ${JSON.stringify(tag)} (one of ${tags.join(', ')})`);
    }
    case 'type':
      return value(`must be ${typeWords(params.type)} (got ${describeValue(error.data, quote)})`);
    case 'enum':
      return value(`must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`);
    case 'const':
      return value(`must be ${JSON.stringify(params.allowedValue)}`);
    case 'pattern':
      return value(patternReason(quote(error.data), parent, params));
    case 'minLength':
      return value(params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`);
    case 'maxLength':
      return value(`must be at most ${String(params.limit)} characters`);
    case 'minimum':
      return value(`must be at least ${String(params.limit)}`);
    case 'maximum':
      return value(`must be at most ${String(params.limit)}`);
    case 'minItems':
      return value(`must list at least ${String(params.limit)} ${params.limit === 1 ? 'item' : 'items'}`);
    case 'minProperties':
    case 'maxProperties':
      return value(keyCountReason(error.keyword, parent, Number(params.limit), error.data));
    case 'propertyNames':
    case 'if':
    case 'oneOf':
    case 'anyOf':
      return null;
    default:
      return value(error.message ?? `fails ${error.keyword}`);
  }
}

function patternReason(quoted: string, parent: Record<string, unknown>, params: Record<string, unknown>): string {
  const message = parent.patternErrorMessage;
  return typeof message === 'string' ? `${quoted} ${message}` : `${quoted} does not match ${String(params.pattern)}`;
}

/**
 * A mapping that takes exactly one of its keys (a store's traffic switch, an alert source's proof)
 * says which keys, in the words the cross-field checks use; other key counts say the count.
 */
function keyCountReason(keyword: string, parent: Record<string, unknown>, limit: number, data: unknown): string {
  const choices = Object.keys(asRecord(parent.properties));
  if (parent.minProperties === 1 && parent.maxProperties === 1 && choices.length > 1) {
    const one = `needs exactly one of ${choices.slice(0, -1).join(', ')} or ${choices.at(-1) ?? ''}`;
    return keyword === 'maxProperties' ? `${one}, not several (has ${Object.keys(asRecord(data)).join(' and ')})` : one;
  }
  const keys = limit === 1 ? 'key' : 'keys';
  return keyword === 'maxProperties' ? `must have at most ${limit} ${keys}` : `must have at least ${limit} ${keys}`;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : String(type).split(',');
  return types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
}

function describeValue(data: unknown, quote: QuoteValue): string {
  if (Array.isArray(data)) return 'a list';
  if (data === null) return 'nothing';
  if (typeof data === 'object') return 'a mapping';
  return quote(data);
}

function discriminatorValues(parent: Record<string, unknown>, tag: string): string[] {
  const branches = Array.isArray(parent.oneOf) ? parent.oneOf : [];
  return branches.map((b) => asRecord(asRecord(asRecord(b).properties)[tag]).const).filter((c) => c !== undefined).map(String);
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
