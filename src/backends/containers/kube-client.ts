/**
 * The few Kubernetes API calls scaling needs (read a deployment, read and replace its `scale`
 * subresource), over node:http(s) with the cluster's CA, a bearer token or a client certificate.
 *
 * Why not @kubernetes/client-node (installed): its 2.x depends on undici 8, which needs Node >= 22.19
 * and throws at import on Node 20 (`zlib.createZstdDecompress` is missing), so importing it would stop
 * the whole bot from starting on the Node versions opsbot supports.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parse as parseYaml } from 'yaml';
import { BackendError } from '../../core/errors.js';

export interface KubeConnection {
  readonly server: string;
  readonly token: string | null;
  readonly ca: string | null;
  readonly cert: string | null;
  readonly key: string | null;
  readonly insecureSkipTlsVerify: boolean;
}

export interface KubeReply {
  readonly status: number;
  readonly body: unknown;
}

export class KubeClient {
  constructor(
    private readonly connection: KubeConnection,
    private readonly timeoutMs: number,
  ) {}

  get server(): string {
    return this.connection.server;
  }

  async request(method: 'GET' | 'PUT', path: string, body: unknown, signal: AbortSignal): Promise<KubeReply> {
    signal.throwIfAborted();
    const url = new URL(path.replace(/^\//, ''), this.connection.server.endsWith('/') ? this.connection.server : `${this.connection.server}/`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.token !== null) headers.authorization = `Bearer ${this.connection.token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const tls = url.protocol === 'https:';
    const options = {
      method,
      headers,
      signal: AbortSignal.any([signal, deadline]),
      ...(tls
        ? {
            rejectUnauthorized: !this.connection.insecureSkipTlsVerify,
            ...(this.connection.ca === null ? {} : { ca: this.connection.ca }),
            ...(this.connection.cert === null ? {} : { cert: this.connection.cert }),
            ...(this.connection.key === null ? {} : { key: this.connection.key }),
          }
        : {}),
    };
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = (tls ? httpsRequest : httpRequest)(url, options, resolve);
        req.on('error', reject);
        req.end(payload);
      });
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown = text;
      try {
        parsed = text === '' ? null : (JSON.parse(text) as unknown);
      } catch {
        // not JSON: keep the text for the message
      }
      return { status: response.statusCode ?? 0, body: parsed };
    } catch (error: unknown) {
      if (signal.aborted) throw signal.reason as Error;
      if (deadline.aborted) throw new BackendError(`Kubernetes did not answer within ${Math.round(this.timeoutMs / 1000)} s (${method} ${url.pathname}).`, 'kubernetes', { cause: error });
      throw new BackendError(`Cannot reach Kubernetes at ${url.origin}: ${error instanceof Error ? error.message : String(error)}.`, 'kubernetes', { cause: error });
    }
  }
}

/** The `message` of a Kubernetes Status body, or the text. */
export function statusMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') return body.message;
  if (typeof body === 'string' && body.trim() !== '') return body.trim().slice(0, 300);
  return 'no message';
}

interface KubeconfigFile {
  readonly 'current-context'?: string;
  readonly contexts?: readonly { readonly name?: string; readonly context?: { readonly cluster?: string; readonly user?: string } }[];
  readonly clusters?: readonly { readonly name?: string; readonly cluster?: Record<string, unknown> }[];
  readonly users?: readonly { readonly name?: string; readonly user?: Record<string, unknown> }[];
}

/**
 * A connection from a kubeconfig file: the named (or current) context's cluster and user, with
 * token, token file or client certificate (inline `-data` or file paths). Exec and auth-provider
 * plugins are not supported: they run programs, which opsbot does not do on a config's say-so.
 */
export function connectionFromKubeconfig(file: string, context: string | null): KubeConnection {
  const doc = parseYaml(readFileSync(file, 'utf8')) as KubeconfigFile;
  const wanted = context ?? doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === wanted)?.context;
  if (ctx === undefined) throw new BackendError(`The kubeconfig ${file} has no context ${wanted ?? '(none is current)'}.`, 'kubernetes');
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster ?? {};
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const inline = (data: unknown, path: unknown): string | null => {
    const d = text(data);
    if (d !== null) return Buffer.from(d, 'base64').toString('utf8');
    const p = text(path);
    return p === null ? null : readFileSync(p, 'utf8');
  };
  const server = text(cluster.server);
  if (server === null) throw new BackendError(`The kubeconfig ${file} names no server for context ${wanted ?? ''}.`, 'kubernetes');
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    throw new BackendError(`The kubeconfig user of context ${wanted ?? ''} authenticates with a plugin (exec/auth-provider), which opsbot does not run: use a service account token.`, 'kubernetes');
  }
  const tokenFile = text(user.tokenFile);
  return {
    server,
    token: text(user.token) ?? (tokenFile === null ? null : readFileSync(tokenFile, 'utf8').trim()),
    ca: inline(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: inline(user['client-certificate-data'], user['client-certificate']),
    key: inline(user['client-key-data'], user['client-key']),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}
