/**
 * A Mattermost user's time zone, from their profile (GET /api/v4/users/{user_id}): the zone their
 * client detected when "automatic" is on, else the one they picked. Needs the bot token.
 */
import type { Principal } from '../../core/identity.js';
import type { TimeZoneSource } from '../../core/profiles.js';
import type { MattermostClient } from './client.js';

interface ProfileTimezone {
  readonly useAutomaticTimezone?: boolean | string;
  readonly automaticTimezone?: string;
  readonly manualTimezone?: string;
}

/** Mattermost sends the flag as the string "true"/"false" (older servers: a boolean). */
export function zoneOfProfile(timezone: ProfileTimezone | undefined): string | null {
  if (timezone === undefined) return null;
  const automatic = timezone.useAutomaticTimezone === true || timezone.useAutomaticTimezone === 'true';
  const zone = automatic ? timezone.automaticTimezone : timezone.manualTimezone;
  // A user who never set a manual zone has "", and an automatic one may be empty before the first login.
  return zone === undefined || zone === '' ? (automatic ? null : timezone.automaticTimezone || null) : zone;
}

export class MattermostTimeZones implements TimeZoneSource {
  constructor(private readonly client: Pick<MattermostClient, 'getUser'>) {}

  async timeZoneOf(principal: Principal): Promise<string | null> {
    const user = await this.client.getUser(principal.id);
    return zoneOfProfile(user.timezone);
  }
}
