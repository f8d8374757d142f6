/**
 * A Mattermost user's groups (LDAP-synced or custom user groups), so that roles can name
 * `group:<name>` members: GET /api/v4/users/{user_id}/groups with the bot token. A group is matched
 * by its `name`, the unique handle people @-mention (not its display name, which anyone managing the
 * group may change to anything); a deleted group counts for nobody.
 *
 * The lookup sits in front of every command of someone whose access may depend on a group, inside the
 * reply budget, so answers are remembered (`ttlMs`) and one command waits for the server at most
 * `waitMs`; a slower answer still lands in the memory for the next command. When the server cannot
 * say (down, too slow, no licence for groups: 501, the bot not allowed to read them: 403), the last
 * answer younger than `staleMs` stands in for it, else the user has no groups: access falls back to
 * what their own id grants, never to more. The server is then left alone for that user for 30 s.
 */
import type { Principal } from '../../core/identity.js';
import type { Logger } from '../../core/log.js';
import type { MattermostClient } from './client.js';

export interface GroupLookupOptions {
  /** How long an answer is used without asking again. */
  readonly ttlMs: number;
  /** How long one command waits for the server's answer. */
  readonly waitMs: number;
  /** How old an answer may be and still stand in while the server cannot answer. */
  readonly staleMs?: number;
  /** How many users are remembered at most (oldest forgotten first). */
  readonly maxEntries?: number;
  /** Monotonic milliseconds (tests move it). */
  readonly now?: () => number;
}

interface Remembered {
  readonly names: readonly string[];
  readonly at: number;
}

/** The part of the server's Group that decides membership. */
interface GroupOfUser {
  readonly name?: string;
  readonly delete_at?: number;
}

const NONE: readonly string[] = [];

/** After a failed lookup, a user's groups are not asked for again for this long. */
const RETRY_AFTER_FAILURE_MS = 30_000;

export class MattermostGroups {
  private readonly known = new Map<string, Remembered>();
  private readonly asking = new Map<string, Promise<readonly string[] | null>>();
  /** User → when the server may be asked again after it failed to answer (no log line per command). */
  private readonly resting = new Map<string, number>();
  private readonly staleMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly client: Pick<MattermostClient, 'getGroupsByUserId'>,
    private readonly logger: Logger,
    private readonly options: GroupLookupOptions,
  ) {
    this.staleMs = options.staleMs ?? 60 * 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** The names of the user's groups; never throws (see the file comment for what a failure gives). */
  async of(userId: string): Promise<readonly string[]> {
    const hit = this.known.get(userId);
    if (hit !== undefined && this.now() - hit.at < this.options.ttlMs) return hit.names;
    const fallback = hit !== undefined && this.now() - hit.at < this.staleMs ? hit.names : NONE;
    if ((this.resting.get(userId) ?? 0) > this.now()) return fallback;
    let pending = this.asking.get(userId);
    if (pending === undefined) {
      pending = this.ask(userId);
      this.asking.set(userId, pending);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.options.waitMs);
    });
    try {
      const names = await Promise.race([pending, late]);
      if (names !== null) return names;
    } finally {
      clearTimeout(timer);
    }
    return fallback;
  }

  /** Resolves to the names, remembered; or null when the server did not answer. */
  private async ask(userId: string): Promise<readonly string[] | null> {
    try {
      const groups = (await this.client.getGroupsByUserId(userId)) as readonly GroupOfUser[];
      const names = groups.flatMap((g) => (typeof g.name === 'string' && g.name !== '' && (g.delete_at ?? 0) === 0 ? [g.name] : []));
      this.remember(userId, names);
      this.resting.delete(userId);
      return names;
    } catch (error: unknown) {
      if (this.resting.size >= this.maxEntries) this.resting.clear();
      this.resting.set(userId, this.now() + RETRY_AFTER_FAILURE_MS);
      this.logger.warn({ err: error, userId }, "mattermost: could not read the user's groups (GET /users/{user_id}/groups); roles granted to group: members do not apply to them until it can");
      return null;
    } finally {
      this.asking.delete(userId);
    }
  }

  private remember(userId: string, names: readonly string[]): void {
    this.known.delete(userId);
    this.known.set(userId, { names, at: this.now() });
    if (this.known.size > this.maxEntries) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }
}

/** `principal` with the groups Mattermost reports for them; unchanged when there is nothing to look up. */
export async function withGroups(groups: MattermostGroups, principal: Principal): Promise<Principal> {
  const names = await groups.of(principal.id);
  return names.length === 0 ? principal : { ...principal, groups: names };
}
