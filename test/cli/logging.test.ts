/** The log line format operators read and ship: JSON, level names, ISO times, secrets masked. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.js';

function captured(level: string, secrets: readonly string[] = []) {
  const lines: string[] = [];
  const logger = createLogger({ level, secrets, destination: { write: (line: string) => void lines.push(line) }, bindings: { instance: 'ops-1' } });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('log lines', () => {
  it('name their level and give the time in ISO 8601 UTC', () => {
    const { logger, entries } = captured('info');
    logger.warn({ job: 7 }, 'chat delivery held back');
    logger.debug('not at info');
    const [entry, ...rest] = entries();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ level: 'warn', msg: 'chat delivery held back', job: 7, instance: 'ops-1' });
    expect(entry?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(String(entry?.time)) - Date.now())).toBeLessThan(60_000);
  });

  it('mask the config secrets in messages, fields and errors', () => {
    const { logger, entries } = captured('info', ['s3cr3t-token-value']);
    logger.error({ err: new Error('login with s3cr3t-token-value refused'), url: 'https://ci/?t=s3cr3t-token-value' }, 'failed with s3cr3t-token-value');
    const text = JSON.stringify(entries());
    expect(text).not.toContain('s3cr3t-token-value');
    expect(entries()[0]).toMatchObject({ level: 'error', msg: 'failed with ***' });
  });
});
