/**
 * The only reader of process.env (enforced by ESLint). Everything else receives values from here or
 * from the loaded config, so tests can pass a fake environment and nothing reads ambient state.
 */
import { ConfigError, type ConfigProblem } from './errors.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './log-levels.js';
import type { EnvVars } from './interpolate.js';

export { interpolate, type EnvVars, type Interpolation } from './interpolate.js';

/** The variables opsbot itself reads; `undefined` means unset (an empty value counts as unset). */
export interface Environment {
  /** Overrides server.port. */
  readonly PORT: number | undefined;
  /** Overrides server.host. */
  readonly HOST: string | undefined;
  /** Overrides log.level. */
  readonly LOG_LEVEL: LogLevel | undefined;
  /** Path of the config file; the demo config when unset. */
  readonly OPSBOT_CONFIG: string | undefined;
  /** Directory for local state; the default SQLite file lives here (default ./data). */
  readonly OPSBOT_DATA_DIR: string | undefined;
  /** Name of this replica in logs, metrics and lock leases; optional. */
  readonly OPSBOT_INSTANCE: string | undefined;
  readonly NODE_ENV: string | undefined;
  /** Every variable, for `${VAR}` substitution in the config file. A copy, taken once. */
  readonly variables: EnvVars;
}

/** Reads and checks opsbot's own variables; throws a ConfigError listing every bad one. */
export function readEnvironment(env: EnvVars = process.env): Environment {
  const problems: ConfigProblem[] = [];
  const bad = (name: string, reason: string): undefined => {
    problems.push({ source: 'environment', path: name, reason });
    return undefined;
  };
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const portText = text('PORT');
  const port = portText === undefined ? undefined : Number(portText);
  // Level names are lowercase in pino; accept LOG_LEVEL=INFO as people often write it.
  const logLevel = text('LOG_LEVEL')?.toLowerCase();
  const result: Environment = {
    PORT:
      port === undefined || (/^\d+$/u.test(portText ?? '') && port >= 1 && port <= 65_535)
        ? port
        : bad('PORT', `"${portText}" is not a port number (1-65535)`),
    HOST: text('HOST'),
    LOG_LEVEL:
      logLevel === undefined || isLogLevel(logLevel)
        ? logLevel
        : bad('LOG_LEVEL', `"${logLevel}" must be one of ${LOG_LEVELS.join(', ')}`),
    OPSBOT_CONFIG: text('OPSBOT_CONFIG'),
    OPSBOT_DATA_DIR: text('OPSBOT_DATA_DIR'),
    OPSBOT_INSTANCE: text('OPSBOT_INSTANCE'),
    NODE_ENV: text('NODE_ENV'),
    variables: Object.freeze({ ...env }),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return result;
}
