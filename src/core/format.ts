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
