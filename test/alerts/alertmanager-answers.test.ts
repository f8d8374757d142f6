/**
 * Alertmanager answering with something its API does not document (a proxy's page with a 200, another
 * API version, the wrong service behind the URL). A proxy in front of the real Alertmanager passes
 * each request on and damages the real answer in one place; opsbot's client then reads it or fails
 * with a BackendError naming Alertmanager and what it asked for, never with a TypeError.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient, type AlertmanagerSilence } from '../../src/backends/alertmanager/client.js';
import { BackendError, isOpsbotError } from '../../src/core/errors.js';
import type { NewSilence } from '../../src/core/alerts/service.js';
import { replaceAt } from '../support/mutate.js';
import { startAlertmanager, type RunningAlertmanager } from './support/alertmanager.js';

const CONFIG = ['route:', '  receiver: blackhole', 'receivers:', '  - name: blackhole', ''].join('\n');

let am: RunningAlertmanager;
let proxy: Server;
let proxyUrl: string;
/** What the proxy does to each answer Alertmanager gives (JSON text in, text out). */
let damage: (answer: string) => string = (answer) => answer;

beforeAll(async () => {
  am = await startAlertmanager(CONFIG);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      if (req.headers['content-type'] !== undefined) headers['content-type'] = req.headers['content-type'];
      fetch(`${am.url}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) })
        .then(async (answer) => {
          const text = await answer.text();
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.ok ? damage(text) : text);
        })
        .catch((error: unknown) => res.writeHead(502).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await am.stop();
});

const client = (): AlertmanagerClient => new AlertmanagerClient({ url: proxyUrl, bearer: null, timeout: 5_000 });
const signal = (): AbortSignal => AbortSignal.timeout(10_000);

function silence(comment: string): NewSilence {
  const now = Date.now();
  return {
    matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }],
    startsAt: new Date(now),
    endsAt: new Date(now + 3_600_000),
    createdBy: 'mattermost:u-olga',
    comment,
  };
}

/** Damages the JSON of an answer at `path` (see replaceAt); a removed root is an empty body. */
function atPath(path: readonly number[], replacement: unknown): (answer: string) => string {
  return (answer) => JSON.stringify(replaceAt(JSON.parse(answer), path, replacement)) ?? '';
}

/**
 * Resolves with what opsbot then reads (`read` throws on a value it cannot use), or rejects with one of
 * opsbot's own errors: anything else escapes the test.
 */
async function readsOrRefuses<T>(call: Promise<T>, read: (value: T) => void): Promise<void> {
  await call.then(read, (error: unknown) => {
    if (!isOpsbotError(error)) throw error;
  });
}

function readId(id: string): void {
  expect(id).toMatch(/^[A-Za-z0-9-]{1,64}$/);
}

function readSilence(found: AlertmanagerSilence | null): void {
  if (found === null) return;
  expect(typeof found.status.state).toBe('string');
  for (const matcher of found.matchers) expect([typeof matcher.name, typeof matcher.value, typeof matcher.isRegex]).toEqual(['string', 'string', 'boolean']);
  expect([found.comment, found.createdBy, found.startsAt, found.endsAt].every((field) => typeof field === 'string')).toBe(true);
}

describe('Alertmanager answers opsbot cannot read', () => {
  it('a new silence answered without its id is a BackendError that names the field', async () => {
    damage = () => '{}';
    const created = client().create(silence('without id'), signal());
    await expect(created).rejects.toThrow(BackendError);
    await expect(created).rejects.toThrow('Alertmanager answered the new silence with JSON opsbot cannot read: the answer lacks `silenceID`.');
  });

  it('a page that is not JSON, answered with a 200, is a BackendError', async () => {
    damage = () => '<html><body>Welcome to nginx!</body></html>';
    await expect(client().create(silence('html'), signal())).rejects.toThrow('Alertmanager answered the new silence with something that is not JSON.');
  });

  it('a silence read back with a matcher of the wrong type is a BackendError that names the field', async () => {
    damage = (answer) => answer;
    const id = await client().create(silence('to read back'), signal());
    damage = (answer) => answer.replace('"isRegex":false', '"isRegex":"no"');
    await expect(client().get(id, signal())).rejects.toThrow(`Alertmanager answered silence ${id} with JSON opsbot cannot read: \`/matchers/0/isRegex\` must be boolean.`);
  });

  it('whatever one node of a real answer is changed to, creating or reading a silence reads it or refuses it', async () => {
    damage = (answer) => answer;
    const id = await client().create(silence('the one read back'), signal());
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 4 }), fc.oneof(fc.jsonValue(), fc.constant(undefined)), async (path, replacement) => {
        damage = atPath(path, replacement);
        await readsOrRefuses(client().create(silence('damaged'), signal()), readId);
        await readsOrRefuses(client().get(id, signal()), readSilence);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
