/**
 * Which values taken from the environment are secrets, to be masked wherever text leaves opsbot (logs,
 * job output, chat). By default every one is: a `${VAR}` may hold a token anywhere. Masking is by
 * value, in any text, so a value that is not secret but common ("opsbot" as a Jenkins user, a server's
 * URL) would otherwise be cut out of ordinary words and links. These are not secrets:
 * - a whole URL (`url: ${JENKINS_URL}`), except its password and its query, which are;
 * - a part of a URL outside its password, query and fragment (`https://${HOST}/health?token=${T}`:
 *   the host is not, the token is);
 * - a value in a field that names an identity or a place, not a credential (`user`, `members`,
 *   `path`, …);
 * - a plain number (a port, a pool size).
 */
import type { ConfigPath } from './config-path.js';

/** Fields whose values identify someone or something, and which opsbot shows on purpose. */
const PLAIN_FIELDS = new Set(['user', 'username', 'login', 'members', 'host', 'port', 'path', 'dir', 'workdir', 'file', 'link']);

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const NUMBER = /^\d+$/;

export function secretValues(path: ConfigPath, written: string, substituted: string, values: readonly string[]): string[] {
  const field = [...path].reverse().find((segment): segment is string => typeof segment === 'string');
  if (field !== undefined && PLAIN_FIELDS.has(field)) return [];
  const url = URL_LIKE.test(substituted) ? parseUrl(substituted) : null;
  const secrets: string[] = [];
  for (const value of values) {
    if (value === '' || NUMBER.test(value)) continue;
    if (url === null) {
      secrets.push(value);
    } else if (URL_LIKE.test(value) && written.trim().startsWith('${')) {
      // The whole URL came from the environment: only its credentials are secret.
      secrets.push(...urlSecrets(url));
    } else if (isSecretPartOf(url, value)) {
      secrets.push(value);
    }
  }
  return secrets;
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** The password and the query's values (tokens often travel as `?token=`), as written and decoded. */
function urlSecrets(url: URL): string[] {
  // With the user, so that a short password is still masked where the URL is shown.
  const userinfo = url.password === '' ? '' : `${url.username}:${url.password}@`;
  const parts = [userinfo, url.password, safeDecode(url.password), url.search.slice(1), url.hash.slice(1)];
  for (const value of url.searchParams.values()) parts.push(value);
  return parts.filter((p) => p !== '');
}

/** A value substituted into part of a URL is secret unless it lies wholly outside credentials, query and fragment. */
function isSecretPartOf(url: URL, value: string): boolean {
  const outside = `${url.protocol}//${url.hostname}${url.port === '' ? '' : `:${url.port}`}${url.pathname}`;
  const inUsername = url.username !== '' && safeDecode(url.username).includes(value);
  return !(outside.includes(value) || inUsername) || urlSecrets(url).some((secret) => secret.includes(value) || value.includes(secret));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
