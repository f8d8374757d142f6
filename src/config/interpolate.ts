/**
 * `${VAR}` and `${VAR:-default}` in one string. The caller applies this to string scalars of the
 * parsed YAML, never to the file text: a value containing a newline or `: ` must stay a value, not
 * become new YAML structure.
 *
 * - `${VAR}`: the variable's value; an unset variable is an error (an empty one gives "").
 * - `${VAR:-default}`: the default when VAR is unset or empty (as in POSIX shells). The default is
 *   literal text up to the first `}`; nested references are not supported.
 * - `$${` writes a literal `${`. Any other `$` is literal.
 */

/** The shape of process.env, and of the fake environments tests pass instead. */
export type EnvVars = Readonly<Record<string, string | undefined>>;

export interface Interpolation {
  readonly value: string;
  /** Values taken from the environment (not from defaults), in order of appearance. */
  readonly fromEnv: readonly { readonly name: string; readonly value: string }[];
  /** Variables referenced without a default that are not set. */
  readonly missing: readonly string[];
  /** References that are neither `${NAME}` nor `${NAME:-default}`, as written. */
  readonly malformed: readonly string[];
}

const tokenRe = /\$\$\{|\$\{([^}]*)(\}?)/gu;
const bodyRe = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/su;

export function interpolate(text: string, env: EnvVars): Interpolation {
  const fromEnv: { name: string; value: string }[] = [];
  const missing: string[] = [];
  const malformed: string[] = [];
  const value = text.replace(tokenRe, (token, body: string | undefined, close: string | undefined) => {
    if (token === '$${') return '${';
    const parsed = close === '}' ? bodyRe.exec(body ?? '') : null;
    const name = parsed?.[1];
    const fallback = parsed?.[2];
    if (name === undefined || fallback?.includes('${') === true) {
      malformed.push(token);
      return token;
    }
    const set = env[name];
    if (fallback !== undefined) {
      if (set === undefined || set === '') return fallback;
    } else if (set === undefined) {
      missing.push(name);
      return '';
    }
    fromEnv.push({ name, value: set });
    return set;
  });
  return { value, fromEnv, missing, malformed };
}
