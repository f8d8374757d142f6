/**
 * The outgoing webhooks' tokens. A payload names no webhook, only carries its token, so the token is
 * compared with every configured one: in constant time (both sides HMACed with a per-process key, so
 * timingSafeEqual sees equal lengths), and always with all of them, so the time taken says neither
 * which webhook matched nor how many there are before it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

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
  private readonly key = randomBytes(32);
  private readonly entries: { readonly hook: MatchedWebhook; readonly digest: Buffer }[] = [];

  constructor(webhooks: Readonly<Record<string, WebhookTokenConfig>>) {
    for (const [name, hook] of Object.entries(webhooks)) {
      this.entries.push({ hook: { name, triggers: new Set(hook.triggers) }, digest: this.digest(hook.token) });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** The webhook this token belongs to, or null (missing, empty or unknown token). */
  match(presented: string | null): MatchedWebhook | null {
    const given = this.digest(presented ?? '');
    let found: MatchedWebhook | null = null;
    for (const entry of this.entries) {
      // No early exit: every entry is compared whatever matched before.
      if (timingSafeEqual(given, entry.digest) && found === null) found = entry.hook;
    }
    return presented === null || presented === '' ? null : found;
  }

  private digest(token: string): Buffer {
    return createHmac('sha256', this.key).update(token).digest();
  }
}
