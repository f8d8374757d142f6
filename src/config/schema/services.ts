/**
 * `services:` what `/scale` may change: per service its replica bounds, cooldown and readiness
 * timeout, and per environment the orchestrator that runs it (Docker Compose, Docker Swarm, a
 * Kubernetes deployment, or a catalogued Ansible playbook as the generic fallback).
 */
import { isAbsolute, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { OrchestratorConfig, ServiceConfig, ServicesConfig } from '../types.js';
import { Duration, durationMs } from './duration.js';
import { CATALOG_ID_PATTERN, HOST_PATTERN, VAR_NAME_PATTERN, VarValueSchema } from './playbook-catalog.js';
import { KeyedMap, StringEnum } from './primitives.js';
import { boundsProblems } from './service-bounds.js';
import { defineSection, type SectionContext, type SectionProblem } from './section.js';
import { HttpUrl } from './url.js';

const DEFAULTS = { min: 1, cooldown: '1m', readyTimeout: '2m', pollInterval: '2s', command: 'auto' } as const;

export const SERVICE_NAME_PATTERN = '^[a-z][a-z0-9_-]{0,62}$';
const NAME = Type.String({ pattern: SERVICE_NAME_PATTERN, patternErrorMessage: 'is not a name (lowercase letters, digits, - and _)' });
const DOCKER_NAME = (description: string) =>
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$', patternErrorMessage: 'is not a Docker name (letters, digits, _ . -)', description });
const DOCKER_HOST = Type.String({
  pattern: '^(?:(?:unix|tcp)://\\S+|\\$\\{.*)$',
  patternErrorMessage: 'is not a Docker host (unix:///path or tcp://host:port)',
  description: 'The Docker daemon to talk to. Default: the local daemon (/var/run/docker.sock).',
});
const Replicas = (description: string) => Type.Integer({ minimum: 0, maximum: 999, description });

const Compose = Type.Object(
  {
    project: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', patternErrorMessage: 'is not a Compose project name (lowercase letters, digits, - and _)', description: 'Compose project name (--project-name).' }),
    service: DOCKER_NAME('The service in the Compose file.'),
    file: Type.Optional(Type.String({ minLength: 1, description: 'The Compose file (--file). Relative paths resolve against the working directory.' })),
    command: Type.Optional(
      StringEnum(['auto', 'plugin', 'standalone'] as const, {
        default: DEFAULTS.command,
        description: 'plugin: `docker compose` (v2); standalone: `docker-compose` (v1); auto: the plugin if installed, else the standalone binary.',
      }),
    ),
    dockerHost: Type.Optional(DOCKER_HOST),
    env: Type.Optional(
      KeyedMap(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), { description: 'Extra environment for the compose process (e.g. variables the Compose file interpolates).' }),
    ),
  },
  { additionalProperties: false, title: 'Docker Compose service' },
);

const Swarm = Type.Object(
  {
    service: DOCKER_NAME('The Swarm service name or id.'),
    dockerHost: Type.Optional(DOCKER_HOST),
  },
  { additionalProperties: false, title: 'Docker Swarm service' },
);

const Kubernetes = Type.Object(
  {
    namespace: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', patternErrorMessage: 'is not a namespace name' }),
    deployment: Type.String({ pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', patternErrorMessage: 'is not a deployment name' }),
    server: Type.Optional(HttpUrl('API server URL; with token. Without both, kubeconfig (or the default kubeconfig) is used.')),
    token: Type.Optional(Type.String({ minLength: 1, description: 'Bearer token of a service account allowed to get and update deployments/scale. Write it as ${VAR}.' })),
    caFile: Type.Optional(Type.String({ minLength: 1, description: 'CA certificate of the API server (PEM file).' })),
    insecureSkipTlsVerify: Type.Optional(Type.Boolean({ default: false })),
    kubeconfig: Type.Optional(Type.String({ minLength: 1, description: 'A kubeconfig file, instead of server and token.' })),
    context: Type.Optional(Type.String({ minLength: 1, description: 'The kubeconfig context to use.' })),
  },
  { additionalProperties: false, title: 'Kubernetes deployment' },
);

const CatalogId = (description: string) => Type.String({ pattern: CATALOG_ID_PATTERN, patternErrorMessage: 'is not a playbook catalog id', description });

const Ansible = Type.Object(
  {
    playbook: CatalogId('Catalog id of the playbook that scales the service. It gets opsbot_service, opsbot_env, opsbot_action=scale, opsbot_replicas and opsbot_expected, and reports opsbot_replicas and opsbot_ready with set_fact.'),
    statusPlaybook: Type.Optional(CatalogId('Catalog id of the playbook that reads the counts (opsbot_action=status). Default: the playbook itself with opsbot_action=status.')),
    limit: Type.Optional(Type.String({ pattern: HOST_PATTERN, description: "A host of the playbook's inventory to --limit to. Default: the whole inventory." })),
    connection: Type.Optional(StringEnum(['local', 'ssh'] as const, { description: "Overrides the inventory's connection type." })),
    vars: Type.Optional(
      KeyedMap(Type.String({ pattern: VAR_NAME_PATTERN, patternErrorMessage: 'is not a variable name (lowercase identifier, not ansible_*)' }), VarValueSchema(), {
        description: 'Fixed extra vars for this service (e.g. where its state lives); opsbot_* are set by opsbot.',
      }),
    ),
  },
  { additionalProperties: false, title: 'Ansible playbook' },
);

const Environment = Type.Object(
  {
    compose: Type.Optional(Compose),
    swarm: Type.Optional(Swarm),
    kubernetes: Type.Optional(Kubernetes),
    ansible: Type.Optional(Ansible),
    min: Type.Optional(Replicas('Overrides the service\'s min here.')),
    max: Type.Optional(Replicas('Overrides the service\'s max here.')),
  },
  {
    additionalProperties: false,
    title: 'Service environment',
    description: 'Exactly one orchestrator: compose, swarm, kubernetes or ansible.',
    // At least one here; "not several" is check()'s rule, so two orchestrators get that one clear
    // message (a oneOf would also report the branches it did not take as missing keys).
    anyOf: [{ required: ['compose'] }, { required: ['swarm'] }, { required: ['kubernetes'] }, { required: ['ansible'] }],
  },
);

const Service = Type.Object(
  {
    description: Type.Optional(Type.String()),
    min: Type.Optional(Replicas('Fewest replicas /scale will set (0 allows scaling to zero, after confirmation).')),
    max: Replicas('Most replicas /scale will set.'),
    cooldown: Type.Optional(Duration({ default: DEFAULTS.cooldown, description: 'Least time between two scalings of the same service and environment.' })),
    readyTimeout: Type.Optional(Duration({ default: DEFAULTS.readyTimeout, description: 'How long to wait for the new replica count to be ready.' })),
    pollInterval: Type.Optional(Duration({ default: DEFAULTS.pollInterval, description: 'How often readiness is checked while waiting.' })),
    defaultEnv: Type.Optional(NAME),
    environments: KeyedMap(NAME, Environment, { minProperties: 1, description: 'Environment name -> where the service runs there.' }),
  },
  { additionalProperties: false, title: 'Service' },
);

const ServicesSchema = KeyedMap(NAME, Service, { title: 'Services', description: 'What /scale may change.', default: {} });

type RawEnvironment = Static<typeof Environment>;

function absolute(path: string, ctx: SectionContext): string {
  return isAbsolute(path) ? path : resolve(ctx.cwd, path);
}

/** What Compose sees of opsbot's environment: the basics and Docker's own variables, never its secrets. */
const COMPOSE_INHERITS = /^(PATH|HOME|USER|LOGNAME|LANG|LC_ALL|LC_CTYPE|TMPDIR|XDG_RUNTIME_DIR|DOCKER_[A-Z0-9_]+|COMPOSE_[A-Z0-9_]+)$/;

function composeInherits(variables: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) if (value !== undefined && COMPOSE_INHERITS.test(name)) inherited[name] = value;
  return inherited;
}

function loadOrchestrator(raw: RawEnvironment, ctx: SectionContext): OrchestratorConfig {
  if (raw.compose !== undefined) {
    const c = raw.compose;
    return {
      kind: 'compose',
      project: c.project,
      service: c.service,
      file: c.file === undefined ? null : absolute(c.file, ctx),
      command: c.command ?? DEFAULTS.command,
      dockerHost: c.dockerHost ?? null,
      env: { ...composeInherits(ctx.environment.variables), ...(c.env ?? {}) },
    };
  }
  if (raw.swarm !== undefined) return { kind: 'swarm', service: raw.swarm.service, dockerHost: raw.swarm.dockerHost ?? null };
  if (raw.ansible !== undefined) {
    const a = raw.ansible;
    return { kind: 'ansible', playbook: a.playbook, statusPlaybook: a.statusPlaybook ?? null, limit: a.limit ?? null, connection: a.connection ?? null, vars: a.vars ?? {} };
  }
  const k = raw.kubernetes ?? { namespace: '', deployment: '' };
  return {
    kind: 'kubernetes',
    namespace: k.namespace,
    deployment: k.deployment,
    server: k.server ?? null,
    token: k.token ?? null,
    caFile: k.caFile === undefined ? null : absolute(k.caFile, ctx),
    insecureSkipTlsVerify: k.insecureSkipTlsVerify ?? false,
    kubeconfig: k.kubeconfig === undefined ? null : absolute(k.kubeconfig, ctx),
    context: k.context ?? null,
  };
}

export const servicesSection = defineSection({
  schema: ServicesSchema,
  load(raw, ctx): ServicesConfig {
    return Object.fromEntries(
      Object.entries(raw ?? {}).map(([name, s]): [string, ServiceConfig] => {
        const min = s.min ?? DEFAULTS.min;
        const environments = Object.fromEntries(
          Object.entries(s.environments).map(([env, e]) => [env, { min: e.min ?? min, max: e.max ?? s.max, orchestrator: loadOrchestrator(e, ctx), orchestrators: countOrchestrators(e) }]),
        );
        const envNames = Object.keys(environments);
        return [
          name,
          {
            description: s.description ?? null,
            cooldown: durationMs(s.cooldown ?? DEFAULTS.cooldown),
            readyTimeout: durationMs(s.readyTimeout ?? DEFAULTS.readyTimeout),
            pollInterval: durationMs(s.pollInterval ?? DEFAULTS.pollInterval),
            defaultEnv: s.defaultEnv ?? (envNames.length === 1 ? (envNames[0] ?? null) : null),
            environments,
          },
        ];
      }),
    );
  },
  check(services, raw): SectionProblem[] {
    const problems: SectionProblem[] = [];
    for (const [name, s] of Object.entries(services)) {
      problems.push(...boundsProblems(name, s, raw?.[name]));
      if (s.defaultEnv !== null && !Object.hasOwn(s.environments, s.defaultEnv)) problems.push({ path: [name, 'defaultEnv'], reason: `is not one of its environments (${Object.keys(s.environments).join(', ')})` });
      if (s.readyTimeout === 0) problems.push({ path: [name, 'readyTimeout'], reason: 'must be longer than 0s' });
      if (s.pollInterval === 0) problems.push({ path: [name, 'pollInterval'], reason: 'must be longer than 0s' });
      for (const [env, e] of Object.entries(s.environments)) {
        if (e.orchestrators !== 1) problems.push({ path: [name, 'environments', env], reason: 'needs exactly one of compose, swarm, kubernetes or ansible, not several' });
        const o = e.orchestrator;
        if (o.kind === 'kubernetes' && (o.server === null) !== (o.token === null)) problems.push({ path: [name, 'environments', env, 'kubernetes'], reason: 'give server and token together (or neither, to use a kubeconfig)' });
        if (o.kind === 'ansible') {
          for (const reserved of Object.keys(o.vars).filter((v) => v.startsWith('opsbot_'))) problems.push({ path: [name, 'environments', env, 'ansible', 'vars', reserved], reason: 'is set by opsbot itself' });
        }
      }
    }
    return problems;
  },
});

function countOrchestrators(e: RawEnvironment): number {
  return [e.compose, e.swarm, e.kubernetes, e.ansible].filter((x) => x !== undefined).length;
}
