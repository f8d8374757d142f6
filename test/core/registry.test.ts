import { describe, expect, it } from 'vitest';
import { defineCommand } from '../../src/core/command.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { builtinCommands } from '../../commands/index.js';
import { confirmCommand } from '../../src/core/confirm.js';

const make = (name: string, aliases: string[] = []) =>
  defineCommand({ name, aliases, summary: name, examples: [name], args: {}, permission: () => name, sideEffect: 'none', run: () => ({ tone: 'neutral', blocks: [] }) });

describe('CommandRegistry', () => {
  it('finds commands by name and alias, case-insensitively', () => {
    const registry = new CommandRegistry([make('deploy', ['ship'])]);
    expect(registry.find('SHIP')?.name).toBe('deploy');
    expect(registry.find('nope')).toBeNull();
  });

  it('refuses an alias that collides with another command at boot', () => {
    expect(() => new CommandRegistry([make('deploy', ['ship']), make('ship')])).toThrow('Command "ship" claims "ship", which is already taken by command "deploy".');
  });

  it('refuses invalid names', () => {
    expect(() => new CommandRegistry([make('Deploy!')])).toThrow(/invalid/);
  });

  it('suggests the closest command', () => {
    expect(new CommandRegistry([make('deploy'), make('status')]).suggest('deplyo')).toBe('deploy');
  });

  it('accepts the built-in command set without collisions', () => {
    const registry = new CommandRegistry([...builtinCommands, confirmCommand]);
    const names = registry.all().map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['help', 'whoami', 'jobs', 'job', 'cancel', 'audit', 'lock', 'unlock', 'confirm']));
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('suggestions', () => {
  it('counts two swapped letters as one edit', async () => {
    const { editDistance, closest } = await import('../../src/core/args/suggest.js');
    expect(editDistance('lcok', 'lock')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closest('lcok', ['ack', 'lock', 'job'])).toBe('lock');
    expect(closest('zzzz', ['ack', 'lock'])).toBeNull();
  });
});
