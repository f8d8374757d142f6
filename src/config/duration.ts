/** Durations in config files: the core's grammar, so config and chat arguments agree. */
export { DURATION_PATTERN, formatDuration, parseDuration } from '../core/args/duration.js';
