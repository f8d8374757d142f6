/**
 * HAProxy's runtime API over its admin socket: one command per connection, plain text both ways.
 * Success is usually an empty reply; errors come back as text (`No such server.`), so replies are
 * checked, never assumed.
 */
import { createConnection } from 'node:net';
import { BackendError } from '../../core/errors.js';

const MAX_REPLY = 1024 * 1024;

export function haproxyCommand(socket: string, command: string, signal: AbortSignal, timeoutMs = 5_000): Promise<string> {
  if (/[\r\n;]/.test(command)) return Promise.reject(new Error('one runtime API command at a time'));
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    let reply = '';
    let settled = false;
    const conn = createConnection(socket);
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      conn.destroy();
      if (error === null) resolve(reply);
      else reject(error);
    };
    const onAbort = (): void => finish(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const timer = setTimeout(() => finish(new BackendError(`HAProxy socket ${socket} did not answer \`${command}\` within ${timeoutMs} ms.`, 'haproxy')), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${command}\n`));
    conn.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.length > MAX_REPLY) finish(new BackendError('HAProxy reply too large.', 'haproxy'));
    });
    conn.on('end', () => finish(null));
    conn.on('error', (error) => finish(new BackendError(`Cannot reach the HAProxy admin socket ${socket}: ${error.message}.`, 'haproxy', { cause: error })));
  });
}

export interface ServerState {
  readonly name: string;
  /** 0 stopped, 1 starting, 2 running, 3 stopping. */
  readonly opState: number;
  readonly adminState: number;
}

// srv_admin_state bits (haproxy include/haproxy/server-t.h): forced/inherited/resolution/hostname
// maintenance, and forced/inherited drain. CMAINT (0x04, `disabled` in the file) only remembers the
// configured state: `set server … state ready` lifts it without clearing the bit.
const MAINT = 0x01 | 0x02 | 0x20 | 0x40;
const DRAIN = 0x08 | 0x10;

/** Parses `show servers state <backend>`. */
export function parseServersState(reply: string): ServerState[] {
  const lines = reply.split('\n').map((l) => l.trim());
  const header = lines.find((l) => l.startsWith('# '));
  if (header === undefined) throw new BackendError(`Unexpected reply to show servers state: ${reply.trim().slice(0, 200)}`, 'haproxy');
  const columns = header.slice(2).split(/\s+/);
  const col = (name: string): number => {
    const i = columns.indexOf(name);
    if (i < 0) throw new BackendError(`show servers state has no ${name} column.`, 'haproxy');
    return i;
  };
  const [name, op, admin] = [col('srv_name'), col('srv_op_state'), col('srv_admin_state')];
  return lines
    .filter((l) => l !== '' && !l.startsWith('#') && /^\d+\s/.test(l))
    .map((l) => l.split(/\s+/))
    .map((f) => ({ name: f[name] ?? '', opState: Number(f[op]), adminState: Number(f[admin]) }));
}

/** True when the server takes new traffic. */
export function serving(state: ServerState): boolean {
  return state.opState === 2 && (state.adminState & MAINT) === 0 && (state.adminState & DRAIN) === 0;
}
