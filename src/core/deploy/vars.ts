/**
 * Typed playbook variables: `key=value` words from chat become typed values only if the catalog
 * declares the key and the value fits its type. Nothing else reaches ansible.
 */
import { UsageError } from '../errors.js';
import type { PlaybookSpec, VarSpec, VarValue, VarValues } from './types.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * Jinja's openers. The Ansible backend already passes values marked unsafe, so Ansible never
 * templates them; refusing them here too keeps a catalog pattern that admits free text from being
 * the only guard, whatever Ansible version reads the variables.
 */
const TEMPLATE = /\{[{%#]/;

export function validateVars(spec: PlaybookSpec, given: Readonly<Record<string, string>>, fixed: VarValues): VarValues {
  const out: Record<string, VarValue> = {};
  const declared = Object.keys(spec.vars);
  for (const [key, text] of Object.entries(given)) {
    const varSpec = spec.vars[key];
    if (varSpec === undefined) {
      throw new UsageError(`\`${key}\` is not a variable of playbook \`${spec.id}\`${declared.length === 0 ? ' (it takes none)' : ` (it takes ${declared.join(', ')})`}.`);
    }
    if (Object.hasOwn(fixed, key)) throw new UsageError(`\`${key}\` is set by the configuration for this run and cannot be given.`);
    out[key] = convertVar(key, varSpec, text);
  }
  for (const [key, varSpec] of Object.entries(spec.vars)) {
    if (Object.hasOwn(out, key) || Object.hasOwn(fixed, key)) continue;
    if (varSpec.default !== undefined) out[key] = varSpec.default;
    else if (varSpec.required) throw new UsageError(`Playbook \`${spec.id}\` needs \`${key}=…\`: ${varSpec.description.replace(/\.$/, '')}.`);
  }
  return { ...out, ...fixed };
}

/** Checks a value the orchestration itself sets (colour, version) against the catalog's declaration. */
export function checkVar(spec: PlaybookSpec, key: string, value: VarValue): VarValue {
  const varSpec = spec.vars[key];
  if (varSpec === undefined) return value;
  return convertVar(key, varSpec, String(value));
}

export function convertVar(key: string, spec: VarSpec, text: string): VarValue {
  if (CONTROL.test(text)) throw new UsageError(`\`${key}\` may not contain control characters.`);
  switch (spec.type) {
    case 'string': {
      if (text.length > spec.maxLength) throw new UsageError(`\`${key}\` is too long (at most ${spec.maxLength} characters).`);
      if (TEMPLATE.test(text)) throw new UsageError(`\`${key}\` may not contain \`{{\`, \`{%\` or \`{#\`: Ansible would read them as a template.`);
      if (!new RegExp(spec.pattern, 'u').test(text)) throw new UsageError(`\`${text}\` is not a valid ${key} (must match ${spec.pattern}).`);
      return text;
    }
    case 'integer': {
      if (!/^-?\d{1,15}$/.test(text)) throw new UsageError(`\`${key}\` must be a whole number, not \`${text}\`.`);
      const n = Number(text);
      if (n < spec.min || n > spec.max) throw new UsageError(`\`${key}\` must be between ${spec.min} and ${spec.max}.`);
      return n;
    }
    case 'boolean': {
      if (text === 'true' || text === 'yes') return true;
      if (text === 'false' || text === 'no') return false;
      throw new UsageError(`\`${key}\` must be true or false, not \`${text}\`.`);
    }
    case 'enum': {
      if (!spec.values.includes(text)) throw new UsageError(`\`${text}\` is not a valid ${key}: use one of ${spec.values.join(', ')}.`);
      return text;
    }
  }
}
