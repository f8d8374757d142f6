/**
 * A maintenance window: one object that announces itself ahead and at start and end, silences its
 * target's alerts in Alertmanager for its duration, holds back alert posts for the target and may
 * block its deploys. Opened from chat (`maintenance <target> <start> <duration>`) or recurring from
 * the config (cron + duration + zone), each occurrence becoming a window of its own.
 */

/** Alertmanager label matchers (equality) a window silences: `{service: "db"}`. */
export type Matchers = Readonly<Record<string, string>>;

export interface Window {
  readonly id: number;
  readonly target: string;
  readonly startsAt: Date;
  /** The planned end; `endedAt` says whether it ended (early or on time). */
  readonly endsAt: Date;
  readonly reason: string | null;
  /** The config window this is an occurrence of; null for one opened from chat. */
  readonly recurring: string | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly matchers: Matchers;
  readonly announceTo: readonly string[];
  readonly leadMs: number;
  readonly blockDeploys: boolean;
  /** Alertmanager silence ids created for this window. */
  readonly silenceIds: readonly string[];
  readonly endedAt: Date | null;
  readonly endedBy: string | null;
}

export interface NewWindow {
  readonly target: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly reason: string | null;
  /** `<config window>@<start ms>` for recurring occurrences; null from chat. */
  readonly occurrenceKey: string | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly matchers: Matchers;
  readonly announceTo: readonly string[];
  readonly leadMs: number;
  readonly blockDeploys: boolean;
}

/** Per-target settings from the config: the target names are the allowlist. */
export interface MaintenanceTarget {
  readonly matchers: Matchers;
  readonly announceTo: readonly string[];
  readonly blockDeploys: boolean;
  readonly leadMs: number;
}

/** A recurring window from the config: every occurrence of `cron` in `timezone` opens one for `durationMs`. */
export interface RecurringWindow {
  readonly name: string;
  readonly target: string;
  readonly cron: string;
  readonly timezone: string;
  readonly durationMs: number;
  readonly reason: string | null;
  /** Overrides of the target's settings. */
  readonly leadMs: number | null;
  readonly blockDeploys: boolean | null;
}

export interface MaintenanceSettings {
  readonly targets: Readonly<Record<string, MaintenanceTarget>>;
  readonly recurring: readonly RecurringWindow[];
  /** Zone of the times in announcements and listings (a viewer may pass --tz). */
  readonly displayZone: string;
}

export type WindowState = 'upcoming' | 'active' | 'ended';

export function windowState(window: Pick<Window, 'startsAt' | 'endsAt' | 'endedAt'>, at: Date): WindowState {
  const t = at.getTime();
  if (window.endedAt !== null && window.endedAt.getTime() <= t) return 'ended';
  if (t >= window.endsAt.getTime()) return 'ended';
  return t >= window.startsAt.getTime() ? 'active' : 'upcoming';
}
