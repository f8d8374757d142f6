/** Persistence of maintenance windows (their announcements are claimed through the ScheduleStore). */
import type { NewWindow, Window } from './types.js';

export interface MaintenanceStore {
  /** Inserts a window; for a recurring occurrence whose key exists already, returns null (another replica made it). */
  create(window: NewWindow): Promise<Window | null>;
  get(id: number): Promise<Window | null>;
  /**
   * Windows not ended, plus those that ended or were planned to end after `since`: what the live view
   * needs (a recurring occurrence ended early stays in it until its planned end, so it is not computed
   * again as in force).
   */
  current(since: Date): Promise<Window[]>;
  /** Marks a window ended (early, or at its planned end); null if it was ended already. */
  end(id: number, at: Date, by: string): Promise<Window | null>;
  setSilences(id: number, silenceIds: readonly string[]): Promise<void>;
}
