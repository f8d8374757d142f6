/**
 * Persistence of schedules and of tick claims. A tick is claimed by inserting the row
 * (key, scheduled instant); the primary key makes exactly one insert win, whichever replica and
 * whatever its clock says, and only the winner acts. Maintenance windows claim their announcements
 * the same way.
 */
import type { ClaimKind, ClaimRecord, ConfigSyncResult, NewSchedule, ScheduleRecord } from './types.js';

export interface ScheduleStore {
  list(): Promise<ScheduleRecord[]>;
  get(id: string): Promise<ScheduleRecord | null>;
  /** Adds a schedule; false if one with this id exists. Its cursor starts at `now`: nothing before it is due. */
  create(schedule: NewSchedule): Promise<boolean>;
  /**
   * Makes the config schedules in the store match `schedules` (all with source `config`): new ones
   * are added, changed ones updated (their cursor and pause state kept), config schedules no longer in
   * the file removed. A chat schedule with the id of a config schedule is taken over by the config.
   */
  syncConfig(schedules: readonly NewSchedule[], now: Date): Promise<ConfigSyncResult>;
  /** Pauses or resumes. Resuming moves the cursor to `now`: ticks that passed while paused are not missed, they were skipped on purpose. */
  setPaused(id: string, paused: boolean, now: Date): Promise<ScheduleRecord | null>;
  remove(id: string): Promise<boolean>;
  /** Moves the cursor forward (never back: a replica with a slower clock cannot rewind it). */
  advanceCursor(id: string, to: Date): Promise<void>;
  /**
   * Inserts one claim row per instant, doing nothing where a row exists, and returns the instants
   * this call inserted: the ones this replica now owns.
   */
  claim(key: string, instants: readonly Date[], kind: ClaimKind, owner: string, now: Date): Promise<Date[]>;
  /** Records the outcome on the claim row and, when `scheduleId` is given and the tick is its newest, on the schedule. */
  recordOutcome(claim: { readonly key: string; readonly scheduledAt: Date }, scheduleId: string | null, outcome: string, now: Date): Promise<void>;
  /** Claim rows of a key, newest first. */
  claims(key: string, limit: number): Promise<ClaimRecord[]>;
}
