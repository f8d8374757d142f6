/**
 * SSH runs a command string through the remote user's shell. We send one constant script and the
 * catalogued argv words after it, each in single quotes (a `'` inside becomes `'\''`): the words
 * arrive as "$@", never parsed as shell text.
 *
 * The script also ties the command's life to the connection: sshd does not stop a command when the
 * client goes away (and refuses signal requests for root logins), so a watcher waits for EOF on
 * stdin, which the client sends on cancel, and then terminates the command.
 */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

// A background job's stdin is /dev/null unless redirected: keep the channel's stdin on fd 3.
const SCRIPT = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- & c=$!',
  '( read _ <&3 ; kill -TERM "$c" 2>/dev/null ) & w=$!',
  'exec 3<&-',
  'wait "$c"; s=$?',
  'kill "$w" 2>/dev/null',
  'exit "$s"',
].join('\n');

export function commandLine(argv: readonly string[]): string {
  return ['sh', '-c', SCRIPT, 'opsbot', ...argv].map(shellQuote).join(' ');
}
