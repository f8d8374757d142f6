/**
 * A service environment's `min` above its `max`, reported where the mistake was written: each
 * environment takes the service's min and max unless it sets its own, so the number to change may
 * be the environment's or the service's (or the default min of 1, when `max: 0` was meant to allow
 * scaling to zero).
 */
import type { ServiceConfig } from '../types.js';
import type { SectionProblem } from './section.js';

/** What the file says of a service's bounds (undefined: not written). */
export interface WrittenBounds {
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  readonly environments?: Readonly<Record<string, { readonly min?: number | undefined; readonly max?: number | undefined }>> | undefined;
}

/** Paths are relative to the services section. */
export function boundsProblems(name: string, service: ServiceConfig, written: WrittenBounds | undefined): SectionProblem[] {
  const problems: SectionProblem[] = [];
  let serviceReported = false;
  for (const [env, { min, max }] of Object.entries(service.environments)) {
    if (min <= max) continue;
    const own = written?.environments?.[env] ?? {};
    const at = [name, 'environments', env];
    if (own.min !== undefined) {
      problems.push({ path: [...at, 'min'], reason: own.max !== undefined ? `${min} is greater than max (${max})` : `${min} is greater than the service's max (${max})` });
    } else if (own.max !== undefined) {
      problems.push({ path: [...at, 'max'], reason: `${max} is less than the service's min (${min}${written?.min === undefined ? ', the default' : ''})` });
    } else if (!serviceReported) {
      // Both come from the service: one problem for the service, however many environments share it.
      serviceReported = true;
      problems.push(
        written?.min !== undefined
          ? { path: [name, 'min'], reason: `${min} is greater than max (${max})` }
          : { path: [name, 'max'], reason: `${max} is less than min (${min}, the default; min: 0 allows scaling to zero)` },
      );
    }
  }
  return problems;
}
