import type { ConfigPath } from './config-path.js';

/**
 * A problem found in the parsed file, before it gets a line and column. `path` is what the message
 * names; `pointAt` (default: `path`) is where it points, at the key or at the value written there.
 */
export interface Issue {
  readonly path: ConfigPath;
  readonly pointAt?: ConfigPath;
  readonly at: 'key' | 'value';
  readonly reason: string;
}
