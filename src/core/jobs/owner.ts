/**
 * Which process owns a job: `host/pid/nonce@space`. After a crash, a job whose owner is gone is
 * reported as interrupted. A pid says whether its process is gone only inside one pid namespace on
 * one boot (`space`): there we can tell at once (the pid is dead, or it is our own pid with another
 * nonce: we are the restarted process). Anywhere else (another host; two replicas given one
 * OPSBOT_INSTANCE, each in its own container, often with the same pid; a restarted container; rows
 * written before `space` existed) a pid proves nothing, and the job's heartbeat decides.
 */
export interface OwnerIdentity {
  readonly host: string;
  readonly pid: number;
  readonly nonce: string;
  /** The boot and pid namespace the pid belongs to; null when the system does not say. */
  readonly space: string | null;
}

export function formatOwner(owner: OwnerIdentity): string {
  return `${owner.host}/${owner.pid}/${owner.nonce}${owner.space === null ? '' : `@${owner.space}`}`;
}

export function parseOwner(text: string): OwnerIdentity | null {
  const match = /^(.+)\/(\d+)\/([^/@]+)(?:@([^/@]+))?$/.exec(text);
  if (match === null) return null;
  return { host: match[1] as string, pid: Number(match[2]), nonce: match[3] as string, space: match[4] ?? null };
}

/**
 * - `self`: this process.
 * - `dead` / `alive`: a process of this pid namespace, whose pid is gone / still there.
 * - `unsure`: under our name but where our pids mean nothing: gone once its heartbeat has stopped.
 * - `unknown`: another host (or an owner that cannot be read): gone once its lease is long stale.
 */
export type OwnerVerdict = 'self' | 'dead' | 'alive' | 'unsure' | 'unknown';

/** `pidAlive` is injected: probing processes is the composition root's business, not the core's. */
export function judgeOwner(text: string, me: OwnerIdentity, pidAlive: (pid: number) => boolean): OwnerVerdict {
  const owner = parseOwner(text);
  if (owner === null) return 'unknown';
  if (owner.host !== me.host) return 'unknown';
  if (owner.pid === me.pid && owner.nonce === me.nonce) return 'self';
  if (owner.space === null || owner.space !== me.space) return 'unsure';
  if (owner.pid === me.pid) return 'dead';
  return pidAlive(owner.pid) ? 'alive' : 'dead';
}
