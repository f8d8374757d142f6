/**
 * What the rest of opsbot sees of maintenance windows.
 *
 * MaintenancePort is the small read side for other pipelines: the alert pipeline holds back posts for
 * targets in maintenance (and posts its summary from `onEnded`), the deploy flow asks
 * `deployBlockedBy` (the window's `blockDeploys` comes from the config). Answers are synchronous, from
 * a view every replica refreshes on each scheduler pass, plus the recurring windows of the config
 * computed directly, so a window exists from its first second even before a pass has recorded it.
 */
import type { Conversation, Principal } from '../identity.js';
import type { Window } from './types.js';

/** A window as reported: `id` is null for an occurrence of a recurring window that is not recorded yet. */
export type WindowView = Omit<Window, 'id'> & { readonly id: number | null };

export interface MaintenancePort {
  /** Windows in force at `at` (started, not ended). */
  activeWindows(at: Date): WindowView[];
  isInMaintenance(target: string, at: Date): boolean;
  /** The window that blocks deploys of `target` at `at` (its config says `blockDeploys: true`), or null. */
  deployBlockedBy(target: string, at: Date): WindowView | null;
  /** Called once per window when it ends (on time or early), on the replica that ended it. Returns an unsubscribe. */
  onEnded(listener: (window: Window) => void): () => void;
}

export interface OpenWindowRequest {
  readonly target: string;
  readonly startsAt: Date;
  readonly durationMs: number;
  readonly reason: string | null;
}

export interface TypedWindowRequest {
  readonly target: string;
  readonly start: string;
  readonly durationMs: number;
  readonly reason: string | null;
  readonly zone: string;
}

export interface OpenedWindow {
  readonly window: Window;
  /** What happened with the Alertmanager silence: `silence <id>`, `failed: …`, or `no Alertmanager configured`. */
  readonly silence: string;
}

export interface EndedWindow {
  readonly window: Window;
  /** Silences expired, and any that could not be. */
  readonly silences: string;
  readonly early: boolean;
}

/** The management side, for the `maintenance` command. */
export interface MaintenanceAdminPort extends MaintenancePort {
  /** Configured target names: the allowlist for `maintenance <target>`. */
  targets(): readonly string[];
  /** Checks a request without storing anything (for --dry-run); throws UsageError. */
  validate(request: OpenWindowRequest): void;
  /**
   * A request as typed (`start` is `now`, `HH:MM` or an ISO time, read in `zone` at this port's
   * clock), checked: the target first, then the zone and the start, then what `validate` checks.
   * Stores nothing and contacts nothing, so the command's check can call it before any job exists.
   */
  request(typed: TypedWindowRequest): OpenWindowRequest;
  open(request: OpenWindowRequest, by: Principal, conversation: Conversation): Promise<OpenedWindow>;
  /** A recorded window (ended ones too), for what depends on its target; NotFoundError if there is none. */
  window(id: number): Promise<Window>;
  /** Ends a window early (or cancels one that has not started); removes its silences. */
  end(id: number, by: Principal): Promise<EndedWindow>;
  /** Windows not ended yet, and the next occurrence of each recurring window, soonest first. */
  list(at: Date): Promise<WindowView[]>;
  /** The zone announcements and listings use unless the viewer gives one. */
  readonly displayZone: string;
}
