import { describe, expect, it } from 'vitest';
import { interpolate, readEnvironment } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/errors.js';

describe('readEnvironment', () => {
  it('reads and types the variables opsbot uses', () => {
    const env = readEnvironment({
      PORT: '9090',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'DEBUG',
      OPSBOT_CONFIG: '/etc/opsbot.yaml',
      OPSBOT_DATA_DIR: '/var/lib/opsbot',
      OPSBOT_INSTANCE: 'replica-1',
      NODE_ENV: 'production',
      OTHER: 'x',
    });
    expect(env).toMatchObject({
      PORT: 9090,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      OPSBOT_CONFIG: '/etc/opsbot.yaml',
      OPSBOT_DATA_DIR: '/var/lib/opsbot',
      OPSBOT_INSTANCE: 'replica-1',
      NODE_ENV: 'production',
    });
    expect(env.variables.OTHER).toBe('x');
  });

  it('treats unset and empty alike', () => {
    const env = readEnvironment({ PORT: '', HOST: '  ' });
    expect(env.PORT).toBeUndefined();
    expect(env.HOST).toBeUndefined();
    expect(env.LOG_LEVEL).toBeUndefined();
    expect(env.OPSBOT_CONFIG).toBeUndefined();
  });

  it('reports every bad variable at once', () => {
    const read = () => readEnvironment({ PORT: '80a', LOG_LEVEL: 'verbose' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(
      'environment PORT: "80a" is not a port number (1-65535)\n' +
        'environment LOG_LEVEL: "verbose" must be one of trace, debug, info, warn, error, fatal',
    );
    expect(() => readEnvironment({ PORT: '70000' })).toThrow('environment PORT: "70000" is not a port number (1-65535)');
  });

  it('snapshots the variables instead of keeping a live reference', () => {
    const vars: Record<string, string> = { A: '1' };
    const env = readEnvironment(vars);
    vars.A = '2';
    expect(env.variables.A).toBe('1');
  });
});

describe('interpolate', () => {
  const env = { TOKEN: 's3cret', EMPTY: '', DIR: '/data' };

  it('replaces ${VAR} and reports what came from the environment', () => {
    expect(interpolate('Bearer ${TOKEN}', env)).toEqual({
      value: 'Bearer s3cret',
      fromEnv: [{ name: 'TOKEN', value: 's3cret' }],
      missing: [],
      malformed: [],
    });
  });

  it('uses the default when the variable is unset or empty, and does not count it as from the environment', () => {
    expect(interpolate('${NOPE:-./data}/db', env)).toMatchObject({ value: './data/db', fromEnv: [] });
    expect(interpolate('${EMPTY:-x}', env)).toMatchObject({ value: 'x', fromEnv: [] });
    expect(interpolate('${DIR:-./data}/db', env)).toMatchObject({ value: '/data/db', fromEnv: [{ name: 'DIR', value: '/data' }] });
    expect(interpolate('${NOPE:-}', env)).toMatchObject({ value: '', missing: [] });
  });

  it('gives an empty string for a set but empty variable without default', () => {
    expect(interpolate('${EMPTY}', env)).toMatchObject({ value: '', missing: [], fromEnv: [{ name: 'EMPTY', value: '' }] });
  });

  it('reports missing and malformed references', () => {
    expect(interpolate('${A}-${TOKEN}-${B}', env)).toMatchObject({ value: '-s3cret-', missing: ['A', 'B'] });
    expect(interpolate('${not valid} ${UNCLOSED', env).malformed).toEqual(['${not valid}', '${UNCLOSED']);
    expect(interpolate('${A:-${B}}', env).malformed).toEqual(['${A:-${B}']);
  });

  it('leaves other dollars alone and unescapes $${', () => {
    expect(interpolate('cost $5, $HOME, $${TOKEN}', env)).toMatchObject({ value: 'cost $5, $HOME, ${TOKEN}', fromEnv: [] });
  });

  it('never re-reads substituted text', () => {
    expect(interpolate('${X}', { X: '${TOKEN}' }).value).toBe('${TOKEN}');
  });
});
