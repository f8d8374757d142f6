/**
 * A plain-text table for the terminal. Columns are measured in terminal cells, not UTF-16 units, so
 * CJK text and emoji (two cells each) line up. Nothing is cut: when the rows are wider than the
 * terminal, the widest columns are narrowed and their cells wrap onto more lines.
 */
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

const GAP = '  ';
/** A column is never narrowed below this (or its heading), so wrapped text stays readable. */
const MIN_COLUMN = 12;

export function renderTable(columns: readonly string[], rows: readonly (readonly string[])[], maxWidth = Number.POSITIVE_INFINITY): string {
  const widths = fitWidths(columns, rows, maxWidth);
  const line = (cells: readonly string[]): string[] => {
    const wrapped = widths.map((w, i) => wrapAnsi(cells[i] ?? '', w, { hard: true }).split('\n'));
    const height = Math.max(...wrapped.map((c) => c.length));
    return Array.from({ length: height }, (_, row) => wrapped.map((c, i) => pad(c[row] ?? '', widths[i] ?? 0)).join(GAP).trimEnd());
  };
  return [...line(columns), widths.map((w) => '-'.repeat(w)).join(GAP), ...rows.flatMap(line)].join('\n');
}

/** Each column's natural width; then, while too wide, the widest column gives up one cell. */
function fitWidths(columns: readonly string[], rows: readonly (readonly string[])[], maxWidth: number): number[] {
  const widths = columns.map((c, i) => Math.max(stringWidth(c), ...rows.flatMap((r) => (r[i] ?? '').split('\n').map((part) => stringWidth(part)))));
  const floors = columns.map((c) => Math.max(MIN_COLUMN, stringWidth(c)));
  let total = widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1);
  while (total > maxWidth) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > (floors[i] ?? 0) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total -= 1;
  }
  return widths;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stringWidth(text)));
}
