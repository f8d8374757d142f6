/**
 * `pipelines:` named CI pipelines chat may run: which server (Jenkins or GitLab), which job or
 * project, which variables users may set and of what type, and an optional extra permission.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_REF_PATTERN, type VariableSpec } from '../../core/pipelines/catalog.js';
import type { PipelineConfig, PipelinesConfig } from '../types.js';
import { Duration, durationMs } from './duration.js';
import { PermissionPattern } from './identifiers.js';
import { KeyedMap, StringEnum } from './primitives.js';
import { defineSection, type SectionProblem } from './section.js';
import { HttpUrl } from './url.js';

// GitLab's default wait to start is longer than Jenkins' queue: shared runners are often busy for a
// while, and cancelling a pipeline that would have run is worse than waiting for it.
const DEFAULTS = { pollInterval: '5s', requestTimeout: '30s', queueTimeout: '10m', gitlabQueueTimeout: '30m', ref: 'main' } as const;

export const PIPELINE_NAME_PATTERN = '^[a-z][a-z0-9_-]{0,62}$';
export const VARIABLE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';

// `${` too, so editors checking the file as written accept `url: ${JENKINS_URL}` (values are substituted before validation).

const Secret = (description: string) => Type.String({ minLength: 1, description: `${description} Write it as \${VAR} so it stays out of the file.` });

const Jenkins = Type.Object(
  {
    url: HttpUrl('Jenkins root URL, e.g. https://ci.example.com/ (or https://example.com/jenkins/).'),
    job: Type.String({
      // No `.` or `..` segments: they would climb out of the job's URL.
      pattern: '^(?!(?:.*/)?\\.\\.?(?:/|$))[A-Za-z0-9._ -]+(?:/[A-Za-z0-9._ -]+)*$',
      patternErrorMessage: 'is not a job path (folders separated by /, e.g. store/build)',
      description: 'Job path; folders separated by / (store/build).',
    }),
    user: Type.String({ minLength: 1, description: 'The Jenkins user the API token belongs to.' }),
    token: Secret('The user\'s API token (HTTP Basic user:token).'),
    refParameter: Type.Optional(Type.String({ pattern: VARIABLE_NAME_PATTERN, description: 'Job parameter that receives --ref (e.g. BRANCH). Without it, --ref is refused.' })),
    parameterized: Type.Optional(Type.Boolean({ description: 'Use buildWithParameters. Default: true when variables or refParameter are declared.' })),
    queueTimeout: Type.Optional(Duration({ default: DEFAULTS.queueTimeout, description: 'How long a build may wait in the queue (blocked, stuck) before opsbot cancels it.' })),
  },
  { additionalProperties: false, title: 'Jenkins job' },
);

const Gitlab = Type.Object(
  {
    url: HttpUrl('GitLab root URL, e.g. https://gitlab.example.com.'),
    project: Type.String({
      pattern: '^(?:\\d+|[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)+)$',
      patternErrorMessage: 'is not a project (use its numeric id or group/project path)',
      description: 'Numeric project id or group/project path.',
    }),
    token: Secret('API token (PRIVATE-TOKEN) with api scope: follows, cancels and retries pipelines, and creates them when no trigger token is set.'),
    triggerToken: Type.Optional(Secret('Pipeline trigger token: when set, runs start through the trigger endpoint.')),
    webhookToken: Type.Optional(Secret('Secret token of the project\'s Pipeline events webhook (POST /webhooks/gitlab).')),
    ref: Type.Optional(Type.String({ minLength: 1, default: DEFAULTS.ref, description: 'Default ref when --ref is not given.' })),
    queueTimeout: Type.Optional(
      Duration({ default: DEFAULTS.gitlabQueueTimeout, description: 'How long a pipeline may wait to start (created, pending, waiting for a resource: no runner takes its jobs) before opsbot cancels it.' }),
    ),
  },
  { additionalProperties: false, title: 'GitLab project' },
);

const Variable = Type.Object(
  {
    type: StringEnum(['string', 'integer', 'boolean', 'enum'] as const, { description: 'string (optionally with a pattern), integer (min/max), boolean, or enum (values).' }),
    description: Type.Optional(Type.String()),
    required: Type.Optional(Type.Boolean({ default: false })),
    pattern: Type.Optional(Type.String({ minLength: 1, description: 'string: a regular expression the whole value must match (anchor it with ^ and $).' })),
    min: Type.Optional(Type.Integer({ description: 'integer: smallest value.' })),
    max: Type.Optional(Type.Integer({ description: 'integer: largest value.' })),
    values: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'enum: the allowed values.' })),
    default: Type.Optional(Type.Unsafe<string | number | boolean>({ type: ['string', 'integer', 'boolean'], description: 'Used when the user gives none.' })),
  },
  { additionalProperties: false, title: 'Pipeline variable' },
);

const Pipeline = Type.Object(
  {
    description: Type.Optional(Type.String()),
    jenkins: Type.Optional(Jenkins),
    gitlab: Type.Optional(Gitlab),
    variables: Type.Optional(
      KeyedMap(Type.String({ pattern: VARIABLE_NAME_PATTERN, patternErrorMessage: 'is not a variable name (letters, digits and _)' }), Variable, {
        default: {},
        description: 'The variables users may set (key=value); anything else is refused.',
      }),
    ),
    refPattern: Type.Optional(Type.String({ minLength: 1, description: 'Regular expression --ref must match. Default: a plain branch or tag name.' })),
    permission: Type.Optional(PermissionPattern({ description: 'An extra permission needed to run it, on top of pipeline:run:<name> (e.g. deploy:prod).' })),
    pollInterval: Type.Optional(Duration({ default: DEFAULTS.pollInterval, description: 'How often a running pipeline is polled (GitLab webhooks report sooner).' })),
    requestTimeout: Type.Optional(Duration({ default: DEFAULTS.requestTimeout, description: 'Limit for one request to the server.' })),
  },
  {
    additionalProperties: false,
    title: 'Pipeline',
    description: 'Exactly one of jenkins or gitlab.',
    // For editors and for "neither"; "both" passes oneOf's error silently, so check() reports it too.
    oneOf: [{ required: ['jenkins'] }, { required: ['gitlab'] }],
  },
);

const PipelinesSchema = KeyedMap(
  Type.String({ pattern: PIPELINE_NAME_PATTERN, patternErrorMessage: 'is not a pipeline name (lowercase letters, digits, - and _)' }),
  Pipeline,
  { title: 'Pipelines', description: 'Named CI pipelines: /pipeline run <name> [--ref r] [key=value…].', default: {} },
);

type RawPipeline = Static<typeof Pipeline>;
type RawVariable = Static<typeof Variable>;

function loadVariable(raw: RawVariable): VariableSpec {
  const required = raw.required ?? false;
  const description = raw.description ?? null;
  switch (raw.type) {
    case 'string':
      return { type: 'string', pattern: raw.pattern ?? null, required, default: raw.default === undefined ? null : String(raw.default), description };
    case 'integer':
      return { type: 'integer', min: raw.min ?? null, max: raw.max ?? null, required, default: typeof raw.default === 'number' ? raw.default : null, description };
    case 'boolean':
      return { type: 'boolean', required, default: typeof raw.default === 'boolean' ? raw.default : null, description };
    case 'enum':
      return { type: 'enum', values: raw.values ?? [], required, default: raw.default === undefined ? null : String(raw.default), description };
  }
}

function loadPipeline(raw: RawPipeline): PipelineConfig {
  const variables = Object.fromEntries(Object.entries(raw.variables ?? {}).map(([k, v]) => [k, loadVariable(v)]));
  const common = {
    description: raw.description ?? null,
    variables,
    refPattern: raw.refPattern ?? DEFAULT_REF_PATTERN,
    permission: raw.permission ?? null,
    pollInterval: durationMs(raw.pollInterval ?? DEFAULTS.pollInterval),
    requestTimeout: durationMs(raw.requestTimeout ?? DEFAULTS.requestTimeout),
  };
  if (raw.gitlab !== undefined && raw.jenkins === undefined) {
    const g = raw.gitlab;
    return {
      ...common,
      backend: {
        kind: 'gitlab',
        url: g.url,
        project: g.project,
        token: g.token,
        triggerToken: g.triggerToken ?? null,
        webhookToken: g.webhookToken ?? null,
        ref: g.ref ?? DEFAULTS.ref,
        queueTimeout: durationMs(g.queueTimeout ?? DEFAULTS.gitlabQueueTimeout),
      },
    };
  }
  // check() reports a pipeline with neither or both (an empty url); load must still return something typed.
  const placeholder: Static<typeof Jenkins> = { url: '', job: '', user: '', token: '' };
  const j = raw.jenkins !== undefined && raw.gitlab === undefined ? raw.jenkins : placeholder;
  return {
    ...common,
    backend: {
      kind: 'jenkins',
      url: j.url,
      job: j.job,
      user: j.user,
      token: j.token,
      refParameter: j.refParameter ?? null,
      parameterized: j.parameterized ?? (Object.keys(variables).length > 0 || j.refParameter !== undefined),
      queueTimeout: durationMs(j.queueTimeout ?? DEFAULTS.queueTimeout),
    },
  };
}

function regexProblem(source: string): string | null {
  try {
    new RegExp(source, 'u');
    return null;
  } catch (error: unknown) {
    return `is not a valid regular expression (${error instanceof Error ? error.message : String(error)})`;
  }
}

export const pipelinesSection = defineSection({
  schema: PipelinesSchema,
  load(raw): PipelinesConfig {
    return Object.fromEntries(Object.entries(raw ?? {}).map(([name, p]) => [name, loadPipeline(p)]));
  },
  check(pipelines): SectionProblem[] {
    const problems: SectionProblem[] = [];
    for (const [name, p] of Object.entries(pipelines)) {
      if (p.backend.kind === 'jenkins' && p.backend.url === '') problems.push({ path: [name], reason: 'needs exactly one of jenkins or gitlab, not both' });
      const refProblem = regexProblem(p.refPattern);
      if (refProblem !== null) problems.push({ path: [name, 'refPattern'], reason: refProblem });
      for (const [key, v] of Object.entries(p.variables)) {
        const at = [name, 'variables', key];
        if (v.type === 'string' && v.pattern !== null) {
          const problem = regexProblem(v.pattern);
          if (problem !== null) problems.push({ path: [...at, 'pattern'], reason: problem });
        }
        if (v.type === 'enum' && v.values.length === 0) problems.push({ path: at, reason: 'an enum variable needs values' });
        if (v.type === 'enum' && v.default !== null && !v.values.includes(v.default)) problems.push({ path: [...at, 'default'], reason: 'is not one of values' });
        if (v.type === 'integer' && v.min !== null && v.max !== null && v.min > v.max) problems.push({ path: [...at, 'min'], reason: 'is greater than max' });
      }
    }
    return problems;
  },
});
