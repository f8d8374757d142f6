/** The PipelinePort over the configured pipelines: the catalog checks first, then the backend. */
import { explainDenial, NotFoundError, UsageError } from '../errors.js';
import type { Conversation, Principal } from '../identity.js';
import { didYouMean } from '../args/suggest.js';
import { checkRef, typeVariables, vetRetry, type PipelineInfo, type PreparedRun } from './catalog.js';
import type { PipelineBackend, PipelinePort, PipelineRun } from './ports.js';

export interface ConfiguredPipeline {
  readonly info: PipelineInfo;
  readonly backend: PipelineBackend;
}

export interface PipelinePortDeps {
  readonly pipelines: ReadonlyMap<string, ConfiguredPipeline>;
  /** Throws DeniedError when the principal lacks `permission` here (the access policy). */
  readonly authorize: (principal: Principal, conversation: Conversation, permission: string) => void;
}

export function createPipelinePort(deps: PipelinePortDeps): PipelinePort {
  const { pipelines } = deps;
  const names = [...pipelines.keys()].sort();

  const find = (name: string): ConfiguredPipeline => {
    const found = pipelines.get(name);
    if (found !== undefined) return found;
    const known = names.length === 0 ? 'No pipelines are configured.' : `Known pipelines: ${names.join(', ')}.`;
    throw new UsageError(`There is no pipeline \`${name}\`. ${known}${didYouMean(name, names)}`);
  };
  const backendOf = (run: PipelineRun): PipelineBackend => {
    const found = pipelines.get(run.pipeline);
    if (found === undefined) throw new NotFoundError(`There is no pipeline \`${run.pipeline}\` in the config (any more).`);
    return found.backend;
  };
  const prepare = (name: string, ref: string | undefined, variables: Readonly<Record<string, string>>): PreparedRun => {
    const { info, backend } = find(name);
    return { pipeline: name, ref: checkRef(info, ref), variables: typeVariables(info, variables), target: backend.target };
  };

  return {
    names: () => names,
    describe: (name) => pipelines.get(name)?.info ?? null,
    prepare,
    authorize(name, principal, conversation, action = 'run') {
      const { info } = find(name);
      const doing = { run: 'Running', status: 'Showing a run of', retry: 'Retrying', cancel: 'Cancelling' }[action];
      const scoped = `pipeline:${action}:${name}`;
      explainDenial(() => deps.authorize(principal, conversation, scoped), scoped, `${doing} \`${name}\` needs the permission \`${scoped}\`, and none of your roles grants it.`);
      // Looking at a run changes nothing: the extra permission guards what does.
      if (info.permission === null || action === 'status') return;
      const extra = info.permission;
      explainDenial(() => deps.authorize(principal, conversation, extra), extra, `${doing} \`${name}\` also needs the permission \`${extra}\`, and none of your roles grants it.`);
    },
    async start(name, ref, variables, signal) {
      const prepared = prepare(name, ref, variables);
      const run = await find(name).backend.start({ ref: prepared.ref, variables: prepared.variables }, signal);
      return { run, prepared };
    },
    follow: (run, onUpdate, signal) => backendOf(run).follow(run, onUpdate, signal),
    status: (run, signal) => backendOf(run).status(run, signal),
    cancel: (run, signal) => backendOf(run).cancel(run, signal),
    retry: (run, signal, note) => {
      const backend = backendOf(run);
      const { info } = find(run.pipeline);
      return backend.retry(run, signal, (ref, parameters) => vetRetry(info, `${run.pipeline}#${run.id}`, ref, parameters, note));
    },
  };
}
