/**
 * Which process owns a job: `host/pid/nonce`. After a crash, a job whose owner is gone is reported as
 * interrupted. On the same host we can tell at once (the pid is dead, or it is our own pid with a
 * different nonce: we are the restarted process); across hosts we wait for the lease to expire.
 */
export interface OwnerIdentity {
  readonly host: string;
  readonly pid: number;
  readonly nonce: string;
}

export function formatOwner(owner: OwnerIdentity): string {
  return `${owner.host}/${owner.pid}/${owner.nonce}`;
}

export function parseOwner(text: string): OwnerIdentity | null {
  const match = /^(.+)\/(\d+)\/([^/]+)$/.exec(text);
  if (match === null) return null;
  return { host: match[1] as string, pid: Number(match[2]), nonce: match[3] as string };
}

export type OwnerVerdict = 'self' | 'dead' | 'alive' | 'unknown';

/** `pidAlive` is injected: probing processes is the composition root's business, not the core's. */
export function judgeOwner(text: string, me: OwnerIdentity, pidAlive: (pid: number) => boolean): OwnerVerdict {
  const owner = parseOwner(text);
  if (owner === null) return 'unknown';
  if (owner.host !== me.host) return 'unknown';
  if (owner.pid === me.pid) return owner.nonce === me.nonce ? 'self' : 'dead';
  return pidAlive(owner.pid) ? 'alive' : 'dead';
}
