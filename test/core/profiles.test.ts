/** The viewer's time zone: hints, platform sources, caching, failures and the fallback to UTC. */
import { describe, expect, it } from 'vitest';
import { zoneOfProfile } from '../../src/adapters/mattermost/profiles.js';
import { ProfileDirectory, viewerZone } from '../../src/core/profiles.js';
import type { Principal } from '../../src/core/identity.js';

const ann: Principal = { platform: 'mattermost', id: 'u-ann', name: 'Ann' };
const bob: Principal = { platform: 'teams', id: 'aad-bob', name: 'Bob' };

function counting(answer: () => Promise<string | null>) {
  const asked: string[] = [];
  return { asked, source: { timeZoneOf: (p: Principal) => (asked.push(p.id), answer()) } };
}

describe('ProfileDirectory', () => {
  it('asks the platform once, then answers from memory until the entry is older than the ttl', async () => {
    let now = 0;
    const directory = new ProfileDirectory({ ttlMs: 1_000, now: () => now });
    const { asked, source } = counting(() => Promise.resolve('Europe/Warsaw'));
    directory.register('mattermost', source);
    expect(await directory.timeZoneOf(ann)).toBe('Europe/Warsaw');
    now = 999;
    expect(await directory.timeZoneOf(ann)).toBe('Europe/Warsaw');
    expect(asked).toEqual(['u-ann']);
    now = 1_000;
    await directory.timeZoneOf(ann);
    expect(asked).toEqual(['u-ann', 'u-ann']);
  });

  it('answers null for a failed lookup, a nonsense zone and a platform with no source; and asks again after a failure', async () => {
    const directory = new ProfileDirectory();
    let fail = true;
    const { asked, source } = counting(() => (fail ? Promise.reject(new Error('down')) : Promise.resolve('Mars/Olympus_Mons')));
    directory.register('mattermost', source);
    expect(await directory.timeZoneOf(ann)).toBeNull();
    fail = false;
    expect(await directory.timeZoneOf(ann)).toBeNull();
    expect(asked).toHaveLength(2);
    expect(await directory.timeZoneOf(bob)).toBeNull();
  });

  it('keeps a real zone a platform sent with a request, ignores a bogus one, and forgets the oldest past its bound', async () => {
    const directory = new ProfileDirectory({ maxEntries: 2 });
    directory.remember(bob, 'not a zone');
    expect(await directory.timeZoneOf(bob)).toBeNull();
    directory.remember(bob, 'America/Los_Angeles');
    expect(await directory.timeZoneOf(bob)).toBe('America/Los_Angeles');
    directory.remember({ ...bob, id: 'b2' }, 'Asia/Tokyo');
    directory.remember({ ...bob, id: 'b3' }, 'Europe/Paris');
    expect(await directory.timeZoneOf(bob)).toBeNull();
    expect(await directory.timeZoneOf({ ...bob, id: 'b3' })).toBe('Europe/Paris');
  });

  it('viewerZone: the asked zone, else the viewer\'s, else UTC', async () => {
    const directory = new ProfileDirectory();
    directory.remember(bob, 'Asia/Tokyo');
    expect(await viewerZone('Europe/Warsaw', directory, bob)).toBe('Europe/Warsaw');
    expect(await viewerZone(undefined, directory, bob)).toBe('Asia/Tokyo');
    expect(await viewerZone(undefined, directory, ann)).toBe('UTC');
  });
});

describe('zoneOfProfile (Mattermost user.timezone)', () => {
  it('reads the automatic zone when automatic is on, else the manual one; the server sends the flag as a string', () => {
    expect(zoneOfProfile({ useAutomaticTimezone: 'true', automaticTimezone: 'Asia/Tokyo', manualTimezone: 'Europe/Paris' })).toBe('Asia/Tokyo');
    expect(zoneOfProfile({ useAutomaticTimezone: 'false', automaticTimezone: 'Asia/Tokyo', manualTimezone: 'Europe/Paris' })).toBe('Europe/Paris');
    expect(zoneOfProfile({ useAutomaticTimezone: true, automaticTimezone: 'Asia/Tokyo', manualTimezone: '' })).toBe('Asia/Tokyo');
    // Manual chosen but never filled in: the detected zone is still better than none.
    expect(zoneOfProfile({ useAutomaticTimezone: false, automaticTimezone: 'Asia/Tokyo', manualTimezone: '' })).toBe('Asia/Tokyo');
    expect(zoneOfProfile({ useAutomaticTimezone: 'true', automaticTimezone: '', manualTimezone: 'Europe/Paris' })).toBeNull();
    expect(zoneOfProfile(undefined)).toBeNull();
  });
});
