/**
 * The deploy flow's build step (BuildPort, src/core/deploy/ports.ts) over the PipelinePort: the same
 * catalog checks, trigger and follower as `/pipeline run`. A cancelled deploy stops its build too.
 */
import type { BuildPort, BuildResult } from '../deploy/ports.js';
import { CancelledError } from '../errors.js';
import type { PipelinePort, PipelineRun } from './ports.js';
import { formatRun } from './run-ref.js';

export function createBuildPort(pipelines: PipelinePort): BuildPort {
  return {
    async run(pipeline, variables, options): Promise<BuildResult> {
      const { signal } = options;
      const { run, prepared } = await pipelines.start(pipeline, undefined, variables, signal);
      let current: PipelineRun = run;
      options.onRun?.(formatRun(run), run.url);
      try {
        const outcome = await pipelines.follow(
          run,
          (update) => {
            if (update.run.id !== current.id || update.run.url !== current.url) options.onRun?.(formatRun(update.run), update.run.url);
            current = update.run;
            options.onProgress?.(`${formatRun(update.run)} ${update.step}`);
          },
          signal,
        );
        return {
          ok: outcome.state === 'succeeded',
          runId: formatRun(outcome.run),
          url: outcome.run.url,
          version: prepared.variables.VERSION ?? null,
          detail: outcome.summary,
        };
      } catch (error: unknown) {
        if (signal.aborted && signal.reason instanceof CancelledError) await pipelines.cancel(current, AbortSignal.timeout(15_000)).catch(() => undefined);
        throw error;
      }
    },
  };
}
