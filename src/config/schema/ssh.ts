/**
 * `ssh:` hosts opsbot may reach, their pinned host keys (a known_hosts file), the key it logs in
 * with, and the catalogued remote commands (id → argv). Nothing typed in chat becomes a command.
 */
import { Type } from '@sinclair/typebox';
import type { SshConfig } from '../deploy-types.js';
import { Duration, durationMs } from './duration.js';
import { absolute, CATALOG_ID_PATTERN, HOST_PATTERN } from './playbook-catalog.js';
import { KeyedMap } from './primitives.js';
import { defineSection, type SectionProblem } from './section.js';

const DEFAULTS = { port: 22, user: 'opsbot', connectTimeout: '10s', commandTimeout: '60s' } as const;

const SshSchema = Type.Object(
  {
    knownHosts: Type.Optional(Type.String({ minLength: 1, description: 'known_hosts file with the pinned host key of every host; unknown or changed keys are refused.' })),
    privateKey: Type.Optional(Type.String({ minLength: 1, description: 'Private key file opsbot logs in with (key auth only).' })),
    user: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_-]{0,31}$', default: DEFAULTS.user })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535, default: DEFAULTS.port })),
    connectTimeout: Type.Optional(Duration({ default: DEFAULTS.connectTimeout })),
    commandTimeout: Type.Optional(Duration({ default: DEFAULTS.commandTimeout })),
    hosts: Type.Optional(
      KeyedMap(
        Type.String({ pattern: HOST_PATTERN }),
        Type.Object(
          {
            address: Type.String({ pattern: '^[A-Za-z0-9.:_-]+$', description: 'Address to connect to (also the name looked up in known_hosts).' }),
            port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
            user: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_-]{0,31}$' })),
          },
          { additionalProperties: false },
        ),
        { default: {} },
      ),
    ),
    commands: Type.Optional(
      KeyedMap(Type.String({ pattern: CATALOG_ID_PATTERN }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), {
        default: {},
        description: 'Command id → argv (the first word is the program). Each word is quoted for the remote shell.',
      }),
    ),
  },
  { additionalProperties: false, title: 'SSH', description: 'Catalogued remote commands over SSH with pinned host keys.' },
);

export const sshSection = defineSection({
  schema: SshSchema,
  load(raw, ctx): SshConfig {
    const user = raw?.user ?? DEFAULTS.user;
    const port = raw?.port ?? DEFAULTS.port;
    return {
      knownHosts: raw?.knownHosts === undefined ? null : absolute(ctx.cwd, raw.knownHosts),
      privateKey: raw?.privateKey === undefined ? null : absolute(ctx.cwd, raw.privateKey),
      connectTimeout: durationMs(raw?.connectTimeout ?? DEFAULTS.connectTimeout),
      commandTimeout: durationMs(raw?.commandTimeout ?? DEFAULTS.commandTimeout),
      hosts: Object.fromEntries(Object.entries(raw?.hosts ?? {}).map(([name, h]) => [name, { address: h.address, port: h.port ?? port, user: h.user ?? user }])),
      commands: raw?.commands ?? {},
    };
  },
  check(ssh): SectionProblem[] {
    const problems: SectionProblem[] = [];
    if (Object.keys(ssh.hosts).length > 0) {
      if (ssh.knownHosts === null) problems.push({ path: ['knownHosts'], reason: 'is required when hosts are configured (host keys are pinned)' });
      if (ssh.privateKey === null) problems.push({ path: ['privateKey'], reason: 'is required when hosts are configured' });
    }
    return problems;
  },
});
