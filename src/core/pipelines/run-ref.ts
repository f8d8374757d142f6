/**
 * How people point at a run in chat: a job number (`42`, the opsbot job that started it) or the run
 * itself as `<pipeline>#<id>` (`build#57`: Jenkins build 57 or GitLab pipeline 57).
 */
export type RunTarget = { readonly kind: 'job'; readonly jobId: number } | { readonly kind: 'run'; readonly pipeline: string; readonly id: string };

export const PIPELINE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
export const RUN_TARGET_PATTERN = /^(?:#?[1-9]\d{0,14}|[a-z][a-z0-9_-]{0,62}#(?:queue-)?[1-9]\d{0,14})$/;

/**
 * The lock a pipeline's runs take (`pipeline run`, `pipeline retry`), and that `lock pipeline.<name>`
 * freezes; a deploy whose store builds with the pipeline respects that freeze too.
 */
export function pipelineLockKey(pipeline: string): string {
  return `pipeline.${pipeline}`;
}

export function parseRunTarget(text: string): RunTarget | null {
  if (!RUN_TARGET_PATTERN.test(text)) return null;
  const hash = text.indexOf('#');
  if (hash <= 0) return { kind: 'job', jobId: Number(text.replace('#', '')) };
  return { kind: 'run', pipeline: text.slice(0, hash), id: text.slice(hash + 1) };
}

export function formatRun(run: { readonly pipeline: string; readonly id: string }): string {
  return `${run.pipeline}#${run.id}`;
}
