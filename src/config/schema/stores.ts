/**
 * `stores:` each store is a blue and a green stack behind a traffic switch (HAProxy runtime API,
 * an nginx upstream include, or a symlink), deployed by a catalogued playbook and checked over HTTP
 * (or a catalogued SSH command) before and after the switch.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Colour } from '../../core/deploy/types.js';
import type { HealthTarget, StoreConfig, StoresConfig, TrafficConfig } from '../deploy-types.js';
import { Duration, durationMs } from './duration.js';
import { absolute, CATALOG_ID_PATTERN, HOST_PATTERN, VAR_NAME_PATTERN, VarValueSchema } from './playbook-catalog.js';
import { KeyedMap, StringEnum } from './primitives.js';
import { defineSection, type SectionProblem } from './section.js';
import { HttpUrl } from './url.js';

export const STORE_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';
const ENVS = ['dev', 'test', 'staging', 'prod'] as const;
const DEFAULTS = { env: 'dev', playbook: 'deploy-colour', timeout: '60s', interval: '1s', requestTimeout: '5s', idleState: 'maint', nginx: '/usr/sbin/nginx' } as const;

const SshTarget = Type.Object(
  { ssh: Type.Object({ host: Type.String({ pattern: HOST_PATTERN }), command: Type.String({ pattern: CATALOG_ID_PATTERN }) }, { additionalProperties: false }) },
  { additionalProperties: false, description: 'A catalogued SSH command (ssh.commands) on a host (ssh.hosts); exit 0 is healthy.' },
);
const Target = Type.Union([HttpUrl('Health URL of the colour (GET, 2xx is healthy).'), SshTarget]);
const PerColour = <T extends Parameters<typeof Type.Object>[0][string]>(schema: T) => Type.Object({ blue: schema, green: schema }, { additionalProperties: false });

const Haproxy = Type.Object(
  {
    socket: Type.String({ minLength: 1, description: 'The admin socket (stats socket … level admin).' }),
    backend: Type.String({ pattern: '^[A-Za-z0-9._:-]+$' }),
    servers: Type.Optional(PerColour(Type.String({ pattern: '^[A-Za-z0-9._:-]+$' }))),
    idleState: Type.Optional(StringEnum(['maint', 'drain'] as const, { default: DEFAULTS.idleState, description: 'State of the colour that stops taking traffic.' })),
  },
  { additionalProperties: false, description: 'Switch with the runtime API: the new colour ready first, then the old one maint/drain. No reload.' },
);
const Nginx = Type.Object(
  {
    binary: Type.Optional(Type.String({ minLength: 1, default: DEFAULTS.nginx })),
    prefix: Type.String({ minLength: 1, description: 'nginx -p' }),
    config: Type.String({ minLength: 1, description: 'nginx -c' }),
    errorLog: Type.String({ minLength: 1, description: 'nginx -e' }),
    include: Type.String({ minLength: 1, description: 'The file included inside the upstream block; opsbot rewrites it atomically.' }),
    servers: PerColour(Type.String({ pattern: '^[A-Za-z0-9.:\\[\\]_-]+$', description: 'host:port of the colour' })),
  },
  { additionalProperties: false, description: 'Rewrite the upstream include, nginx -t, then reload.' },
);
const Symlink = Type.Object(
  {
    link: Type.String({ minLength: 1, description: 'The symlink the frontend serves from.' }),
    targets: PerColour(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, description: 'Atomically repoint a symlink (the demo store; static releases on one machine).' },
);

const StoreSchema = Type.Object(
  {
    env: Type.Optional(StringEnum(ENVS, { default: DEFAULTS.env })),
    playbook: Type.Optional(Type.String({ pattern: CATALOG_ID_PATTERN, default: DEFAULTS.playbook, description: 'Catalog id of the playbook that deploys a colour (gets colour and version).' })),
    limit: Type.Optional(Type.String({ pattern: HOST_PATTERN, description: "A host of the playbook's inventory to limit the run to." })),
    connection: Type.Optional(StringEnum(['local', 'ssh'] as const, { description: 'Override the connection type (local: this machine).' })),
    vars: Type.Optional(KeyedMap(Type.String({ pattern: VAR_NAME_PATTERN }), VarValueSchema(), { default: {} })),
    defaultVersion: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$', description: 'Deployed when no --version is given and nothing is live yet.' })),
    build: Type.Optional(
      Type.Object(
        { pipeline: Type.String({ pattern: CATALOG_ID_PATTERN }), variables: Type.Optional(KeyedMap(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), { default: {} })) },
        { additionalProperties: false, description: 'A pipeline run before the playbook (VERSION is added to its variables).' },
      ),
    ),
    approval: Type.Optional(Type.Object({ required: Type.Boolean({ description: 'A second person must `approve <store>` before traffic moves.' }) }, { additionalProperties: false })),
    health: Type.Object(
      {
        blue: Target,
        green: Target,
        frontend: HttpUrl('Public URL checked after the switch.'),
        expectVersion: Type.Optional(Type.Boolean({ default: false, description: 'The answers must contain the deployed version.' })),
        timeout: Type.Optional(Duration({ default: DEFAULTS.timeout, description: 'How long a colour may take to become healthy.' })),
        interval: Type.Optional(Duration({ default: DEFAULTS.interval })),
        requestTimeout: Type.Optional(Duration({ default: DEFAULTS.requestTimeout })),
      },
      { additionalProperties: false },
    ),
    traffic: Type.Object({ haproxy: Type.Optional(Haproxy), nginx: Type.Optional(Nginx), symlink: Type.Optional(Symlink) }, { additionalProperties: false, minProperties: 1, maxProperties: 1, description: 'Exactly one of haproxy, nginx, symlink.' }),
  },
  { additionalProperties: false },
);

type RawStore = Static<typeof StoreSchema>;
type RawTarget = Static<typeof Target>;

const StoresSchema = KeyedMap(Type.String({ pattern: STORE_NAME_PATTERN, patternErrorMessage: 'is not a store name (lowercase letters, digits, - and _)' }), StoreSchema, {
  default: {},
  title: 'Stores',
  description: 'Store name → its blue/green deploy: playbook, health checks, traffic switch.',
});

function target(raw: RawTarget): HealthTarget {
  return typeof raw === 'string' ? { kind: 'http', url: raw } : { kind: 'ssh', host: raw.ssh.host, command: raw.ssh.command };
}

function traffic(raw: RawStore['traffic'], cwd: string): TrafficConfig {
  const perColour = (t: Readonly<Record<Colour, string>>): Record<Colour, string> => ({ blue: absolute(cwd, t.blue), green: absolute(cwd, t.green) });
  if (raw.haproxy !== undefined) {
    return { kind: 'haproxy', socket: absolute(cwd, raw.haproxy.socket), backend: raw.haproxy.backend, servers: raw.haproxy.servers ?? { blue: 'blue', green: 'green' }, idleState: raw.haproxy.idleState ?? DEFAULTS.idleState };
  }
  if (raw.nginx !== undefined) {
    const n = raw.nginx;
    return { kind: 'nginx', binary: n.binary ?? DEFAULTS.nginx, prefix: absolute(cwd, n.prefix), config: absolute(cwd, n.config), errorLog: absolute(cwd, n.errorLog), include: absolute(cwd, n.include), servers: n.servers };
  }
  // The schema requires exactly one key, so this is the symlink.
  const s = raw.symlink as NonNullable<RawStore['traffic']['symlink']>;
  return { kind: 'symlink', link: absolute(cwd, s.link), targets: perColour(s.targets) };
}

export const storesSection = defineSection({
  schema: StoresSchema,
  load(raw, ctx): StoresConfig {
    const out: Record<string, StoreConfig> = {};
    for (const [name, s] of Object.entries(raw ?? {})) {
      out[name] = {
        env: s.env ?? DEFAULTS.env,
        playbook: s.playbook ?? DEFAULTS.playbook,
        limit: s.limit ?? null,
        connection: s.connection ?? null,
        vars: s.vars ?? {},
        defaultVersion: s.defaultVersion ?? null,
        build: s.build === undefined ? null : { pipeline: s.build.pipeline, variables: s.build.variables ?? {} },
        approval: { required: s.approval?.required ?? false },
        health: {
          targets: { blue: target(s.health.blue), green: target(s.health.green) },
          frontend: s.health.frontend,
          expectVersion: s.health.expectVersion ?? false,
          timeout: durationMs(s.health.timeout ?? DEFAULTS.timeout),
          interval: durationMs(s.health.interval ?? DEFAULTS.interval),
          requestTimeout: durationMs(s.health.requestTimeout ?? DEFAULTS.requestTimeout),
        },
        traffic: traffic(s.traffic, ctx.cwd),
      };
    }
    return out;
  },
  check(stores): SectionProblem[] {
    const problems: SectionProblem[] = [];
    for (const [name, s] of Object.entries(stores)) {
      for (const reserved of ['colour', 'version']) {
        if (Object.hasOwn(s.vars, reserved)) problems.push({ path: [name, 'vars', reserved], reason: 'is set by each deploy' });
      }
      if (s.health.interval === 0) problems.push({ path: [name, 'health', 'interval'], reason: 'must be longer than 0s' });
      if (s.traffic.kind === 'haproxy' && s.traffic.servers.blue === s.traffic.servers.green) problems.push({ path: [name, 'traffic', 'haproxy', 'servers'], reason: 'blue and green must be different servers' });
    }
    return problems;
  },
});
