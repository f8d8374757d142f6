/**
 * Whatever an operator types after a command's name, opsbot answers on purpose: a reply, a usage
 * error, a refusal, a confirmation prompt or a job. Never an internal error, never an exception out
 * of dispatch, never an error in the log. The command lines are drawn from each command's own args
 * schema (so a new command is covered the day it is added): its positionals in order, its flags in
 * both spellings, values inside and outside their bounds, and any text in between.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ArgSpec } from '../../src/core/args/schema.js';
import type { Command } from '../../src/core/command.js';
import { alertsConfig } from '../alerts/support/intake.js';
import { removeTempDirs, startTestApp, type TestApp } from '../support/app.js';

/** Words with a meaning somewhere (names in configs, states, colours), and words that break things. */
const KNOWN = ['store-pl', 'demo', 'web', 'build', 'blue', 'green', 'auto', 'running', 'failed', '1', '0', '-1', 'x2', '+2', 'x0.5', 'list', 'add', 'now', '1h', 'alertname=Foo'];
const ODD = ['', '-', '--', '"', "'", '""', '=', 'a=', '=b', '\\', '99999999999999999999', 'NaN', 'Infinity', '1e9', '-0', 'ż🚀', '$(id)', '`id`', '../etc/passwd', 'x'.repeat(400)];

const text = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KNOWN) }, { weight: 1, arbitrary: fc.constantFrom(...ODD) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }) });

/** A word as typed: quoted when it holds spaces, so it stays one word (or breaks the quoting, which is fine too). */
const typed = (word: string): string => (/\s/.test(word) ? `"${word}"` : word);

function valueOf(spec: ArgSpec): fc.Arbitrary<string> {
  switch (spec.type) {
    case 'string':
      return spec.enum === undefined ? text : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...spec.enum) }, { weight: 1, arbitrary: text });
    case 'integer':
      return fc.oneof(fc.integer({ min: (spec.min ?? -5) - 2, max: (spec.max ?? 1000) + 2 }).map(String), text);
    case 'duration':
      return fc.oneof(fc.constantFrom('90s', '5m', '2h', '1d', '1h30m', '0s', '-1h', '9999d', '10'), text);
    case 'pairs':
      return fc.array(fc.tuple(text, text).map(([k, v]) => `${k}=${v}`), { maxLength: 3 }).map((pairs) => pairs.join(' '));
    case 'boolean':
      return fc.constant('');
  }
}

function flagOf(name: string, spec: ArgSpec): fc.Arbitrary<string> {
  if (spec.type === 'boolean') return fc.constantFrom(`--${name}`, ...(spec.short === undefined ? [] : [`-${spec.short}`]));
  if (spec.type === 'pairs') return valueOf(spec);
  return fc.tuple(fc.boolean(), valueOf(spec)).map(([joined, value]) => (joined ? `--${name}=${value}` : `--${name} ${typed(value)}`));
}

function commandLine(command: Command): fc.Arbitrary<string> {
  const specs = Object.entries(command.args);
  const positionals = specs.filter(([, spec]) => 'positional' in spec && spec.positional !== undefined).sort(([, a], [, b]) => ('positional' in a ? (a.positional ?? 0) : 0) - ('positional' in b ? (b.positional ?? 0) : 0));
  const flags = specs.filter(([, spec]) => !('positional' in spec) || spec.positional === undefined);
  return fc
    .record({
      words: fc.tuple(...positionals.map(([, spec]) => fc.option(valueOf(spec), { freq: 4 }))),
      flags: fc.subarray(flags).chain((chosen) => fc.tuple(...chosen.map(([name, spec]) => flagOf(name, spec)))),
      // Now and then a word the schema has no place for.
      stray: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: text }),
    })
    .map(({ words, flags: given, stray }) => [command.name, ...words.filter((w): w is string => w !== null).map(typed), ...given, ...(stray === null ? [] : [typed(stray)])].join(' '));
}

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ config: { alerts: alertsConfig({ alertmanager: null }) } });
});

afterAll(async () => {
  await t.close();
  removeTempDirs();
});

it('any command line drawn from a command’s args schema gets an answer on purpose, never an internal error', async () => {
  const commands = t.app.registry.all();
  expect(commands.length).toBeGreaterThan(20);
  const completions: Promise<unknown>[] = [];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...commands).chain(commandLine), async (line) => {
      const said = await t.say(line);
      expect(said.status, `${line} → ${said.text}`).not.toBe('error');
      if (said.outcome.kind === 'job') completions.push(said.outcome.completion);
    }),
    { numRuns: 500 },
  );
  await Promise.all(completions);
  expect(t.logs.filter((entry) => entry.level === 'error').map((entry) => entry.msg)).toEqual([]);
});
