/**
 * Whose job is it, and can this process tell that its owner is gone? A pid is evidence only inside
 * the pid namespace and boot it was written in.
 */
import { describe, expect, it } from 'vitest';
import { formatOwner, judgeOwner, parseOwner, type OwnerIdentity } from '../../src/core/jobs/owner.js';

const me: OwnerIdentity = { host: 'opsbot-1', pid: 7, nonce: 'a1b2c3d4', space: 'boot-1:4026532201' };
const alive = new Set([7, 42]);
const judge = (owner: string): string => judgeOwner(owner, me, (pid) => alive.has(pid));

describe('job owners', () => {
  it('round-trip, with a pid namespace and without (rows written before it existed)', () => {
    expect(parseOwner(formatOwner(me))).toEqual(me);
    expect(parseOwner('opsbot-1/7/a1b2c3d4')).toEqual({ ...me, space: null });
    // An all-digit nonce stays a nonce; a host may itself contain a slash.
    expect(parseOwner('eu/opsbot-1/7/12345678@b:1')).toEqual({ host: 'eu/opsbot-1', pid: 7, nonce: '12345678', space: 'b:1' });
    expect(parseOwner('garbage')).toBeNull();
  });

  it('judges pids only in its own pid namespace of this boot', () => {
    expect(judge(formatOwner(me))).toBe('self');
    expect(judge('opsbot-1/7/0ldn0nce@boot-1:4026532201')).toBe('dead');
    expect(judge('opsbot-1/99/x@boot-1:4026532201')).toBe('dead');
    expect(judge('opsbot-1/42/x@boot-1:4026532201')).toBe('alive');
  });

  it('cannot judge a pid under its name from another namespace, another boot or an old row', () => {
    // Another container given the same OPSBOT_INSTANCE, with the same pid: not our restarted self.
    expect(judge('opsbot-1/7/0th3rpod@boot-1:4026532999')).toBe('unsure');
    expect(judge('opsbot-1/99/x@boot-0:4026532201')).toBe('unsure');
    expect(judge('opsbot-1/42/x')).toBe('unsure');
  });

  it('leaves other hosts to their lease', () => {
    expect(judge('opsbot-2/99/x@boot-1:4026532201')).toBe('unknown');
  });
});
