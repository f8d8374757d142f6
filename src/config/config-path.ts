/** Paths into the config: as segments, as ajv's JSON Pointers, and as shown to people. */

export type PathSegment = string | number;
export type ConfigPath = readonly PathSegment[];

const plainKey = /^[A-Za-z_][A-Za-z0-9_-]*$/u;

/** `access.roles.operator.members[0]`, `access.channels["shell:local"].commands`; '' for the root. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (plainKey.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Segments of a JSON Pointer (`/access/roles/operator/members/0`). A segment is a number only where
 * `data` holds an array there, so a map key that looks like a number stays a string.
 */
export function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      const index = Number(key);
      path.push(index);
      node = node[index];
    } else {
      path.push(key);
      node = isRecord(node) ? node[key] : undefined;
    }
  }
  return path;
}

/** A stable key for a path, for sets and maps. */
export function pathKey(path: ConfigPath): string {
  return JSON.stringify(path);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
