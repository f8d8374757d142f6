/**
 * The slash command tokens: each trigger has its own, and a request is accepted only with the token
 * of the trigger it names. Compared in constant time (see token-digest.ts).
 */
import { sameDigest, tokenDigest } from '../token-digest.js';

export class TriggerTokens {
  private readonly digests = new Map<string, string>();

  constructor(tokens: Readonly<Record<string, string>>) {
    for (const [trigger, token] of Object.entries(tokens)) this.digests.set(trigger, tokenDigest(token));
  }

  triggers(): string[] {
    return [...this.digests.keys()];
  }

  verify(trigger: string, presented: string | null): boolean {
    const expected = this.digests.get(trigger);
    // Hash even when there is nothing to compare with, so an unknown trigger costs the same time.
    const given = tokenDigest(presented ?? '');
    if (expected === undefined || presented === null || presented === '') return false;
    return sameDigest(given, expected);
  }
}
