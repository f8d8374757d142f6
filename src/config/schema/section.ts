/**
 * A config section: its raw schema, how the validated raw value becomes the loaded value, and the
 * checks JSON Schema cannot express. Adding a section is one file plus one line in ./index.ts.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Environment } from '../env.js';

export interface SectionContext {
  readonly environment: Environment;
  /** Relative paths in the config resolve against this directory (the process cwd). */
  readonly cwd: string;
}

/** A problem found after validation; `path` is relative to the section. */
export interface SectionProblem {
  readonly path: readonly (string | number)[];
  readonly reason: string;
}

export interface Section<S extends TSchema, L> {
  readonly schema: S;
  /** Fills defaults, converts durations, applies environment overrides. `raw` is undefined when the file omits the section. */
  load(raw: Static<S> | undefined, ctx: SectionContext): L;
  /**
   * Cross-field rules, run on the loaded value. `raw` is the section as written (undefined when the
   * file omits it), for a rule that must tell a value written here from one inherited or defaulted.
   */
  check?(loaded: L, raw: Static<S> | undefined): readonly SectionProblem[];
}

/** Identity; it exists so TypeScript infers S and L from one object literal. */
export function defineSection<S extends TSchema, L>(section: Section<S, L>): Section<S, L> {
  return section;
}
