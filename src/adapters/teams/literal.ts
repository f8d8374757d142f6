/**
 * Adaptive Cards read a TextBlock's text as markdown (bold, italic, lists, links) and know no inline
 * code: what opsbot quotes in backticks, a typed command or an unknown command's name, is shown with
 * its backticks but still parsed. A `[label](https://…)` in it would become a link in the bot's card
 * whose label hides where it goes, posted under the bot's name. A zero-width space between `]` and
 * `(` keeps what is shown and breaks the link; a bare URL stays a plain, visible link.
 */

const LINK_JOIN = /\](\s*)\(/g;
/** A code span as CommonMark finds one: a run of backticks, then the same run closing it. */
const CODE_SPAN = /(`+)([\s\S]*?[^`])\1(?!`)/g;

/** Text that is all literal (a log, a code block): no markdown link survives in it. */
export function literal(text: string): string {
  return text.replace(LINK_JOIN, ']\u200B$1(');
}

/** Text with opsbot's own markdown, and quoted spans (in backticks) whose content is kept literal. */
export function literalCodeSpans(text: string): string {
  return text.includes('`') ? text.replace(CODE_SPAN, (span: string) => literal(span)) : text;
}
