/**
 * Every command this opsbot runs: the built-ins, `confirm`, and extra ones (tests, benchmarks). One
 * definition, so the config loader checks names against the same set the running bot dispatches.
 */
import { builtinCommands } from '../commands/index.js';
import type { Command } from './core/command.js';
import { confirmCommand } from './core/confirm.js';
import { CommandRegistry } from './core/registry.js';

export function commandRegistry(extra: readonly Command[] = []): CommandRegistry {
  return new CommandRegistry([...builtinCommands, confirmCommand, ...extra]);
}
