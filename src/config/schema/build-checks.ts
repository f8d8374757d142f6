/**
 * Checks that span `stores` and `pipelines`: a store's build step runs a configured pipeline, and
 * that pipeline takes what each deploy sends it, which is the store's `build.variables` plus
 * `VERSION` (src/core/deploy/deploy-flow.ts). The pipeline port refuses anything else, so without
 * these checks a deploy would find out at the build step, every time.
 */
import { closest } from '../../core/args/suggest.js';
import { typeVariables } from '../../core/pipelines/catalog.js';
import type { StoresConfig } from '../deploy-types.js';
import type { PipelinesConfig } from '../types.js';
import type { SectionProblem } from './section.js';

/** The variable each deploy sets to the version it deploys. */
const VERSION = 'VERSION';

export function buildCrossChecks(config: { readonly stores: StoresConfig; readonly pipelines: PipelinesConfig }): SectionProblem[] {
  const problems: SectionProblem[] = [];
  const names = Object.keys(config.pipelines);
  for (const [name, store] of Object.entries(config.stores)) {
    const build = store.build;
    if (build === null) continue;
    const at = ['stores', name, 'build'];
    const pipeline = Object.hasOwn(config.pipelines, build.pipeline) ? config.pipelines[build.pipeline] : undefined;
    if (pipeline === undefined) {
      const near = closest(build.pipeline, names);
      const known = names.length === 0 ? 'no pipelines are configured' : `pipelines: ${names.join(', ')}`;
      problems.push({ path: [...at, 'pipeline'], reason: `there is no pipeline "${build.pipeline}" in pipelines (${known})${near === null ? '' : `; did you mean "${near}"?`}` });
      continue;
    }
    const declared = Object.keys(pipeline.variables);
    if (!declared.includes(VERSION)) {
      problems.push({ path: [...at, 'pipeline'], reason: `pipeline "${build.pipeline}" must declare the variable ${VERSION} (pipelines.${build.pipeline}.variables), which each deploy passes` });
    }
    for (const [key, value] of Object.entries(build.variables)) {
      const spec = Object.hasOwn(pipeline.variables, key) ? pipeline.variables[key] : undefined;
      if (spec === undefined) {
        const near = closest(key, declared);
        problems.push({ path: [...at, 'variables', key], reason: `is not a variable of pipeline "${build.pipeline}" (variables: ${declared.join(', ') || 'none'})${near === null ? '' : `; did you mean "${near}"?`}` });
        continue;
      }
      try {
        // The same check `pipeline run` makes, on this one variable.
        typeVariables({ name: build.pipeline, variables: { [key]: spec } }, { [key]: value });
      } catch (error: unknown) {
        problems.push({ path: [...at, 'variables', key], reason: (error instanceof Error ? error.message : String(error)).replace(/`/g, '"') });
      }
    }
    for (const [key, spec] of Object.entries(pipeline.variables)) {
      if (key === VERSION || !spec.required || spec.default !== null || Object.hasOwn(build.variables, key)) continue;
      problems.push({ path: [...at, 'variables'], reason: `must set ${key}: pipeline "${build.pipeline}" requires it` });
    }
  }
  return problems;
}
