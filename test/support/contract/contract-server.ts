/**
 * A contract-checking HTTP server built on a published OpenAPI (3.x) or Swagger (2.0) file, for the
 * platforms that cannot run here (Mattermost, Teams' Bot Connector, Jenkins, GitLab, Kubernetes,
 * Docker). Every request the bot sends is routed by the spec and validated against it: unknown
 * paths, wrong methods, missing auth, invalid parameters or bodies are recorded as violations and
 * answered 4xx, like a strict server would. Handlers supply responses, which are validated against the
 * spec too, so a test's fake answers cannot drift from the real API either.
 *
 * Tests end with `server.assertClean()`: a fake that accepts anything proves nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import * as openapiBackend from 'openapi-backend';
import type { OpenAPIBackend as OpenAPIBackendClass } from 'openapi-backend';
import addFormats from 'ajv-formats';
import swagger2openapi from 'swagger2openapi';

// openapi-backend is CommonJS: Node and vitest hand it over in different shapes, so look in both.
type BackendClass = typeof OpenAPIBackendClass;
const loaded = openapiBackend as unknown as { OpenAPIBackend?: BackendClass; default?: { OpenAPIBackend?: BackendClass } & BackendClass };
const OpenAPIBackend: BackendClass = loaded.OpenAPIBackend ?? loaded.default?.OpenAPIBackend ?? (loaded.default as BackendClass);
type Backend = InstanceType<typeof OpenAPIBackend>;
type Operation = NonNullable<ReturnType<Backend['matchOperation']>>;

export interface ContractCall {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | string[]>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON, form fields, or the raw text for other content types. */
  readonly body: unknown;
  readonly rawBody: string;
}

export interface ContractReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type ContractHandler = (call: ContractCall) => ContractReply | Promise<ContractReply>;

export interface Violation {
  readonly method: string;
  readonly path: string;
  readonly kind: 'unknown-operation' | 'no-handler' | 'auth' | 'request' | 'response';
  readonly reason: string;
}

export interface ContractServer {
  /** Base URL, e.g. http://127.0.0.1:40123 — the spec's paths are served under `apiRoot`. */
  readonly url: string;
  readonly calls: ContractCall[];
  readonly violations: Violation[];
  /** Sets or replaces the handler for an operationId. */
  on(operationId: string, handler: ContractHandler): void;
  /** Calls of one operation, in order. */
  callsTo(operationId: string): ContractCall[];
  /** Throws with every violation listed, if any. */
  assertClean(): void;
  close(): Promise<void>;
}

export interface ContractServerOptions {
  /** Path of the spec file (YAML or JSON; OpenAPI 3 or Swagger 2). */
  readonly spec: string;
  /** Where the spec's paths are mounted (default '/'). */
  readonly apiRoot?: string;
  readonly handlers?: Readonly<Record<string, ContractHandler>>;
  /** Validate handler replies against the spec's response schemas (default true). */
  readonly validateResponses?: boolean;
  /** Extra auth check on top of the spec's security schemes (e.g. the exact token expected). */
  readonly authorize?: (call: ContractCall, operation: Operation) => string | null;
}

const definitions = new Map<string, Promise<Record<string, unknown>>>();

/** Loads, converts (Swagger 2 → OpenAPI 3) and caches a spec; specs are large and tests reuse them. */
async function loadDefinition(file: string): Promise<Record<string, unknown>> {
  let cached = definitions.get(file);
  if (cached === undefined) {
    cached = (async () => {
      const text = await readFile(file, 'utf8');
      const doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: -1 })) as Record<string, unknown>;
      if (typeof doc.swagger === 'string') {
        const converted = await swagger2openapi.convertObj(doc, { patch: true, warnOnly: true, resolveInternal: false });
        return converted.openapi;
      }
      return doc;
    })();
    definitions.set(file, cached);
  }
  // Each backend dereferences in place: hand out a deep copy.
  return structuredClone(await cached);
}

async function createBackend(file: string, apiRoot: string): Promise<Backend> {
  const definition = await loadDefinition(file);
  const api = new OpenAPIBackend({
    definition: definition as never,
    apiRoot,
    strict: false,
    quick: true, // upstream specs carry small schema defects; quick mode skips the meta-validation that rejects them
    validate: true,
    coerceTypes: true,
    ajvOpts: { strict: false, allErrors: true, logger: false },
    customizeAjv: (ajv) => {
      (addFormats as unknown as (a: unknown) => void)(ajv);
      return ajv;
    },
  });
  await api.init();
  return api;
}

export async function startContractServer(options: ContractServerOptions): Promise<ContractServer> {
  const api = await createBackend(options.spec, options.apiRoot ?? '/');
  const handlers = new Map<string, ContractHandler>(Object.entries(options.handlers ?? {}));
  const calls: ContractCall[] = [];
  const violations: Violation[] = [];
  const validateResponses = options.validateResponses ?? true;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      violations.push({ method: req.method ?? '?', path: req.url ?? '?', kind: 'request', reason: `contract server error: ${String(error)}` });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'contract server error' }));
    });
  });

  const reply = (res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void => {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
    res.end(text);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://contract.invalid');
    const method = (req.method ?? 'GET').toLowerCase();
    const query = Object.fromEntries([...new Set(url.searchParams.keys())].map((k) => {
      const all = url.searchParams.getAll(k);
      return [k, all.length === 1 ? (all[0] as string) : all];
    }));
    const contentType = String(req.headers['content-type'] ?? '');
    const multipart = /^multipart\/form-data/i.test(contentType);
    const body = multipart ? await parseMultipart(rawBody, contentType) : parseBody(rawBody, contentType);
    if (multipart && body === null) {
      violations.push({ method, path: url.pathname, kind: 'request', reason: 'the multipart/form-data body does not parse' });
      reply(res, 400, { message: 'malformed multipart/form-data body' });
      return;
    }
    const request = { method, path: url.pathname, query, headers: req.headers as Record<string, string | string[]>, body };

    const operation = api.matchOperation(request);
    if (operation === undefined) {
      violations.push({ method, path: url.pathname, kind: 'unknown-operation', reason: 'no operation in the spec matches this method and path' });
      reply(res, 404, { message: `no such operation: ${method.toUpperCase()} ${url.pathname}` });
      return;
    }
    const operationId = operation.operationId ?? `${method} ${operation.path}`;
    const params = (api.router.parseRequest(request, operation).params ?? {}) as Record<string, string>;
    const call: ContractCall = { operationId, method, path: url.pathname, params, query, headers: req.headers, body, rawBody };
    calls.push(call);

    const authProblem = checkSecurity(api, operation, call) ?? options.authorize?.(call, operation) ?? null;
    if (authProblem !== null) {
      violations.push({ method, path: url.pathname, kind: 'auth', reason: `${operationId}: ${authProblem}` });
      reply(res, 401, { message: authProblem });
      return;
    }
    const validation = api.validateRequest(request, operation);
    if (!validation.valid) {
      const reason = (validation.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
      violations.push({ method, path: url.pathname, kind: 'request', reason: `${operationId}: ${reason}` });
      reply(res, 400, { message: `request does not match the spec: ${reason}` });
      return;
    }
    const handler = handlers.get(operationId);
    if (handler === undefined) {
      violations.push({ method, path: url.pathname, kind: 'no-handler', reason: `${operationId} was called but the test set no handler for it` });
      reply(res, 501, { message: `unexpected call to ${operationId}` });
      return;
    }
    const answer = await handler(call);
    if (validateResponses && answer.body !== undefined && typeof answer.body !== 'string') {
      const checked = api.validateResponse(answer.body, operation, answer.status);
      if (checked.errors !== null && checked.errors !== undefined && checked.errors.length > 0) {
        const reason = checked.errors.map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
        violations.push({ method, path: url.pathname, kind: 'response', reason: `${operationId} (fake reply ${answer.status}): ${reason}` });
      }
    }
    reply(res, answer.status, answer.body, answer.headers);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    violations,
    on: (operationId, handler) => void handlers.set(operationId, handler),
    callsTo: (operationId) => calls.filter((c) => c.operationId === operationId),
    assertClean() {
      if (violations.length > 0) {
        throw new Error(`contract violations:\n${violations.map((v) => `- [${v.kind}] ${v.method.toUpperCase()} ${v.path}: ${v.reason}`).join('\n')}`);
      }
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string): unknown {
  if (raw === '') return undefined;
  if (/json/i.test(contentType)) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw; // validation reports it as the wrong type
    }
  }
  if (/x-www-form-urlencoded/i.test(contentType)) return Object.fromEntries(new URLSearchParams(raw));
  return raw;
}

/**
 * multipart/form-data as an object of its fields (a file part as its text), so the spec's schema of
 * the form is checked like a JSON body; undici's Response parses it the way a server's form reader
 * would. Null when the body does not parse.
 */
async function parseMultipart(raw: string, contentType: string): Promise<Record<string, string> | null> {
  try {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const fields: Record<string, string> = {};
    for (const [name, value] of form.entries()) fields[name] = typeof value === 'string' ? value : await value.text();
    return fields;
  } catch {
    return null;
  }
}

interface SecurityScheme {
  readonly type: string;
  readonly scheme?: string;
  readonly in?: string;
  readonly name?: string;
}

/**
 * The spec's security requirements, checked for presence and form: a bearer scheme needs
 * `Authorization: Bearer …` (any case: HTTP auth schemes are case-insensitive, and @mattermost/client
 * sends `BEARER`), an API key its header or query parameter. Token values are for `authorize`.
 */
function checkSecurity(api: Backend, operation: Operation, call: ContractCall): string | null {
  const definition = api.definition as { security?: Record<string, string[]>[]; components?: { securitySchemes?: Record<string, SecurityScheme> } };
  const requirements = operation.security ?? definition.security ?? [];
  if (requirements.length === 0) return null;
  const schemes = definition.components?.securitySchemes ?? {};
  const header = (name: string): string | undefined => {
    const value = call.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const satisfied = (name: string): boolean => {
    const scheme = schemes[name];
    if (scheme === undefined) return true;
    const auth = header('authorization') ?? '';
    switch (scheme.type) {
      case 'http':
        return scheme.scheme?.toLowerCase() === 'basic' ? /^basic\s+\S+/i.test(auth) : /^bearer\s+\S+/i.test(auth);
      case 'oauth2':
      case 'openIdConnect':
        return /^bearer\s+\S+/i.test(auth);
      case 'apiKey':
        if (scheme.in === 'header') return (header(scheme.name ?? '') ?? '') !== '';
        if (scheme.in === 'query') return call.query[scheme.name ?? ''] !== undefined;
        return true;
      default:
        return true;
    }
  };
  const ok = requirements.some((requirement) => Object.keys(requirement).every(satisfied));
  return ok ? null : `missing or malformed credentials (needs one of: ${requirements.map((r) => Object.keys(r).join('+') || 'none').join(', ')})`;
}
