import { describe, expect, it } from 'vitest';
import { defineCommand } from '../../src/core/command.js';
import { parseArgs } from '../../src/core/args/parse.js';
import { tokenize } from '../../src/core/args/tokenize.js';
import { usageLine } from '../../src/core/args/usage.js';
import { UsageError } from '../../src/core/errors.js';
import { canonicalText, redactArgs, redactText, secretValues } from '../../src/core/args/redact.js';

const deploy = defineCommand({
  name: 'deploy',
  summary: 'Deploy a store.',
  examples: ['deploy store-pl blue'],
  args: {
    store: { type: 'string', positional: 0, required: true, pattern: /^[a-z][a-z0-9-]*$/, patternHint: 'a store name', description: 'The store.' },
    colour: { type: 'string', positional: 1, required: true, enum: ['blue', 'green', 'auto'], description: 'Target colour.' },
    version: { type: 'string', pattern: /^[\w.-]+$/, description: 'Version to deploy.' },
    token: { type: 'string', secret: true, description: 'A secret.' },
    retries: { type: 'integer', min: 0, max: 5, default: 1, description: 'Retries.' },
    wait: { type: 'duration', short: 'w', description: 'How long to wait.' },
    force: { type: 'boolean', short: 'f', description: 'Force it.' },
  },
  permission: (a) => `deploy:${a.store}`,
  sideEffect: 'mutates',
  lock: (a) => a.store,
  run: () => ({ tone: 'success', blocks: [] }),
});

const runPlaybook = defineCommand({
  name: 'run',
  summary: 'Run a playbook.',
  examples: ['run backup db=main'],
  args: {
    playbook: { type: 'string', positional: 0, required: true, description: 'Playbook id.' },
    vars: { type: 'pairs', description: 'Variables.' },
    reason: { type: 'string', positional: 1, rest: true, description: 'Why.' },
  },
  permission: (a) => `run:${a.playbook}`,
  sideEffect: 'mutates',
  run: () => ({ tone: 'success', blocks: [] }),
});

const parse = (cmd: typeof deploy, text: string) => parseArgs(cmd, tokenize(text));
const usageError = (fn: () => unknown): UsageError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
};

describe('parseArgs', () => {
  it('types positionals, flags, defaults and booleans', () => {
    const parsed = parse(deploy, 'store-pl blue --version "1.4.2" -w 5m --force');
    expect(parsed.values).toEqual({ store: 'store-pl', colour: 'blue', version: '1.4.2', wait: 300_000, force: true, retries: 1 });
    expect(parsed.dryRun).toBe(false);
  });

  it('reads --dry-run and --queue as global flags of mutating, locking commands', () => {
    const parsed = parse(deploy, 'store-pl blue --dry-run --queue');
    expect(parsed).toMatchObject({ dryRun: true, queue: true });
  });

  it('reads a chat-client long dash as a flag', () => {
    expect(parse(deploy, 'store-pl blue \u2014dry-run').dryRun).toBe(true);
  });

  it('rejects unknown flags with the usage and a suggestion', () => {
    const error = usageError(() => parse(deploy, 'store-pl blue --verison 1'));
    expect(error.message).toBe('Unknown option `--verison`. Did you mean `--version`?');
    expect(error.hint).toBe(`Usage: ${usageLine(deploy)}`);
  });

  it.each([
    ['store-pl blue -e foo', /Unknown option `-e`/],
    ['store-pl blue --extra-vars={"a":1}', /Unknown option `--extra-vars`/],
    ["'; rm -rf /' blue", /is not a valid store \(a store name\)/],
    ['$(id) blue', /is not a valid store/],
    ['../etc blue', /is not a valid store/],
    ['store-pl red', /`red` is not a valid colour: use one of blue, green, auto/],
    ['store-pl "blue\ngreen"', /control characters/],
    ['store-pl blue\u0007', /control characters/],
    ['store-pl\u001b[2J blue', /control characters/],
    ['store-pl blue extra', /Unexpected argument `extra`/],
    ['store-pl', /Missing <store>|Missing <colour>/],
    ['store-pl blue --retries 9', /must be at most 5/],
    ['store-pl blue --retries x', /must be a whole number/],
    ['store-pl blue --wait soon', /is not a duration/],
    ['store-pl blue --version', /needs a value/],
    ['store-pl blue --version 1 --version 2', /more than once/],
  ])('refuses %j', (text, message) => {
    expect(() => parse(deploy, text)).toThrow(message);
  });

  it('treats a quoted word starting with a dash as data, never a flag', () => {
    expect(() => parse(deploy, 'store-pl blue "--force"')).toThrow(/Unexpected argument `--force`/);
  });

  it('suggests the closest enum value', () => {
    expect(() => parse(deploy, 'store-pl grene')).toThrow(/Did you mean `green`\?/);
  });

  it('collects key=value pairs and joins the rest positional', () => {
    const parsed = parseArgs(runPlaybook, tokenize('backup db=main "note=a b" nightly run'));
    expect(parsed.values).toEqual({ playbook: 'backup', vars: { db: 'main', note: 'a b' }, reason: 'nightly run' });
  });

  it('reads a variable written name="value" without its quotes, as a shell would', () => {
    const parsed = parseArgs(runPlaybook, tokenize('backup note="a b" quip="say \\"hi\\"" empty="" db=main'));
    expect(parsed.values).toEqual({ playbook: 'backup', vars: { note: 'a b', quip: 'say "hi"', empty: '', db: 'main' } });
  });

  describe.each(['auto', 'yargs'] as const)('`--` with the %s grammar', (grammar) => {
    const reasonOf = (text: string): unknown => parseArgs(runPlaybook, tokenize(text), { grammar }).values.reason;

    it('keeps `--` and long dashes standing alone in free text', () => {
      expect(reasonOf('backup a -- b')).toBe('a -- b');
      expect(reasonOf('backup a --')).toBe('a --');
      expect(reasonOf('backup -- b')).toBe('-- b');
      expect(reasonOf('backup 10\u201312 window \u2013 back soon \u2014 promise')).toBe('10\u201312 window \u2013 back soon \u2014 promise');
    });

    it('ends the options at a `--` right before a word that starts with a dash, and drops it', () => {
      expect(reasonOf('backup -- -x marks the spot')).toBe('-x marks the spot');
      expect(reasonOf('backup a -- --dry-run b')).toBe('a --dry-run b');
      expect(parseArgs(runPlaybook, tokenize('backup a -- --dry-run'), { grammar }).dryRun).toBe(false);
    });

    it('reads options after a `--` that is text, and takes a `--` with no place as any stray word', () => {
      expect(() => parseArgs(deploy, tokenize('store-pl -- --force'), { grammar })).toThrow(/`--force` is not a valid colour/);
      expect(() => parseArgs(deploy, tokenize('store-pl blue -- x --force'), { grammar })).toThrow(/Unexpected argument `--`/);
      expect(() => parseArgs(deploy, tokenize('store-pl blue --force --'), { grammar })).toThrow(/Unexpected argument `--`/);
      expect(parseArgs(runPlaybook, tokenize('backup a -- b --dry-run'), { grammar }).dryRun).toBe(true);
    });
  });

  it('rejects bad variable names and duplicates', () => {
    expect(() => parseArgs(runPlaybook, tokenize('backup 1x=2'))).toThrow(/not a valid variable name/);
    expect(() => parseArgs(runPlaybook, tokenize('backup a=1 a=2'))).toThrow(/given more than once/);
  });

  it('accepts negative numbers as positionals', () => {
    const scale = defineCommand({
      name: 'scale',
      summary: 's',
      examples: [],
      args: { service: { type: 'string', positional: 0, required: true, description: 's' }, change: { type: 'string', positional: 1, required: true, pattern: /^[-+x]?\d+$/, description: 'c' } },
      permission: () => 'scale',
      sideEffect: 'mutates',
      run: () => ({ tone: 'success', blocks: [] }),
    });
    expect(parseArgs(scale, tokenize('web -1')).values).toEqual({ service: 'web', change: '-1' });
  });

  it('generates the usage line from the schema', () => {
    expect(usageLine(deploy)).toBe('deploy <store> <blue|green|auto> [--version <version>] [--token <token>] [--retries <retries>] [--wait <wait>] [--force] [--dry-run] [--queue]');
  });
});

describe('redaction', () => {
  const values = parse(deploy, 'store-pl blue --token s3cr3t-value').values;

  it('masks secret args by name', () => {
    expect(redactArgs(deploy.args, values)).toMatchObject({ store: 'store-pl', token: '***' });
    expect(secretValues(deploy.args, values)).toEqual(['s3cr3t-value']);
  });

  it('rebuilds a canonical text without the secret', () => {
    expect(canonicalText('deploy', deploy.args, values, { dryRun: true })).toBe('deploy store-pl blue --token *** --retries 1 --dry-run');
  });

  it('masks secrets by value in free text, longest first', () => {
    expect(redactText('token=s3cr3t-value and s3cr3t', ['s3cr3t', 's3cr3t-value'])).toBe('token=*** and ***');
  });
});

describe('canonical text', () => {
  it('shows durations the way people type them, so the text can be run again', () => {
    const values = parseArgs(deploy, tokenize('store-pl blue --wait 1h30m')).values;
    const text = canonicalText('deploy', deploy.args, values, { dryRun: false });
    expect(text).toBe('deploy store-pl blue --retries 1 --wait 1h30m');
    expect(parseArgs(deploy, tokenize(text.replace(/^deploy /, ''))).values).toEqual(values);
  });
});
