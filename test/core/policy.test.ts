import { describe, expect, it } from 'vitest';
import { compilePermission } from '../../src/core/policy/permission.js';
import { AccessPolicy, type AccessRules } from '../../src/core/policy/policy.js';
import { DeniedError } from '../../src/core/errors.js';
import type { Conversation, Principal } from '../../src/core/identity.js';

describe('permission patterns', () => {
  it.each([
    ['*', 'deploy:store-pl:prod', true],
    ['deploy:*', 'deploy', true],
    ['deploy:*', 'deploy:store-pl', true],
    ['deploy:*', 'deploy:store-pl:prod', true],
    ['deploy:*', 'deployx:store-pl', false],
    ['deploy:store-*', 'deploy:store-pl', true],
    ['deploy:store-*', 'deploy:shop-pl', false],
    ['deploy:store-*', 'deploy:store-pl:prod', false],
    ['deploy:store-*:*', 'deploy:store-pl:prod', true],
    ['scale:*:prod', 'scale:web:prod', true],
    ['scale:*:prod', 'scale:web:staging', false],
    ['jobs:list', 'jobs:list', true],
    ['jobs:list', 'jobs:list:all', false],
    ['jobs', 'jobs:list', false],
    ['a.b:c', 'aXb:c', false],
  ])('%s matches %s: %s', (pattern, permission, expected) => {
    expect(compilePermission(pattern)(permission)).toBe(expected);
  });
});

describe('AccessPolicy', () => {
  const rules: AccessRules = {
    roles: {
      deployer: { members: ['mattermost:u-alice', 'teams:aad-bob'], allow: ['deploy:store-*', 'jobs:*'] },
      oncall: { members: ['group:oncall'], allow: ['scale:*'] },
    },
    everyone: { allow: ['help', 'whoami'] },
    channels: {
      'mattermost:ops': { commands: ['deploy', 'scale', 'help', 'whoami', 'jobs'] },
      'mattermost:war-room': { commands: ['*'] },
    },
    defaultChannel: { commands: ['help', 'whoami'] },
  };
  const policy = new AccessPolicy(rules);
  const alice: Principal = { platform: 'mattermost', id: 'u-alice', name: 'Alice' };
  const mallory: Principal = { platform: 'mattermost', id: 'u-mallory', name: 'Alice' }; // same display name, other id
  const carol: Principal = { platform: 'teams', id: 'aad-carol', name: 'Carol', groups: ['oncall'] };
  const ops: Conversation = { platform: 'mattermost', id: 'ops' };
  const random: Conversation = { platform: 'mattermost', id: 'random' };

  it('gives the same answers when asked again (decisions are remembered), and decides group members afresh', () => {
    const fresh = new AccessPolicy(rules);
    for (let i = 0; i < 3; i += 1) {
      expect(fresh.authorize(alice, ops, 'deploy', 'deploy:store-pl')).toBe('deployer');
      expect(() => fresh.authorize(alice, ops, 'scale', 'scale:web')).toThrow(DeniedError);
      expect(() => fresh.authorize(mallory, ops, 'deploy', 'deploy:store-pl')).toThrow(DeniedError);
      expect(fresh.authorize(mallory, ops, 'help', 'help')).toBe('everyone');
    }
    // Carol's groups come from her platform with each request: losing `oncall` loses the grant at once.
    expect(fresh.authorize(carol, ops, 'scale', 'scale:web')).toBe('oncall');
    expect(() => fresh.authorize({ ...carol, groups: ['other'] }, ops, 'scale', 'scale:web')).toThrow(DeniedError);
    expect(fresh.authorize(carol, ops, 'scale', 'scale:web')).toBe('oncall');
  });

  it('grants by stable id and role', () => {
    expect(policy.authorize(alice, ops, 'deploy', 'deploy:store-pl')).toBe('deployer');
  });

  it('never grants by display name', () => {
    expect(() => policy.authorize(mallory, ops, 'deploy', 'deploy:store-pl')).toThrow(DeniedError);
  });

  it('denies by default and names the missing permission', () => {
    try {
      policy.authorize(alice, ops, 'scale', 'scale:web');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DeniedError);
      expect((error as DeniedError).permission).toBe('scale:web');
      expect((error as DeniedError).message).toBe('You need the permission `scale:web`, and none of your roles grants it.');
    }
  });

  it('grants through groups', () => {
    expect(policy.authorize({ ...carol, platform: 'teams' }, { platform: 'mattermost', id: 'war-room' }, 'scale', 'scale:web')).toBe('oncall');
  });

  it('refuses commands not bound to the channel, even for allowed users', () => {
    expect(() => policy.authorize(alice, random, 'deploy', 'deploy:store-pl')).toThrow('`deploy` is not enabled in this channel (allowed here: help, whoami).');
  });

  it('lets everyone run the everyone grants', () => {
    expect(policy.authorize(mallory, random, 'help', 'help')).toBe('everyone');
  });

  it('describes a principal', () => {
    expect(policy.describe(alice, ops)).toEqual({
      roles: ['deployer'],
      allow: ['help', 'whoami', 'deploy:store-*', 'jobs:*'],
      channelCommands: ['deploy', 'scale', 'help', 'whoami', 'jobs'],
    });
    expect(policy.describe(carol, { platform: 'mattermost', id: 'war-room' }).channelCommands).toBe('*');
  });
});
