/**
 * Comparing a presented token with a configured one in constant time. Both sides are hashed first
 * (SHA-256), so the comparison always sees two strings of one length and leaks neither the token's
 * length nor where the two first differ; then every character is compared, with no early exit.
 *
 * `crypto.hash` is one call with no Hash or Hmac object: a sixth of an HMAC's cost, and this runs
 * on every slash command, webhook and alert delivery (see `npm run bench`).
 */
import { hash } from 'node:crypto';

export function tokenDigest(token: string): string {
  return hash('sha256', token, 'base64');
}

/** Constant time for digests of one algorithm (equal lengths); different lengths are simply unequal. */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
