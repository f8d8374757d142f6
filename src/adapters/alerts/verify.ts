/**
 * Proof that a body came from the configured sender: a bearer token, Basic credentials, or an
 * HMAC-SHA256 signature over the raw body (Grafana's format: hex in a header, optionally over
 * "<timestamp>:<body>" with the Unix timestamp in a second header). Every comparison is constant
 * time over equal-length digests, and no reason ever echoes a secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AlertSourceAuth } from '../../config/types.js';
import { sameDigest, tokenDigest } from '../token-digest.js';

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The configured secrets' digests, by secret: computed once instead of on every delivery (half of
 * the hashing). Bounded by the config: one entry per source secret.
 */
const expectedDigests = new Map<string, string>();

function expectedDigest(secret: string): string {
  let digest = expectedDigests.get(secret);
  if (digest === undefined) expectedDigests.set(secret, (digest = tokenDigest(secret)));
  return digest;
}

/** Equal-length digests of both sides, so neither the length nor the content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  return sameDigest(tokenDigest(given), expectedDigest(expected));
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function credentials(headers: Headers, schemes: readonly string[]): string | null {
  const value = header(headers, 'authorization');
  if (value === undefined) return null;
  const space = value.indexOf(' ');
  if (space < 0) return null;
  const scheme = value.slice(0, space).toLowerCase();
  return schemes.includes(scheme) ? value.slice(space + 1).trim() : null;
}

export function verify(auth: AlertSourceAuth, headers: Headers, body: Buffer, now: Date): Verdict {
  switch (auth.kind) {
    case 'none':
      return { ok: true };
    case 'bearer': {
      // Alerta's clients say `Key`, some tools `Token`; the secret is what matters.
      const token = credentials(headers, ['bearer', 'key', 'token']);
      if (token === null) return { ok: false, reason: 'missing Authorization: Bearer <token>' };
      return sameSecret(token, auth.token) ? { ok: true } : { ok: false, reason: 'wrong token' };
    }
    case 'basic': {
      const encoded = credentials(headers, ['basic']);
      if (encoded === null) return { ok: false, reason: 'missing Authorization: Basic credentials' };
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      return sameSecret(decoded, `${auth.username}:${auth.password}`) ? { ok: true } : { ok: false, reason: 'wrong credentials' };
    }
    case 'hmac': {
      const given = header(headers, auth.header)?.trim().replace(/^sha256=/i, '');
      if (given === undefined || given === '') return { ok: false, reason: `missing signature header ${auth.header}` };
      if (!/^[0-9a-f]{64}$/i.test(given)) return { ok: false, reason: `${auth.header} is not a hex HMAC-SHA256` };
      const mac = createHmac('sha256', auth.secret);
      if (auth.timestampHeader !== null) {
        const ts = header(headers, auth.timestampHeader)?.trim();
        if (ts === undefined || !/^\d{1,12}$/.test(ts)) return { ok: false, reason: `missing or malformed timestamp header ${auth.timestampHeader}` };
        if (Math.abs(now.getTime() - Number(ts) * 1000) > auth.maxSkew) return { ok: false, reason: 'signature timestamp too old or in the future' };
        mac.update(`${ts}:`);
      }
      const expected = mac.update(body).digest();
      return timingSafeEqual(Buffer.from(given.toLowerCase(), 'hex'), expected) ? { ok: true } : { ok: false, reason: 'signature does not match the body' };
    }
  }
}
