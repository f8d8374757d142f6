/** The job output buffer: a bounded tail, secrets masked on the way in. */
import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../src/core/jobs/output.js';

describe('OutputBuffer', () => {
  it('keeps every line while under the limit', () => {
    const out = new OutputBuffer(1_024, []);
    out.append('PLAY [web] ***');
    out.append('TASK [deploy]\nok: [web-1]');
    expect(out.toString()).toBe('PLAY [web] ***\nTASK [deploy]\nok: [web-1]');
  });

  it('splits CRLF output into lines', () => {
    const out = new OutputBuffer(1_024, []);
    out.append('one\r\ntwo');
    expect(out.toString()).toBe('one\ntwo');
  });

  it('drops the oldest lines beyond the limit and says how many', () => {
    const out = new OutputBuffer(100, []);
    for (let i = 1; i <= 30; i += 1) out.append(`line ${String(i).padStart(2, '0')}`);
    const [head, ...kept] = out.toString().split('\n');
    // Each line is 7 bytes plus its newline: 12 fit in 100 bytes.
    expect(head).toBe('… 18 earlier lines not kept');
    expect(kept).toHaveLength(12);
    expect(kept[0]).toBe('line 19');
    expect(kept.at(-1)).toBe('line 30');
  });

  it('bounds a single line longer than the limit, keeping its end', () => {
    const out = new OutputBuffer(64, []);
    out.append(`${'x'.repeat(10_000)} the end`);
    const text = out.toString();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(64);
    expect(text.endsWith(' the end')).toBe(true);
  });

  it('bounds a long line of multi-byte characters in bytes, not characters', () => {
    const out = new OutputBuffer(64, []);
    out.append('ż'.repeat(1_000));
    expect(Buffer.byteLength(out.toString())).toBeLessThanOrEqual(64);
    expect(out.toString()).toMatch(/ż$/);
  });

  it('masks every secret in appended text, the longest first', () => {
    const out = new OutputBuffer(1_024, ['hunter2', 'hunter2-admin']);
    out.append('login admin:hunter2-admin then hunter2');
    expect(out.toString()).toBe('login admin:*** then ***');
  });

  it('masks secrets in the text it is asked to redact (errors, steps)', () => {
    const out = new OutputBuffer(1_024, ['s3cr3t']);
    expect(out.redact('bad token s3cr3t')).toBe('bad token ***');
  });
});
