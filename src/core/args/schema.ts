/**
 * One args schema per command. It drives tokenizing and parsing, typed validation, usage text,
 * generated help, chat autocomplete, dialogs and the redaction of secret values in audit and logs.
 */
interface BaseArg {
  readonly description: string;
  /** Position among the positional arguments (0-based). Without it, the arg is a `--flag`. */
  readonly positional?: number;
  readonly required?: boolean;
  /** Never shown in audit, logs, job output or chat echoes. */
  readonly secret?: boolean;
  /** One-letter short flag, e.g. 'f' for `-f`. */
  readonly short?: string;
  /** Placeholder shown in usage, e.g. `<store>`; defaults to the arg name. */
  readonly placeholder?: string;
}

export interface StringArg extends BaseArg {
  readonly type: 'string';
  readonly pattern?: RegExp;
  /** What the pattern means, for the error message ("a store name such as store-pl"). */
  readonly patternHint?: string;
  readonly enum?: readonly string[];
  readonly default?: string;
  readonly maxLength?: number;
  /** Positional only: takes every remaining positional word, joined by one space (a reason). */
  readonly rest?: boolean;
}

export interface IntegerArg extends BaseArg {
  readonly type: 'integer';
  readonly min?: number;
  readonly max?: number;
  readonly default?: number;
}

/** A time span typed as `90s`, `5m`, `2h`, `1d` or combined (`1h30m`); the value is milliseconds. */
export interface DurationArg extends BaseArg {
  readonly type: 'duration';
  readonly min?: number;
  readonly max?: number;
  readonly default?: number;
}

/** A flag without a value: `--force`. Always a boolean, false when absent. */
export interface BooleanArg {
  readonly type: 'boolean';
  readonly description: string;
  readonly short?: string;
}

/** Trailing `key=value` words. Keys must match `keyPattern`; values stay strings (typed later by a catalog). */
export interface PairsArg {
  readonly type: 'pairs';
  readonly description: string;
  readonly keyPattern?: RegExp;
  readonly secret?: boolean;
}

export type ArgSpec = StringArg | IntegerArg | DurationArg | BooleanArg | PairsArg;
export type ArgsSchema = Readonly<Record<string, ArgSpec>>;

type ValueOf<S extends ArgSpec> = S extends { readonly type: 'string'; readonly enum: readonly (infer E)[] }
  ? E
  : S extends { readonly type: 'string' }
    ? string
    : S extends { readonly type: 'integer' | 'duration' }
      ? number
      : S extends { readonly type: 'boolean' }
        ? boolean
        : S extends { readonly type: 'pairs' }
          ? Readonly<Record<string, string>>
          : never;

type AlwaysPresent<S extends ArgSpec> = S extends { readonly type: 'boolean' | 'pairs' }
  ? true
  : S extends { readonly required: true }
    ? true
    : S extends { readonly default: unknown }
      ? true
      : false;

/** The typed values a handler receives, inferred from its schema. */
export type ArgValues<A extends ArgsSchema> = {
  readonly [K in keyof A]: AlwaysPresent<A[K]> extends true ? ValueOf<A[K]> : ValueOf<A[K]> | undefined;
};

/** The untyped shape of parsed values, used where the schema is not statically known. */
export type AnyArgValues = Readonly<Record<string, string | number | boolean | Readonly<Record<string, string>> | undefined>>;
