/**
 * The NODE_OPTIONS this process was started with. Its own module, not env.ts: cli/young-generation.ts
 * reads it before the rest of opsbot (and so before env.ts's imports) loads.
 */
export function startupNodeOptions(): string | undefined {
  return process.env.NODE_OPTIONS;
}
