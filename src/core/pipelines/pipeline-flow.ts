/**
 * The `/pipeline` actions over the PipelinePort. A run is a job: catalog checks (nothing contacted
 * yet) → trigger once → follow to the end, with the console log in the job's output, the stage in
 * its progress and the run's number and link in its refs. Cancelling the job stops the run on the
 * server; a timeout or a shutdown leaves it running there (and says so in the refs' link).
 */
import { inlineCode } from '../format.js';
import type { CommandContext } from '../command.js';
import type { JobsPort, Ports } from '../ports.js';
import { BackendError, CancelledError, NotFoundError, UsageError } from '../errors.js';
import type { Block, Message } from '../message.js';
import { FINAL_JOB_STATES, type JobRecord } from '../store.js';
import { describeVariable } from './catalog.js';
import type { PipelineRun, PipelineUpdate } from './ports.js';
import { formatRun, parseRunTarget } from './run-ref.js';

export interface RunRequest {
  readonly name: string;
  readonly ref: string | undefined;
  readonly variables: Readonly<Record<string, string>>;
}

/** Usage line of the command, for refusals that happen inside the job. */
export type UsageText = () => string;

export async function runPipeline(request: RunRequest, ctx: CommandContext, usage: UsageText): Promise<Message> {
  const port = ctx.ports.pipelines;
  const prepared = withUsage(ctx, usage, () => port.prepare(request.name, request.ref, request.variables), describePipelineVariables(ctx, request.name));
  port.authorize(request.name, ctx.principal, ctx.conversation);
  const shown = [prepared.ref === null ? null : `ref ${prepared.ref}`, ...Object.entries(prepared.variables).map(([k, v]) => `${k}=${v}`)].filter((x) => x !== null);
  if (ctx.dryRun) {
    return {
      title: `Dry run: pipeline ${request.name}`,
      tone: 'info',
      blocks: [{ kind: 'text', text: `Would start ${prepared.target}${shown.length === 0 ? '' : ` with ${shown.join(', ')}`}, then follow it to the end. Nothing was contacted.` }],
    };
  }
  ctx.progress(`starting ${request.name}`);
  const { run } = await port.start(request.name, request.ref, request.variables, ctx.signal);
  ctx.log(`Started ${prepared.target}${shown.length === 0 ? '' : ` with ${shown.join(', ')}`}.`);
  return follow(run, ctx, 'Ran');
}

export async function retryPipeline(target: string, ctx: CommandContext, usage: UsageText): Promise<Message> {
  const byJob = await retryByJobRefusal(target, ctx.ports.jobs);
  if (byJob !== null) {
    withUsage(ctx, usage, (): never => {
      throw new UsageError(byJob);
    });
  }
  const run = await resolveRun(target, ctx, usage);
  ctx.ports.pipelines.authorize(run.pipeline, ctx.principal, ctx.conversation, 'retry');
  if (ctx.dryRun) return { title: `Dry run: retry ${formatRun(run)}`, tone: 'info', blocks: [{ kind: 'text', text: `Would retry ${formatRun(run)} and follow it. Nothing was contacted.` }] };
  ctx.progress(`retrying ${formatRun(run)}`);
  const retried = await ctx.ports.pipelines.retry(run, ctx.signal, (line) => ctx.log(line));
  ctx.log(`Retried ${formatRun(run)} as ${formatRun(retried)}.`);
  return follow(retried, ctx, 'Retried');
}

export async function cancelPipeline(target: string, ctx: CommandContext, usage: UsageText): Promise<Message> {
  const parsed = withUsage(ctx, usage, () => parseTarget(target));
  if (parsed.kind === 'job') {
    const job = await pipelineJob(parsed.jobId, ctx);
    if (!FINAL_JOB_STATES.includes(job.state)) {
      // The job number said nothing of the pipeline, so its permissions are checked now that it does.
      const name = await pipelineOfJob(job, ctx.ports);
      if (name === null) throw new NotFoundError(`Job #${job.id} runs a pipeline that is not in the config (any more); stop the job itself with \`cancel ${job.id}\`.`);
      ctx.ports.pipelines.authorize(name, ctx.principal, ctx.conversation, 'cancel');
      if (ctx.dryRun) return text(`Would cancel job #${job.id}, which stops its run on the server.`, 'info');
      // The run job stops its run on the server itself when it sees the cancellation.
      await ctx.ports.jobs.cancel(job.id, ctx.principal, ctx.conversation);
      return text(`Cancelling job #${job.id}${job.refs.run === undefined ? '' : ` and ${job.refs.pipeline ?? ''}#${job.refs.run}`}.`, 'warning');
    }
  }
  const run = await resolveRun(target, ctx, usage);
  ctx.ports.pipelines.authorize(run.pipeline, ctx.principal, ctx.conversation, 'cancel');
  if (ctx.dryRun) return text(`Would cancel ${formatRun(run)}. Nothing was contacted.`, 'info');
  const said = await ctx.ports.pipelines.cancel(run, ctx.signal);
  return { tone: 'warning', blocks: [{ kind: 'text', text: said }, ...links(run)] };
}

export async function pipelineStatus(target: string, ctx: CommandContext, usage: UsageText): Promise<Message> {
  const run = await resolveRun(target, ctx, usage);
  ctx.ports.pipelines.authorize(run.pipeline, ctx.principal, ctx.conversation, 'status');
  const snapshot = await ctx.ports.pipelines.status(run, ctx.signal);
  const blocks: Block[] = [{ kind: 'text', text: snapshot.summary }];
  if (snapshot.parts.length > 0) blocks.push({ kind: 'table', columns: ['job', 'status'], rows: snapshot.parts.map((p) => [p.name, p.status]) });
  blocks.push(...links(snapshot.run));
  const tone = snapshot.state === 'succeeded' ? 'success' : snapshot.state === 'failed' ? 'danger' : snapshot.state === 'cancelled' || snapshot.state === 'manual' ? 'warning' : 'info';
  return { title: `${formatRun(snapshot.run)}: ${snapshot.state}`, tone, blocks };
}

/** The catalog entry as help text: variables and their types. */
export function describePipelineVariables(ctx: CommandContext, name: string): string {
  const info = ctx.ports.pipelines.describe(name);
  if (info === null) return '';
  const vars = Object.entries(info.variables).map(([k, v]) => describeVariable(k, v));
  const ref = info.acceptsRef ? ` and --ref (default ${info.defaultRef ?? 'none'})` : '';
  return vars.length === 0 ? `${name} takes no variables${ref}.` : `${name} takes ${vars.join(' ')}${ref}.`;
}

async function follow(run: PipelineRun, ctx: CommandContext, verb: string): Promise<Message> {
  let current = run;
  const remember = (r: PipelineRun): void => {
    current = r;
    ctx.ref('pipeline', r.pipeline);
    ctx.ref('run', r.id);
    if (r.url !== null) ctx.ref('url', r.url);
  };
  // The run goes on on the server if opsbot dies: its number and link are in the store before opsbot
  // waits on it, so the interrupted job's report names them (pipeline/interrupted.ts).
  remember(run);
  await ctx.keepRefs();
  const onUpdate = (update: PipelineUpdate): void => {
    if (update.run.id !== current.id || update.run.url !== current.url) {
      remember(update.run);
      // A Jenkins queue item became a build number: that is what people look for.
      void ctx.keepRefs();
    }
    for (const line of update.lines) ctx.log(line);
    ctx.progress(update.step, update.done === null ? undefined : { done: update.done, total: update.total });
  };
  let outcome;
  try {
    outcome = await ctx.ports.pipelines.follow(run, onUpdate, ctx.signal);
  } catch (error: unknown) {
    // Someone cancelled the job: stop the run too. A timeout or a shutdown leaves the run alone.
    if (ctx.signal.aborted && ctx.signal.reason instanceof CancelledError) {
      try {
        ctx.log(await ctx.ports.pipelines.cancel(current, AbortSignal.timeout(15_000)));
      } catch (cancelError: unknown) {
        ctx.log(`Could not stop ${formatRun(current)}: ${cancelError instanceof Error ? cancelError.message : String(cancelError)}`);
      }
    }
    throw error;
  }
  remember(outcome.run);
  const where = outcome.run.url === null ? '' : ` ${outcome.run.url}`;
  switch (outcome.state) {
    case 'succeeded':
      return { title: `${verb} ${formatRun(outcome.run)}: succeeded`, tone: 'success', blocks: [{ kind: 'text', text: outcome.summary }, ...links(outcome.run)] };
    case 'cancelled':
      throw new CancelledError(`${formatRun(outcome.run)} was cancelled on the server. ${outcome.summary}${where}`);
    case 'failed':
    case 'manual':
      throw new BackendError(`${formatRun(outcome.run)} did not succeed. ${outcome.summary}${where}`, outcome.run.backend);
  }
}

async function resolveRun(target: string, ctx: CommandContext, usage: UsageText): Promise<PipelineRun> {
  const parsed = withUsage(ctx, usage, () => parseTarget(target));
  if (parsed.kind === 'run') {
    const info = ctx.ports.pipelines.describe(parsed.pipeline);
    if (info === null) {
      const known = ctx.ports.pipelines.names();
      return withUsage(ctx, usage, (): never => {
        throw new UsageError(`There is no pipeline \`${parsed.pipeline}\` (known: ${known.length === 0 ? 'none' : known.join(', ')}).`);
      });
    }
    return { pipeline: parsed.pipeline, backend: info.backend, id: parsed.id, url: null };
  }
  const job = await pipelineJob(parsed.jobId, ctx);
  const { pipeline, run, url } = job.refs;
  if (pipeline === undefined || run === undefined) throw new NotFoundError(`Job #${job.id} has not started a run (yet).`);
  const info = ctx.ports.pipelines.describe(pipeline);
  if (info === null) throw new NotFoundError(`Job #${job.id} ran \`${pipeline}\`, which is no longer in the config.`);
  return { pipeline, backend: info.backend, id: run, url: url ?? null };
}

async function pipelineJob(jobId: number, ctx: CommandContext) {
  const job = await ctx.ports.jobs.get(jobId);
  if (job === null) throw new NotFoundError(`There is no job #${jobId}.`);
  const action = job.args.action;
  if (job.command !== 'pipeline' || (action !== 'run' && action !== 'retry')) throw new NotFoundError(`Job #${jobId} is not a pipeline run (it ran ${inlineCode(job.text)}).`);
  return job;
}

/**
 * The pipeline a run job is about, before it has started its run too: `run <name>` names it, `retry`
 * names the run (or the job) it retries. Null when the pipeline left the config.
 */
export async function pipelineOfJob(job: Pick<JobRecord, 'args' | 'refs'>, ports: Pick<Ports, 'jobs' | 'pipelines'>, depth = 0): Promise<string | null> {
  const named = job.refs.pipeline ?? (job.args.action === 'run' && typeof job.args.target === 'string' ? job.args.target : undefined);
  if (named !== undefined) return ports.pipelines.describe(named) === null ? null : named;
  const retried = typeof job.args.target === 'string' ? parseRunTarget(job.args.target) : null;
  if (retried === null) return null;
  if (retried.kind === 'run') return ports.pipelines.describe(retried.pipeline) === null ? null : retried.pipeline;
  const earlier = depth < 5 ? await ports.jobs.get(retried.jobId) : null;
  return earlier === null ? null : pipelineOfJob(earlier, ports, depth + 1);
}

/**
 * What a `pipeline` job needs beyond its `permission`: the extra permission its pipeline names in the
 * config, and for a job number (whose `permission` names no pipeline) `pipeline:<action>:<name>` of
 * that job's pipeline. `status` is no job and needs none.
 */
export async function pipelineExtraPermissions(args: { readonly action: string; readonly target: string }, ports: Pick<Ports, 'jobs' | 'pipelines'>): Promise<string[]> {
  if (args.action === 'status') return [];
  const name = await pipelineOfJob({ args, refs: {} }, ports);
  if (name === null) throw new NotFoundError(`\`${args.target}\` names no pipeline of the config.`);
  const scoped = parseRunTarget(args.target)?.kind === 'job' ? [`pipeline:${args.action}:${name}`] : [];
  const extra = ports.pipelines.describe(name)?.permission ?? null;
  return extra === null ? scoped : [...scoped, extra];
}

/**
 * `pipeline retry` takes the run (build#57), never a job number: a retry starts a run, and the lock
 * that keeps one run per pipeline (and honours a freeze of `pipeline.<name>`) and the permission
 * `pipeline:retry:<name>` are computed from the args before any job exists, when a job number does
 * not say which pipeline it is. The refusal (null for a run) names the run to retry when the job knows it.
 */
export async function retryByJobRefusal(target: string, jobs: Pick<JobsPort, 'get'>): Promise<string | null> {
  const parsed = parseRunTarget(target);
  if (parsed?.kind !== 'job') return null;
  const { pipeline, run } = (await jobs.get(parsed.jobId))?.refs ?? {};
  const instead =
    pipeline !== undefined && run !== undefined
      ? `Retry the run itself: \`pipeline retry ${pipeline}#${run}\`.`
      : `Name the run, e.g. \`pipeline retry build#57\` (\`pipeline status ${parsed.jobId}\` shows the run of a job).`;
  return `\`pipeline retry\` takes a run, not a job number. ${instead}`;
}

function parseTarget(target: string) {
  const parsed = parseRunTarget(target);
  if (parsed === null) throw new UsageError(`\`${target}\` is neither a job number nor a run such as build#57.`);
  return parsed;
}

/**
 * Adds the usage to a refusal. Inline (status) the dispatcher shows the hint; inside a job only the
 * message reaches chat, so there the usage goes into the message.
 */
function withUsage<T>(ctx: CommandContext, usage: UsageText, work: () => T, more = ''): T {
  try {
    return work();
  } catch (error: unknown) {
    if (!(error instanceof UsageError)) throw error;
    const hint = `Usage: ${usage()}${more === '' ? '' : `\n${more}`}`;
    throw new UsageError(ctx.jobId === null ? error.message : `${error.message}\n${hint}`, { hint });
  }
}

function links(run: PipelineRun): Block[] {
  return run.url === null ? [] : [{ kind: 'links', links: [{ label: formatRun(run), url: run.url }] }];
}

function text(value: string, tone: Message['tone']): Message {
  return { tone, blocks: [{ kind: 'text', text: value }] };
}
