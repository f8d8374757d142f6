/** `opsbot mattermost <subcommand>`: today `register --team <name> [--trigger <t>…]`. */
import type { LoadedConfig } from '../../config/types.js';
import type { CommandRegistry } from '../../core/registry.js';
import { clientFor, publicUrlOf } from './index.js';
import { registerCommands, registrationReport } from './register.js';

export interface MattermostCliOptions {
  readonly loaded: LoadedConfig;
  readonly registry: Pick<CommandRegistry, 'find' | 'all'>;
  readonly team: string | undefined;
  /** Extra per-command triggers to register beside the umbrella and those already in the config. */
  readonly triggers: readonly string[];
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const MATTERMOST_USAGE = 'opsbot mattermost register --team <team name> [--trigger <command>]…';

export async function mattermostCli(args: readonly string[], options: MattermostCliOptions): Promise<number> {
  const [sub, ...extra] = args;
  if (sub !== 'register' || extra.length > 0) {
    options.err(`Usage: ${MATTERMOST_USAGE}\n`);
    return 2;
  }
  const config = options.loaded.config.mattermost;
  if (config === null) {
    options.err(`${options.loaded.file} has no \`mattermost\` section: add url, botToken and actionSecret first.\n`);
    return 2;
  }
  const client = clientFor(config);
  if (client === null) {
    options.err('Registering slash commands needs mattermost.botToken: a token of an account allowed to manage the team\'s slash commands.\n');
    return 2;
  }
  if (options.team === undefined || options.team === '') {
    options.err(`Name the team: ${MATTERMOST_USAGE}\n`);
    return 2;
  }
  const triggers = [config.umbrella, ...Object.keys(config.commands), ...options.triggers];
  try {
    const result = await registerCommands(client, {
      team: options.team,
      triggers,
      umbrella: config.umbrella,
      publicUrl: publicUrlOf(config, options.loaded.config.server),
      registry: options.registry,
    });
    options.out(registrationReport(options.team, result));
    return 0;
  } catch (error: unknown) {
    options.err(`Registration failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
