/**
 * What opsbot knows about the person reading a reply: today, their time zone, so that `schedule list`
 * and friends show times the way their chat client does. Each platform knows it differently:
 * Mattermost keeps it in the user's profile (one API call, cached), Teams sends it with every
 * activity (`localTimezone`, remembered as a hint), the local shell uses the machine's zone.
 * A lookup that fails or returns nonsense answers null; callers fall back to UTC.
 */
import type { Platform, Principal } from './identity.js';
import { principalKey } from './identity.js';
import { isTimeZone } from './scheduler/cron.js';

/** A platform's own answer: the user's IANA zone, or null when it has none (or cannot say). */
export interface TimeZoneSource {
  timeZoneOf(principal: Principal): Promise<string | null>;
}

export interface ProfilesPort {
  /** The viewer's IANA time zone, or null when nothing is known. Never throws. */
  timeZoneOf(principal: Principal): Promise<string | null>;
}

export interface ProfileDirectoryOptions {
  /** How long an answer from a source is reused. */
  readonly ttlMs?: number;
  /** How many people are remembered at most (oldest forgotten first). */
  readonly maxEntries?: number;
  /** Monotonic milliseconds (tests move it). */
  readonly now?: () => number;
}

interface Remembered {
  readonly zone: string | null;
  readonly at: number;
}

export class ProfileDirectory implements ProfilesPort {
  private readonly sources = new Map<Platform, TimeZoneSource>();
  private readonly known = new Map<string, Remembered>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: ProfileDirectoryOptions = {}) {
    this.ttlMs = options.ttlMs ?? 15 * 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** The adapter of `platform` answers for its users. */
  register(platform: Platform, source: TimeZoneSource): void {
    this.sources.set(platform, source);
  }

  /** A zone the platform sent with a request (Teams `localTimezone`); ignored unless it is a real zone. */
  remember(principal: Principal, zone: string | null | undefined): void {
    if (zone === null || zone === undefined || !isTimeZone(zone)) return;
    this.store(principalKey(principal), zone);
  }

  async timeZoneOf(principal: Principal): Promise<string | null> {
    const key = principalKey(principal);
    const hit = this.known.get(key);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs) return hit.zone;
    const source = this.sources.get(principal.platform);
    if (source === undefined) return hit?.zone ?? null;
    let zone: string | null;
    try {
      const answer = await source.timeZoneOf(principal);
      zone = answer !== null && isTimeZone(answer) ? answer : null;
    } catch {
      // The platform is down or refused: show UTC this time, ask again next time.
      return hit?.zone ?? null;
    }
    this.store(key, zone);
    return zone;
  }

  private store(key: string, zone: string | null): void {
    this.known.delete(key);
    this.known.set(key, { zone, at: this.now() });
    if (this.known.size > this.maxEntries) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }
}

/** The zone to show times in: the one asked for, else the viewer's, else `fallback` (UTC unless said). */
export async function viewerZone(asked: string | undefined, profiles: ProfilesPort, principal: Principal, fallback = 'UTC'): Promise<string> {
  if (asked !== undefined) return asked;
  return (await profiles.timeZoneOf(principal)) ?? fallback;
}
