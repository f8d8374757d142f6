/**
 * The slash command tokens: each trigger has its own, and a request is accepted only with the token
 * of the trigger it names. Compared in constant time: both sides are HMACed with a per-process key
 * first, so timingSafeEqual always sees equal lengths and nothing leaks the token's length either.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class TriggerTokens {
  private readonly key = randomBytes(32);
  private readonly digests = new Map<string, Buffer>();

  constructor(tokens: Readonly<Record<string, string>>) {
    for (const [trigger, token] of Object.entries(tokens)) this.digests.set(trigger, this.digest(token));
  }

  triggers(): string[] {
    return [...this.digests.keys()];
  }

  verify(trigger: string, presented: string | null): boolean {
    const expected = this.digests.get(trigger);
    // Hash even when there is nothing to compare with, so an unknown trigger costs the same time.
    const given = this.digest(presented ?? '');
    if (expected === undefined || presented === null || presented === '') return false;
    return timingSafeEqual(given, expected);
  }

  private digest(token: string): Buffer {
    return createHmac('sha256', this.key).update(token).digest();
  }
}
