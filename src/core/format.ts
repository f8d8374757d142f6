/** Compact UTC timestamps for chat tables: `2026-11-22 21:40:05Z`. */
export function formatTime(date: Date | null): string {
  return date === null ? '—' : `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Keeps the last `maxLines` lines and at most `maxChars` characters, saying how much was left out. */
export function tail(text: string, maxLines: number, maxChars: number): string {
  const lines = text.split('\n');
  let kept = lines.slice(-maxLines).join('\n');
  if (kept.length > maxChars) kept = kept.slice(kept.length - maxChars);
  const omitted = text.length - kept.length;
  return omitted > 0 ? `… (${omitted} earlier characters not shown)\n${kept}` : kept;
}

/**
 * Text shown as inline code whatever it holds: a job's command line is typed by a person, and a
 * backtick in it (`--reason "see \`x\`"`) would end a plain one-backtick span early and let the rest
 * be read as markdown (a link, emphasis) in the bot's post. As CommonMark code spans work, the fence
 * is one backtick longer than any run inside, with a space inside it where the text starts or ends
 * with a backtick; line breaks (which a blank line would turn into a paragraph end) become spaces,
 * as a code span shows them anyway.
 */
export function inlineCode(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  if (!flat.includes('`')) return `\`${flat}\``;
  const longest = Math.max(...[...flat.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
