/**
 * What an interrupted job leaves behind beyond its step, per command: each capability that changes
 * the world says it in its own note (a deploy: where traffic may be; a pipeline run: the run that goes
 * on without opsbot; a scaling: the count it asked for; a playbook: the hosts it may have changed).
 * Recovery asks the note of the job's command; a command with none adds nothing.
 */
import type { JobRecord } from '../store.js';

export type LeftBehindNote = (job: JobRecord) => Promise<string | null>;

/** One note per command name; the result is RecoveryDeps.leftBehind. */
export function leftBehindByCommand(notes: Readonly<Record<string, LeftBehindNote>>): LeftBehindNote {
  return (job) => (Object.hasOwn(notes, job.command) ? (notes[job.command]?.(job) ?? Promise.resolve(null)) : Promise.resolve(null));
}
