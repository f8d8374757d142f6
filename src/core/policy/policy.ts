/**
 * Deny by default. A command runs only if (1) the conversation's binding allows the command and
 * (2) one of the principal's roles, or the `everyone` grant, allows the permission computed from the
 * typed arguments. Members are stable platform ids (`mattermost:u8k3…`) or groups (`group:oncall`);
 * display names never take part.
 */
import { DeniedError } from '../errors.js';
import { principalKey, type Conversation, type Principal } from '../identity.js';
import type { AccessDescription, AccessPort } from '../ports.js';
import { compilePermission, type PermissionMatcher } from './permission.js';

export interface AccessRules {
  readonly roles: Readonly<Record<string, { readonly members: readonly string[]; readonly allow: readonly string[] }>>;
  readonly everyone: { readonly allow: readonly string[] };
  readonly channels: Readonly<Record<string, { readonly commands: readonly string[] }>>;
  readonly defaultChannel: { readonly commands: readonly string[] };
}

interface CompiledRole {
  readonly name: string;
  readonly members: ReadonlySet<string>;
  readonly allow: readonly string[];
  readonly matchers: readonly PermissionMatcher[];
}

interface ChannelRule {
  readonly commands: readonly string[];
  readonly all: boolean;
  readonly allowed: ReadonlySet<string>;
}

function channelRule(commands: readonly string[]): ChannelRule {
  return { commands, all: commands.includes('*'), allowed: new Set(commands) };
}

interface Grants {
  readonly roles: readonly string[];
  readonly allow: readonly string[];
}

/** Permission decisions remembered per principal and permission (the config does not change at run time). */
const DECISION_MEMORY = 10_000;

export class AccessPolicy implements AccessPort {
  private readonly roles: readonly CompiledRole[];
  private readonly everyone: readonly PermissionMatcher[];
  /**
   * Bindings by platform, then conversation id. Two lookups of strings the request already holds,
   * rather than building `platform:id` per dispatch (see `npm run bench`).
   */
  private readonly channels = new Map<string, Map<string, ChannelRule>>();
  private readonly defaultChannel: ChannelRule;
  /** Platform → principal id → permission → the granting role, or null for a denial. Only for principals without groups. */
  private readonly decisions = new Map<string, Map<string, Map<string, string | null>>>();
  private remembered = 0;
  /** Platform → principal id → roles and allowed patterns, for `whoami` and the like. */
  private readonly grants = new Map<string, Map<string, Grants>>();
  private grantCount = 0;

  constructor(private readonly rules: AccessRules) {
    this.roles = Object.entries(rules.roles).map(([name, role]) => ({
      name,
      members: new Set(role.members),
      allow: role.allow,
      matchers: role.allow.map(compilePermission),
    }));
    this.everyone = rules.everyone.allow.map(compilePermission);
    for (const [key, binding] of Object.entries(rules.channels)) {
      // A key is `platform:id` (see conversationKey); platform names have no colon, ids may.
      const colon = key.indexOf(':');
      const platform = key.slice(0, colon);
      let byId = this.channels.get(platform);
      if (byId === undefined) this.channels.set(platform, (byId = new Map<string, ChannelRule>()));
      byId.set(key.slice(colon + 1), channelRule(binding.commands));
    }
    this.defaultChannel = channelRule(rules.defaultChannel.commands);
  }

  /** True when some role names a `group:` member: only then is it worth asking a platform for groups. */
  get usesGroups(): boolean {
    return this.roles.some((role) => [...role.members].some((member) => member.startsWith('group:')));
  }

  rolesOf(principal: Principal): CompiledRole[] {
    const keys = [principalKey(principal), ...(principal.groups ?? []).map((g) => `group:${g}`)];
    return this.roles.filter((role) => keys.some((k) => role.members.has(k)));
  }

  channelCommands(conversation: Conversation): readonly string[] {
    return this.channelRuleOf(conversation).commands;
  }

  private channelRuleOf(conversation: Conversation): ChannelRule {
    return this.channels.get(conversation.platform)?.get(conversation.id) ?? this.defaultChannel;
  }

  /** The granting role ('everyone' for the everyone grant), or null. */
  private decide(principal: Principal, permission: string): string | null {
    for (const m of this.everyone) if (m(permission)) return 'everyone';
    // Plain loops, no intermediate arrays.
    const key = principalKey(principal);
    const groups = principal.groups;
    for (const role of this.roles) {
      if (!role.members.has(key) && (groups === undefined || !groups.some((g) => role.members.has(`group:${g}`)))) continue;
      for (const m of role.matchers) if (m(permission)) return role.name;
    }
    return null;
  }

  private rememberedDecision(principal: Principal, permission: string): string | null {
    let byId = this.decisions.get(principal.platform);
    if (byId === undefined) this.decisions.set(principal.platform, (byId = new Map<string, Map<string, string | null>>()));
    let byPermission = byId.get(principal.id);
    if (byPermission === undefined) byId.set(principal.id, (byPermission = new Map<string, string | null>()));
    const remembered = byPermission.get(permission);
    if (remembered !== undefined) return remembered;
    const role = this.decide(principal, permission);
    if (this.remembered >= DECISION_MEMORY) {
      this.decisions.clear();
      this.remembered = 0;
      return role;
    }
    byPermission.set(permission, role);
    this.remembered += 1;
    return role;
  }

  /** Throws DeniedError naming what is missing; returns the granting role (or 'everyone') otherwise. */
  authorize(principal: Principal, conversation: Conversation, command: string, permission: string): string {
    const here = this.channelRuleOf(conversation);
    if (!here.all && !here.allowed.has(command)) {
      const allowedHere = here.commands;
      throw new DeniedError(
        `\`${command}\` is not enabled in this channel (allowed here: ${allowedHere.length > 0 ? allowedHere.join(', ') : 'nothing'}).`,
        `channel:${command}`,
      );
    }
    const groups = principal.groups;
    // Principals with groups are decided afresh: their groups come from the platform per request.
    const role = groups === undefined || groups.length === 0 ? this.rememberedDecision(principal, permission) : this.decide(principal, permission);
    if (role !== null) return role;
    throw new DeniedError(`You need the permission \`${permission}\`, and none of your roles grants it.`, permission);
  }

  describe(principal: Principal, conversation: Conversation): AccessDescription {
    const { roles, allow } = this.grantsOf(principal);
    const here = this.channelRuleOf(conversation);
    return { roles, allow, channelCommands: here.all ? '*' : here.commands };
  }

  /** A principal's roles and what they allow; remembered for principals without groups, like decisions. */
  private grantsOf(principal: Principal): Grants {
    const groups = principal.groups;
    const memo = groups === undefined || groups.length === 0;
    const byId = memo ? this.grants.get(principal.platform) : undefined;
    const known = byId?.get(principal.id);
    if (known !== undefined) return known;
    const roles = this.rolesOf(principal);
    const grants: Grants = { roles: roles.map((r) => r.name), allow: [...new Set([...this.rules.everyone.allow, ...roles.flatMap((r) => r.allow)])] };
    if (memo) {
      if (this.grantCount >= DECISION_MEMORY) {
        this.grants.clear();
        this.grantCount = 0;
      }
      let ids = this.grants.get(principal.platform);
      if (ids === undefined) this.grants.set(principal.platform, (ids = new Map<string, Grants>()));
      ids.set(principal.id, grants);
      this.grantCount += 1;
    }
    return grants;
  }

}
