import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/adapters/shell/table.js';
import { renderText } from '../../src/adapters/shell/render.js';

/** The cell where each column starts, read from the dashed rule under the headings. */
function columnStarts(rendered: string): number[] {
  const rule = rendered.split('\n')[1] ?? '';
  return [...rule.matchAll(/-+/g)].map((m) => m.index);
}

/** The terminal cell at which `needle` starts on `line`. */
function cellOf(line: string, needle: string): number {
  return stringWidth(line.slice(0, line.indexOf(needle)));
}

describe('shell tables', () => {
  it('lines up columns after CJK text and emoji, which take two cells each', () => {
    const rendered = renderTable(['target', 'why', 'by'], [['demo', '发布冻结', 'olga'], ['web', '🚀 launch', 'sam'], ['db', 'plain', 'carl']]);
    const [, , ...rows] = rendered.split('\n');
    const starts = columnStarts(rendered);
    expect(rows.map((line) => cellOf(line, line.split(/\s{2,}/)[2] ?? ''))).toEqual([starts[2], starts[2], starts[2]]);
  });

  it('cuts nothing when there is no width to fit', () => {
    const long = `${'word '.repeat(40)}end`;
    const rendered = renderTable(['command', 'what it does'], [[`schedule [<action>] [<name>] [<"cron">] [--tz <tz>] [--announce <announce>]`, long]]);
    expect(rendered).toContain('[--announce <announce>]');
    expect(rendered).toContain(long);
    expect(rendered).not.toContain('…');
  });

  it('wraps the widest columns to fit a terminal, keeping every word and every line within the width', () => {
    const usage = 'schedule [<action>] [<name>] [<"cron">] [--tz <tz>] [--announce <announce>] [--to <to>]';
    const summary = 'List, add, pause, resume or remove schedules: timed announcements, or commands run as a service account.';
    const rendered = renderTable(['command', 'what it does'], [[usage, summary], ['help', 'Explain one.']], 80);
    const lines = rendered.split('\n');
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(80);
    const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '' && !/^-+$/.test(w));
    expect(words(rendered)).toEqual(expect.arrayContaining([...words(usage), ...words(summary)]));
    expect(lines.length).toBeGreaterThan(4);
    // The row after a wrapped one still starts at the left edge, with its summary in the second column.
    const helpLine = lines.find((l) => l.startsWith('help')) ?? '';
    expect(cellOf(helpLine, 'Explain')).toBe(columnStarts(rendered)[1]);
  });

  it('never narrows a column below its heading or twelve cells, even on a tiny terminal', () => {
    const rendered = renderTable(['a-long-heading', 'b'], [['x'.repeat(30), 'y'.repeat(30)]], 10);
    expect(columnStarts(rendered)).toEqual([0, 16]);
    expect(rendered.replace(/\s/g, '')).toContain('x'.repeat(14));
  });

  it('renderText passes the width to tables', () => {
    const message = { tone: 'neutral' as const, blocks: [{ kind: 'table' as const, columns: ['a', 'b'], rows: [['one two three four five six seven', 'eight nine ten eleven twelve thirteen']] }] };
    expect(renderText(message).split('\n')).toHaveLength(3);
    expect(renderText(message, { width: 40 }).split('\n').length).toBeGreaterThan(3);
  });
});
