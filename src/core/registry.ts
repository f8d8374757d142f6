/**
 * The set of commands, indexed by name and alias. A name or alias claimed twice is a boot error,
 * not a silent override.
 */
import type { Command } from './command.js';
import { closest } from './args/suggest.js';

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

export class CommandRegistry {
  private readonly byName = new Map<string, Command>();
  private readonly ordered: Command[] = [];

  constructor(commands: readonly Command[]) {
    for (const command of commands) this.add(command);
  }

  private add(command: Command): void {
    for (const key of [command.name, ...command.aliases]) {
      if (!NAME.test(key)) throw new Error(`Command name or alias "${key}" is invalid: use lowercase letters, digits and dashes.`);
      const existing = this.byName.get(key);
      if (existing !== undefined) {
        throw new Error(`Command "${command.name}" claims "${key}", which is already taken by command "${existing.name}".`);
      }
      this.byName.set(key, command);
    }
    this.ordered.push(command);
  }

  find(nameOrAlias: string): Command | null {
    return this.byName.get(nameOrAlias.toLowerCase()) ?? null;
  }

  all(): readonly Command[] {
    return this.ordered;
  }

  suggest(word: string): string | null {
    return closest(word, this.byName.keys());
  }
}
