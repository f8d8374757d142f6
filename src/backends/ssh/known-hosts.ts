/**
 * Host key pinning from a known_hosts file (OpenSSH format): plain and `[host]:port` names and hashed
 * (`|1|salt|hash`) entries; `@revoked` keys are refused; wildcard patterns and `@cert-authority` lines
 * are ignored on purpose (a pinned key names one host). A host with no entry is refused too.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface KnownKey {
  readonly type: string;
  readonly key: Buffer;
}

export interface KnownHosts {
  /** The keys pinned for this host and port (empty: unknown host). */
  keysFor(host: string, port: number): { readonly keys: readonly KnownKey[]; readonly revoked: readonly KnownKey[] };
}

interface Entry {
  readonly names: readonly string[];
  readonly marker: 'revoked' | null;
  readonly key: KnownKey;
}

export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function nameMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (salt === undefined || hash === undefined) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return pattern === name;
}

export function parseKnownHosts(text: string): KnownHosts {
  const entries: Entry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: Entry['marker'] = null;
    if (fields[0]?.startsWith('@') === true) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else continue;
    }
    const [names, type, base64] = fields;
    if (names === undefined || type === undefined || base64 === undefined) continue;
    const patterns = names.split(',');
    // Wildcards and negations are not pins.
    if (patterns.some((p) => /[*?!]/.test(p))) continue;
    entries.push({ names: patterns, marker, key: { type, key: Buffer.from(base64, 'base64') } });
  }
  return {
    keysFor(host, port) {
      const name = lookupName(host, port);
      const matching = entries.filter((e) => e.names.some((p) => nameMatches(p, name)));
      return { keys: matching.filter((e) => e.marker === null).map((e) => e.key), revoked: matching.filter((e) => e.marker === 'revoked').map((e) => e.key) };
    },
  };
}

export function readKnownHosts(file: string): KnownHosts {
  return parseKnownHosts(readFileSync(file, 'utf8'));
}

/** The decision for a presented host key: null when it is pinned, else why it is refused. */
export function verifyHostKey(known: KnownHosts, host: string, port: number, presented: Buffer): string | null {
  const { keys, revoked } = known.keysFor(host, port);
  if (revoked.some((k) => k.key.equals(presented))) return `the host key of ${lookupName(host, port)} (${fingerprint(presented)}) is revoked`;
  if (keys.length === 0) return `${lookupName(host, port)} is not in known_hosts (its key is ${fingerprint(presented)})`;
  if (!keys.some((k) => k.key.equals(presented))) return `the host key of ${lookupName(host, port)} does not match known_hosts (presented ${fingerprint(presented)}): refusing to connect`;
  return null;
}
