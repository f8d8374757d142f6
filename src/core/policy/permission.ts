/**
 * Permission patterns: `domain:action[:scope…]`, segments separated by `:`.
 * - A segment matches literally, or as a glob where `*` stands for any characters within the segment
 *   (`deploy:store-*` matches `deploy:store-pl`).
 * - A trailing `*` segment matches any number of remaining segments, including none
 *   (`deploy:*` matches `deploy`, `deploy:store-pl` and `deploy:store-pl:prod`); a lone `*` matches all.
 * Patterns are compiled once, at boot.
 */
export type PermissionMatcher = (permission: string) => boolean;

export function compilePermission(pattern: string): PermissionMatcher {
  const segments = pattern.split(':');
  const openEnded = segments.at(-1) === '*';
  const fixed = openEnded ? segments.slice(0, -1) : segments;
  const body = fixed.map((s) => s.split('*').map(escapeRegExp).join('[^:]*')).join(':');
  const source = openEnded ? (fixed.length === 0 ? '^.*$' : `^${body}(?::.*)?$`) : `^${body}$`;
  const regex = new RegExp(source);
  return (permission) => regex.test(permission);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
