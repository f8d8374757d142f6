/**
 * The RemoteCommandPort over node-ssh: key auth only, host keys pinned in known_hosts (checked by our
 * own hostVerifier: ssh2 accepts any key otherwise), a connect timeout, a command timeout, and
 * cancellation that signals the remote command and closes the connection. Only catalogued commands
 * on configured hosts: the ids come from chat, the words from the config.
 */
import type { NodeSSH } from 'node-ssh';
import type { ClientChannel } from 'ssh2';
import type { RemoteCommandPort, RemoteResult } from '../../core/deploy/ports.js';
import { BackendError, NotFoundError, TimeoutError } from '../../core/errors.js';
import type { SshConfig } from '../../config/deploy-types.js';
import { readKnownHosts, verifyHostKey } from './known-hosts.js';
import { commandLine } from './quote.js';

const MAX_OUTPUT = 64 * 1024;
const SIGNAL_GRACE_MS = 2_000;

export function createRemoteCommandPort(config: SshConfig): RemoteCommandPort {
  return {
    hosts: () => Object.keys(config.hosts),
    commands: () => Object.keys(config.commands),
    run: (host, command, signal) => runRemote(config, host, command, signal),
  };
}

export async function runRemote(config: SshConfig, hostName: string, commandId: string, signal: AbortSignal): Promise<RemoteResult> {
  const host = Object.hasOwn(config.hosts, hostName) ? config.hosts[hostName] : undefined;
  if (host === undefined) throw new NotFoundError(`\`${hostName}\` is not an SSH host in the config.`);
  const argv = Object.hasOwn(config.commands, commandId) ? config.commands[commandId] : undefined;
  if (argv === undefined) throw new NotFoundError(`\`${commandId}\` is not a catalogued SSH command.`);
  if (config.knownHosts === null || config.privateKey === null) throw new BackendError('ssh.knownHosts and ssh.privateKey must be configured.', 'ssh');
  signal.throwIfAborted();

  // Read per connection, so a rotated key in known_hosts applies without a restart.
  const known = readKnownHosts(config.knownHosts);
  const verdict: { refusal: string | null } = { refusal: null };
  // Loaded on first use: ssh2 is heavy, and most opsbot processes never open a connection.
  const ssh: NodeSSH = new (await import('node-ssh')).NodeSSH();
  const timeout = AbortSignal.timeout(config.commandTimeout);
  const abort = AbortSignal.any([signal, timeout]);
  let channel: ClientChannel | null = null;
  const onAbort = (): void => {
    // EOF on stdin makes the remote watcher stop the command (see quote.ts); the signal request
    // helps where sshd honours it. The connection closes when the channel has, or soon after.
    const open = channel;
    if (open === null) {
      ssh.dispose();
      return;
    }
    const close = setTimeout(() => ssh.dispose(), SIGNAL_GRACE_MS);
    open.once('close', () => {
      clearTimeout(close);
      ssh.dispose();
    });
    try {
      open.signal('TERM');
      open.end();
    } catch {
      clearTimeout(close);
      ssh.dispose();
    }
  };
  abort.addEventListener('abort', onAbort, { once: true });
  try {
    await ssh.connect({
      host: host.address,
      port: host.port,
      username: host.user,
      privateKeyPath: config.privateKey,
      readyTimeout: config.connectTimeout,
      tryKeyboard: false,
      hostVerifier: (key: Buffer): boolean => {
        verdict.refusal = verifyHostKey(known, host.address, host.port, key);
        return verdict.refusal === null;
      },
    });
    abort.throwIfAborted();
    const connection = ssh.connection;
    if (connection === null) throw new Error('not connected');
    const result = await new Promise<RemoteResult>((resolve, reject) => {
      connection.exec(commandLine(argv), (error, opened) => {
        if (error !== undefined && error !== null) {
          reject(error);
          return;
        }
        channel = opened;
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        opened.on('data', (chunk: Buffer) => {
          stdout = (stdout + chunk.toString('utf8')).slice(-MAX_OUTPUT);
        });
        opened.stderr.on('data', (chunk: Buffer) => {
          stderr = (stderr + chunk.toString('utf8')).slice(-MAX_OUTPUT);
        });
        opened.on('exit', (exitCode: number | null) => {
          code = typeof exitCode === 'number' ? exitCode : null;
        });
        opened.on('close', () => resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() }));
        if (abort.aborted) onAbort();
      });
    });
    abort.throwIfAborted();
    return result;
  } catch (error: unknown) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    if (timeout.aborted) throw new TimeoutError(`SSH command ${commandId} on ${hostName} took longer than ${Math.round(config.commandTimeout / 1000)} s.`);
    if (verdict.refusal !== null) throw new BackendError(`SSH to ${hostName}: ${verdict.refusal}.`, 'ssh', { cause: error });
    throw new BackendError(`SSH to ${hostName} (${host.address}:${host.port}) failed: ${error instanceof Error ? error.message : String(error)}`, 'ssh', { cause: error });
  } finally {
    abort.removeEventListener('abort', onAbort);
    ssh.dispose();
  }
}
