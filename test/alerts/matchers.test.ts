/** Silence matchers are parsed strictly into data; sender verification compares in constant time. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/adapters/alerts/verify.js';
import { UsageError } from '../../src/core/errors.js';
import { formatMatchers, matchesAll, parseMatchers } from '../../src/core/alerts/matchers.js';
import { conversationFromKey } from '../../src/core/alerts/routing.js';
import { normaliseSeverity, zabbixSeverity } from '../../src/core/alerts/severity.js';

describe('parseMatchers', () => {
  it('reads the four operators, commas, braces and quoted values', () => {
    expect(parseMatchers('alertname=HighCPU, instance=~"web-.*" ,env!=dev,job!~"(a|b)"')).toEqual([
      { name: 'alertname', value: 'HighCPU', isRegex: false, isEqual: true },
      { name: 'instance', value: 'web-.*', isRegex: true, isEqual: true },
      { name: 'env', value: 'dev', isRegex: false, isEqual: false },
      { name: 'job', value: '(a|b)', isRegex: true, isEqual: false },
    ]);
    expect(parseMatchers('{alertname="Disk \\"full\\", really", team="a\\\\b"}')).toEqual([
      { name: 'alertname', value: 'Disk "full", really', isRegex: false, isEqual: true },
      { name: 'team', value: 'a\\b', isRegex: false, isEqual: true },
    ]);
  });

  it.each([
    ['', /no matcher/],
    ['alertname', /expected =, !=, =~ or !~/],
    ['=x', /expected a label name/],
    ['9a=x', /expected a label name/],
    ['a=', /has no value/],
    ['a="x', /not closed/],
    ['{a=x', /not closed/],
    ['a=x b=y', /expected a comma/],
    ['a=~"("', /not a valid regular expression/],
    ['a=~".*"', /would silence everything/],
    ['a=~"(?=x)y"', /not a valid regular expression \(invalid or unsupported Perl syntax/],
    ['a=~"x{300}y{300}"', /too complex a regular expression/],
    ['a!=x', /would silence everything/],
    [`a="${'x'.repeat(300)}"`, /longer than 256/],
    [Array.from({ length: 21 }, (_, i) => `l${i}=x`).join(','), /more than 20/],
  ])('refuses %j', (text, reason) => {
    expect(() => parseMatchers(text)).toThrow(UsageError);
    expect(() => parseMatchers(text)).toThrow(reason);
  });

  it('round-trips through its canonical text', () => {
    const matchers = parseMatchers('a=1,b!~"x|y",c="with space"');
    expect(formatMatchers(matchers)).toBe('{a="1", b!~"x|y", c="with space"}');
    expect(parseMatchers(formatMatchers(matchers))).toEqual(matchers);
  });

  it('matches like Alertmanager: anchored regexes, a missing label is empty', () => {
    const m = parseMatchers('instance=~"web-[0-9]+",env!="prod"');
    expect(matchesAll(m, { instance: 'web-12' })).toBe(true);
    expect(matchesAll(m, { instance: 'xweb-12' })).toBe(false);
    expect(matchesAll(m, { instance: 'web-12', env: 'prod' })).toBe(false);
  });

  it('reads regexes as Alertmanager does (RE2): flags, POSIX classes, the whole value', () => {
    const m = parseMatchers('alertname=~"(?i)disk.*",instance=~"[[:alpha:]]+-[0-9]+"');
    expect(matchesAll(m, { alertname: 'DiskFull', instance: 'web-1' })).toBe(true);
    expect(matchesAll(m, { alertname: 'DiskFull', instance: 'web-1 ' })).toBe(false);
  });

  it('matches a regex that backtracks catastrophically in JavaScript in one pass over the label', () => {
    // In V8 this pattern against 30 characters takes hours, and would hold every request meanwhile.
    const m = parseMatchers('alertname=~"(.*.*)*!"');
    expect(matchesAll(m, { alertname: 'x'.repeat(30) })).toBe(false);
    expect(matchesAll(m, { alertname: 'x'.repeat(10_000) })).toBe(false);
    expect(matchesAll(m, { alertname: `${'x'.repeat(10_000)}!` })).toBe(true);
  });
});

describe('severity words', () => {
  it('maps every source onto one scale, unknown words to unknown', () => {
    expect(['critical', 'page', 'Disaster', 'major', 'High', 'warning', 'Average', 'informational', 'cleared', 'whatever', undefined].map((w) => normaliseSeverity(w))).toEqual([
      'critical',
      'critical',
      'critical',
      'error',
      'error',
      'warning',
      'warning',
      'info',
      'info',
      'unknown',
      'unknown',
    ]);
    expect([0, 1, 2, 3, 4, 5, 9].map(zabbixSeverity)).toEqual(['info', 'info', 'warning', 'warning', 'error', 'critical', 'unknown']);
  });
});

describe('conversationFromKey', () => {
  it('splits at the first colon only (Teams ids have colons)', () => {
    expect(conversationFromKey('teams:19:abc@thread.tacv2')).toEqual({ platform: 'teams', id: '19:abc@thread.tacv2' });
    expect(() => conversationFromKey('slack:x')).toThrow();
    expect(() => conversationFromKey('mattermost:')).toThrow();
  });
});

describe('verify', () => {
  const body = Buffer.from('{"alerts":[]}');
  const now = new Date('2026-01-15T12:00:00Z');
  const hmac = { kind: 'hmac' as const, secret: 's', header: 'x-sig', timestampHeader: 'x-ts', maxSkew: 300_000 };
  const ts = String(now.getTime() / 1000);
  const sig = createHmac('sha256', 's').update(`${ts}:`).update(body).digest('hex');

  it("checks Grafana's timestamped signature and its age", () => {
    expect(verify(hmac, { 'x-sig': sig, 'x-ts': ts }, body, now)).toEqual({ ok: true });
    expect(verify(hmac, { 'x-sig': `sha256=${sig.toUpperCase()}`, 'x-ts': ts }, body, now)).toEqual({ ok: true });
    expect(verify(hmac, { 'x-sig': sig, 'x-ts': String(Number(ts) + 1) }, body, now)).toEqual({ ok: false, reason: 'signature does not match the body' });
    expect(verify(hmac, { 'x-sig': sig, 'x-ts': ts }, body, new Date(now.getTime() + 301_000))).toEqual({ ok: false, reason: 'signature timestamp too old or in the future' });
    expect(verify(hmac, { 'x-sig': sig }, body, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/timestamp header x-ts/) });
  });

  it('accepts bearer tokens of any length without leaking it through a length check', () => {
    const bearer = { kind: 'bearer' as const, token: 'secret-token' };
    expect(verify(bearer, { authorization: 'Bearer secret-token' }, body, now)).toEqual({ ok: true });
    expect(verify(bearer, { authorization: 'bearer secret-token' }, body, now)).toEqual({ ok: true });
    expect(verify(bearer, { authorization: 'Bearer s' }, body, now)).toEqual({ ok: false, reason: 'wrong token' });
    expect(verify(bearer, { authorization: `Bearer ${'x'.repeat(10_000)}` }, body, now)).toEqual({ ok: false, reason: 'wrong token' });
    expect(verify(bearer, { authorization: 'Basic c2VjcmV0LXRva2Vu' }, body, now)).toMatchObject({ ok: false });
  });
});
