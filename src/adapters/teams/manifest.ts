/**
 * The Teams app package an admin uploads (Teams admin center → Manage apps → Upload, or Developer
 * Portal): manifest.json (schema 1.17) naming the bot by its app id, with the command list generated
 * from the command schemas, and the two icons drawn in code, zipped.
 */
import { usageLine } from '../../core/args/usage.js';
import type { Command } from '../../core/command.js';
import type { TeamsConfig } from '../../config/types.js';
import { colorIcon, outlineIcon } from './png.js';
import { zip } from './zip.js';

export const MANIFEST_VERSION = '1.17';
/** Teams shows at most 10 commands per scope in its command menu. */
export const MAX_COMMANDS = 10;
const SCOPES = ['personal', 'team', 'groupChat'] as const;
/** The commands people reach for first; the rest follow in help order while there is room. */
const PREFERRED = ['help', 'status', 'deploy', 'rollback', 'scale', 'pipeline', 'run', 'jobs', 'job', 'alerts'];

export class ManifestError extends Error {}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Commands for the Teams command menu: title = name, description = what it does and how to type it. */
export function commandList(commands: readonly Command[]): { title: string; description: string }[] {
  const offered = commands.filter((c) => c.name !== 'confirm');
  const rank = (c: Command): number => {
    const preferred = PREFERRED.indexOf(c.name);
    return preferred === -1 ? PREFERRED.length + offered.indexOf(c) : preferred;
  };
  return [...offered]
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, MAX_COMMANDS)
    .map((c) => ({ title: clip(c.name, 32), description: clip(`${c.summary} ${usageLine(c)}`, 128) }));
}

function hostOf(url: string): string {
  return new URL(url).host;
}

export function teamsManifest(config: TeamsConfig, commands: readonly Command[]): Record<string, unknown> {
  const m = config.manifest;
  if (m.websiteUrl === null || m.privacyUrl === null || m.termsOfUseUrl === null) {
    throw new ManifestError('the app package needs https URLs for the developer: set teams.publicUrl, or teams.manifest.websiteUrl (and optionally privacyUrl, termsOfUseUrl)');
  }
  const domains = [config.publicUrl, m.websiteUrl].filter((u): u is string => u !== null).map(hostOf);
  return {
    $schema: `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`,
    manifestVersion: MANIFEST_VERSION,
    version: m.version,
    // The app and its bot share the Entra app id: one registration to manage.
    id: config.appId,
    developer: { name: clip(m.developerName, 32), websiteUrl: m.websiteUrl, privacyUrl: m.privacyUrl, termsOfUseUrl: m.termsOfUseUrl },
    name: { short: clip(m.name, 30), full: clip(`${m.name}: ChatOps for deploys, pipelines, scaling and alerts`, 100) },
    description: {
      short: 'Deploys, pipelines, scaling and alerts from chat, safely.',
      full: clip(
        `${m.name} runs operations from chat: every command is typed, permission-checked, audited and runs as a cancellable job. Mention @${m.name} in a channel or chat with it directly; type "help" for the commands.`,
        4000,
      ),
    },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: m.accentColor,
    bots: [
      {
        botId: config.appId,
        scopes: [...SCOPES],
        supportsFiles: false,
        isNotificationOnly: false,
        commandLists: [{ scopes: [...SCOPES], commands: commandList(commands) }],
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: [...new Set(domains)],
  };
}

/** The zip to upload: manifest.json, color.png (192×192), outline.png (32×32). */
export function teamsAppPackage(config: TeamsConfig, commands: readonly Command[]): Buffer {
  const manifest = teamsManifest(config, commands);
  return zip([
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: 'color.png', data: colorIcon(config.manifest.accentColor) },
    { name: 'outline.png', data: outlineIcon() },
  ]);
}
