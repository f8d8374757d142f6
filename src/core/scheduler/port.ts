/** What commands see of schedules (`ctx.ports.schedules`). */
import type { Principal } from '../identity.js';
import type { MissedPolicy, ScheduleAction, ScheduleRecord } from './types.js';

export interface ScheduleView extends ScheduleRecord {
  /** The next tick after now; null for a paused schedule or one that never fires again. */
  readonly nextRun: Date | null;
}

export interface NewScheduleRequest {
  readonly id: string;
  readonly cron: string;
  readonly timezone: string;
  readonly action: ScheduleAction;
  readonly missed: MissedPolicy;
}

export interface SchedulesPort {
  list(): Promise<ScheduleView[]>;
  /** One schedule, for what depends on its action (the principal it runs as); NotFoundError if unknown. */
  get(id: string): Promise<ScheduleView>;
  /**
   * Checks a request the way `add` would (cron and zone through croner; a command's name against the
   * registry and its arguments against its schema) without storing anything. Throws UsageError; and
   * DeniedError for a channel it may not post to for `by` (see channel-access.ts).
   */
  validate(request: NewScheduleRequest, by: Principal): void;
  /** Validates (as `validate`) and stores; ConflictError if the id exists. */
  add(request: NewScheduleRequest, by: Principal): Promise<ScheduleView>;
  /** NotFoundError if there is no such schedule. */
  setPaused(id: string, paused: boolean): Promise<ScheduleView>;
  /** NotFoundError if unknown; ConflictError for a schedule defined in the config file. */
  remove(id: string): Promise<ScheduleRecord>;
}
