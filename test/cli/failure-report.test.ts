/** What the command line prints for a failure: causes one line each, secrets masked, stacks only for bugs. */
import { describe, expect, it } from 'vitest';
import { reportFailure } from '../../src/cli/failure-report.js';
import { ConfigError } from '../../src/config/errors.js';
import { ConflictError } from '../../src/core/errors.js';
import { StoreOpenError } from '../../src/store/errors.js';

function systemError(message: string, code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, syscall });
}

describe('reportFailure', () => {
  it('shows why the store could not be opened, one line per cause, without a stack', () => {
    const driver = Object.assign(new Error('password authentication failed for user "opsbot"'), { code: '28P01', severity: 'FATAL' });
    const report = reportFailure(new StoreOpenError('store migration (setup) failed on postgres', { cause: driver }), []);
    expect(report).toEqual({ text: 'opsbot: store migration (setup) failed on postgres\n  caused by: password authentication failed for user "opsbot"\n', exitCode: 1 });
  });

  it('names each address of a refused connection (an AggregateError has no message of its own)', () => {
    const refused = new AggregateError([systemError('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED', 'connect'), systemError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED', 'connect')], '');
    const report = reportFailure(new StoreOpenError('store migration (setup) failed on postgres', { cause: refused }), []);
    expect(report.text).toBe('opsbot: store migration (setup) failed on postgres\n  caused by: connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432\n');
  });

  it('masks the secrets in every line, the causes included', () => {
    const cause = new Error('cannot parse postgres://opsbot:hunter2-pw@db:5432/opsbot');
    const report = reportFailure(new StoreOpenError('opening postgres://opsbot:hunter2-pw@db:5432/opsbot failed', { cause }), ['hunter2-pw']);
    expect(report.text).not.toContain('hunter2-pw');
    expect(report.text).toBe('opsbot: opening postgres://opsbot:***@db:5432/opsbot failed\n  caused by: cannot parse postgres://opsbot:***@db:5432/opsbot\n');
  });

  it('names a file the operator gave as given, though it lies under a substituted directory', () => {
    const error = Object.assign(systemError("ENOENT: no such file or directory, open '/srv/data/out/audit.jsonl'", 'ENOENT', 'open'), { path: '/srv/data/out/audit.jsonl' });
    expect(reportFailure(error, ['/srv/data']).text).toBe("opsbot: ENOENT: no such file or directory, open '/srv/data/out/audit.jsonl'\n");
  });

  it('prints a system error (a taken port) and an opsbot error as one line', () => {
    expect(reportFailure(systemError('listen EADDRINUSE: address already in use 127.0.0.1:8080', 'EADDRINUSE', 'listen'), []).text).toBe('opsbot: listen EADDRINUSE: address already in use 127.0.0.1:8080\n');
    expect(reportFailure(new ConflictError('`web` is locked.'), []).text).toBe('opsbot: `web` is locked.\n');
  });

  it('prints a config error as check-config does, exit 2', () => {
    const error = new ConfigError([{ source: '/etc/opsbot.yaml', line: 3, col: 5, path: 'schedules.nightly', reason: 'bad' }]);
    expect(reportFailure(error, [])).toEqual({ text: '/etc/opsbot.yaml:3:5 schedules.nightly: bad\n', exitCode: 2 });
  });

  it('keeps the stack of an unforeseen error (a bug), and still lists its causes', () => {
    const bug = new TypeError('cannot read properties of undefined', { cause: new Error('inner\nsecond line') });
    const report = reportFailure(bug, []);
    expect(report.exitCode).toBe(1);
    expect(report.text).toMatch(/^opsbot: TypeError: cannot read properties of undefined\n {4}at /);
    expect(report.text).toMatch(/\n {2}caused by: inner second line\n$/);
  });

  it('stops at a cause chain that loops', () => {
    const a = new StoreOpenError('a', { cause: null });
    const b = new Error('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect(reportFailure(a, []).text).toBe('opsbot: a\n  caused by: b\n');
  });
});
