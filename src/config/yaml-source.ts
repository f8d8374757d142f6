/**
 * The parsed YAML document, kept (not just its JS value) so every problem can name a line and column.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { ConfigPath } from './config-path.js';
import type { ConfigProblem } from './errors.js';

export interface YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

export interface Position {
  readonly line: number;
  readonly col: number;
}

export type ParsedYaml = { readonly ok: true; readonly source: YamlSource } | { readonly ok: false; readonly problems: ConfigProblem[] };

export function parseYaml(file: string, text: string): ParsedYaml {
  const lines = new LineCounter();
  // YAML 1.2 core schema: `yes`/`on` stay strings, and there are no merge keys to hide typos behind.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, version: '1.2' });
  // Warnings (such as an unknown `!tag`) fail too: the file means something other than it says.
  const issues = [...doc.errors, ...doc.warnings];
  if (issues.length === 0) {
    const source = { file, doc, lines };
    const problems = unresolvedAliases(source);
    return problems.length === 0 ? { ok: true, source } : { ok: false, problems };
  }

  const problems: ConfigProblem[] = [];
  const seenLines = new Set<number>();
  for (const issue of issues) {
    const { line, col } = lines.linePos(issue.pos[0]);
    // One mistake often cascades into several errors on the same line; the first says it best.
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    problems.push({ source: file, line, col, path: '', reason: syntaxReason(issue.message, text, line) });
  }
  return { ok: false, problems };
}

/** yaml parses `*name` without an `&name` anchor and only fails later, in toJS(), with no position. */
function unresolvedAliases(source: YamlSource): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  visit(source.doc, {
    Alias(_, alias) {
      if (alias.resolve(source.doc) !== undefined) return;
      const { line, col } = position(source, alias);
      problems.push({
        source: source.file,
        line,
        col,
        path: '',
        reason: `invalid YAML: unknown alias *${alias.source} (no &${alias.source} anchor before it; write "*..." in quotes for a literal)`,
      });
    },
  });
  return problems;
}

/** yaml's message without its ` at line L, column C:` and code excerpt (we print our own position). */
function syntaxReason(message: string, text: string, line: number): string {
  const reason = `invalid YAML: ${message.replace(/ at line \d+, column \d+:[\s\S]*$/u, '')}`;
  const sourceLine = text.split('\n')[line - 1] ?? '';
  // The two classic traps of a permissions file: a bare `*` is an alias in YAML, and `{ url: ${X} }`
  // opens a flow mapping in the middle of a value.
  if (/alias/iu.test(reason) && /(?:^|[\s[,])\*(?=[\s,\]]|$)/u.test(sourceLine)) return `${reason} (write "*" in quotes: a bare * starts a YAML alias)`;
  if (/[{[]/u.test(sourceLine) && sourceLine.includes('${')) return `${reason} (quote "\${...}" values inside { } or [ ])`;
  return reason;
}

/**
 * Where `path` is written: the value node, or with `at: 'key'` the key that introduces it (the best
 * place to report "missing key" or "unknown key"). Paths the file does not contain (defaults) fall
 * back to the nearest ancestor that it does, and finally to 1:1.
 */
export function locate(source: YamlSource, path: ConfigPath, at: 'key' | 'value' = 'value'): Position {
  let node: unknown = source.doc.contents;
  let best: Node | null = isNode(node) ? node : null;
  for (const [i, segment] of path.entries()) {
    node = isAlias(node) ? node.resolve(source.doc) : node;
    let next: unknown;
    let key: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      next = pair?.value;
      key = pair?.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    const last = i === path.length - 1;
    if (last && at === 'key' && isNode(key)) return position(source, key);
    if (!isNode(next)) {
      // `key:` with no value: the key is the closest thing written.
      if (isNode(key)) return position(source, key);
      break;
    }
    best = next;
    node = next;
  }
  return best === null ? { line: 1, col: 1 } : position(source, best);
}

function isNode(value: unknown): value is Node {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value);
}

function position(source: YamlSource, node: Node): Position {
  const offset = node.range?.[0];
  return offset === undefined ? { line: 1, col: 1 } : source.lines.linePos(offset);
}
