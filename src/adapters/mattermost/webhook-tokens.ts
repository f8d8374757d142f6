/**
 * The outgoing webhooks' tokens. A payload names no webhook, only carries its token, so the token is
 * compared with every configured one: in constant time (see token-digest.ts), and always with all
 * of them, so the time taken says neither which webhook matched nor how many there are before it.
 */
import { sameDigest, tokenDigest } from '../token-digest.js';

export interface WebhookTokenConfig {
  readonly token: string;
  /** Trigger words payloads with this token may carry; empty: any. */
  readonly triggers: readonly string[];
}

export interface MatchedWebhook {
  /** The config entry's name (for logs). */
  readonly name: string;
  readonly triggers: ReadonlySet<string>;
}

export class WebhookTokens {
  private readonly entries: { readonly hook: MatchedWebhook; readonly digest: string }[] = [];

  constructor(webhooks: Readonly<Record<string, WebhookTokenConfig>>) {
    for (const [name, hook] of Object.entries(webhooks)) {
      this.entries.push({ hook: { name, triggers: new Set(hook.triggers) }, digest: tokenDigest(hook.token) });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** The webhook this token belongs to, or null (missing, empty or unknown token). */
  match(presented: string | null): MatchedWebhook | null {
    const given = tokenDigest(presented ?? '');
    let found: MatchedWebhook | null = null;
    for (const entry of this.entries) {
      // No early exit: every entry is compared whatever matched before.
      if (sameDigest(given, entry.digest) && found === null) found = entry.hook;
    }
    return presented === null || presented === '' ? null : found;
  }
}
