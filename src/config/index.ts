/** The config module's public surface, for the composition root. */
export { demoConfigPath } from './demo-path.js';
export { formatDuration, parseDuration } from './duration.js';
export { interpolate, readEnvironment, type EnvVars, type Environment, type Interpolation } from './env.js';
export { ConfigError, formatProblem, type ConfigProblem } from './errors.js';
export { configJsonSchema } from './json-schema.js';
export { loadConfig, type LoadOptions } from './load.js';
export { LOG_LEVELS } from './log-levels.js';
export { ConfigSchema, type RawConfig } from './schema/index.js';
export type * from './types.js';
