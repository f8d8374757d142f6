/**
 * The parser reads the plain flag grammar itself (fast) and hands everything else to yargs-parser.
 * This property test holds the fast path to yargs-parser's answers: for thousands of generated
 * argument lists, both paths give the same values, or the same error.
 */
import { describe, expect, it } from 'vitest';
import { defineCommand } from '../../src/core/command.js';
import { parseArgs } from '../../src/core/args/parse.js';
import type { Token } from '../../src/core/args/tokenize.js';

const deploy = defineCommand({
  name: 'deploy',
  summary: 'd',
  examples: [],
  args: {
    store: { type: 'string', positional: 0, required: true, pattern: /^[a-z][a-z0-9-]*$/, description: 'The store.' },
    colour: { type: 'string', positional: 1, enum: ['blue', 'green'], description: 'Colour.' },
    version: { type: 'string', description: 'Version.' },
    retries: { type: 'integer', min: -5, max: 5, description: 'Retries.' },
    wait: { type: 'duration', short: 'w', description: 'Wait.' },
    force: { type: 'boolean', short: 'f', description: 'Force.' },
    vars: { type: 'pairs', description: 'Variables.' },
  },
  permission: () => 'deploy',
  sideEffect: 'mutates',
  lock: (a) => a.store,
  run: () => ({ tone: 'success', blocks: [] }),
});

const VOCABULARY: Token[] = [
  'store-pl', 'blue', 'green', 'red', '--version', '1.2', '--version=1.3', '--version=', '-w', '5m', '--wait', '--wait=1h',
  '--force', '-f', '--force=yes', '--dry-run', '--queue', '--retries', '3', '-1', '--', '--unknown', '-x', '-fw', 'a=b', 'KEY=1',
  'extra', '---', '-', '--retries=-2',
].map((value) => ({ value, quoted: false }));
VOCABULARY.push({ value: '-quoted', quoted: true }, { value: '--force', quoted: true }, { value: 'x y', quoted: true });

/** A small deterministic PRNG, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function outcome(tokens: Token[], grammar: 'auto' | 'yargs'): string {
  try {
    return JSON.stringify(parseArgs(deploy, tokens, { grammar }));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('the plain-grammar fast path', () => {
  it('agrees with yargs-parser on 5,000 generated argument lists', () => {
    const next = random(20261122);
    let compared = 0;
    let accepted = 0;
    for (let n = 0; n < 5_000; n += 1) {
      const length = Math.floor(next() * 7);
      const tokens = Array.from({ length }, () => VOCABULARY[Math.floor(next() * VOCABULARY.length)] as Token);
      const fast = outcome(tokens, 'auto');
      const full = outcome(tokens, 'yargs');
      expect({ tokens: tokens.map((t) => t.value), result: fast }).toEqual({ tokens: tokens.map((t) => t.value), result: full });
      compared += 1;
      if (!fast.startsWith('error')) accepted += 1;
    }
    expect(compared).toBe(5_000);
    // The generator must reach the success paths too, or the comparison proves little.
    expect(accepted).toBeGreaterThan(200);
  });
});
