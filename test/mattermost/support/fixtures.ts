/** The upstream Mattermost samples in ../shared/fixtures/mattermost, read as Mattermost would send them. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../support/shared.js';

export interface RawRequest {
  readonly name: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function fixtureDir(): string {
  return join(sharedDir(), 'fixtures', 'mattermost');
}

/** An .http sample: request line, headers, blank line, body (kept exactly as written). */
export function parseHttpFile(name: string, text: string): RawRequest {
  const normalized = text.replace(/\r\n/g, '\n');
  const split = normalized.indexOf('\n\n');
  const head = split < 0 ? normalized : normalized.slice(0, split);
  const body = split < 0 ? '' : normalized.slice(split + 2);
  const headers: Record<string, string> = {};
  for (const line of head.split('\n').slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    // The transport's own headers are recomputed for the body as sent (the samples wrap its lines).
    if (colon > 0 && !['content-length', 'host', 'accept-encoding'].includes(name)) headers[name] = line.slice(colon + 1).trim();
  }
  return { name, headers, body: body.trimEnd() };
}

/** Every slash command sample: the .http requests, the bare bodies, and the contracts' form example. */
export function slashCommandSamples(): RawRequest[] {
  const dir = fixtureDir();
  const samples: RawRequest[] = [];
  for (const file of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    if (file.endsWith('.http') && /slash_command/.test(file)) samples.push(parseHttpFile(file, text));
    else if (file.endsWith('.txt') && /slash_command/.test(file)) samples.push({ name: file, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: text.trim() });
  }
  const example = join(sharedDir(), 'contracts', 'mattermost', 'examples', 'slash-command-request.form.txt');
  samples.push(parseHttpFile('contracts/examples/slash-command-request.form.txt', readFileSync(example, 'utf8')));
  return samples;
}

/** Every button-click sample (JSON). */
export function actionSamples(): { name: string; body: unknown }[] {
  const dir = fixtureDir();
  const out = readdirSync(dir)
    .filter((f) => /action_request.*\.json$/.test(f))
    .sort()
    .map((f) => ({ name: f, body: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown }));
  for (const f of ['action-request.json', 'action-request.select.json']) {
    out.push({ name: `contracts/examples/${f}`, body: JSON.parse(readFileSync(join(sharedDir(), 'contracts', 'mattermost', 'examples', f), 'utf8')) as unknown });
  }
  return out;
}

/** `trigger -> token` as a sample's own fields say (a real Mattermost would send its configured token). */
export function triggerAndToken(sample: RawRequest): { trigger: string; token: string } {
  const form = new Map<string, string>();
  for (const pair of sample.body.split('&')) {
    const params = new URLSearchParams(pair.trim());
    for (const [k, v] of params) if (!form.has(k)) form.set(k, v);
  }
  return { trigger: (form.get('command') ?? '').replace(/^\//, ''), token: form.get('token') ?? '' };
}

/**
 * Every outgoing webhook sample: the .http request, the bare form body and the JSON payloads (the
 * fixtures' and the contracts' example), each with the content type Mattermost sends it with.
 */
export function outgoingWebhookSamples(): RawRequest[] {
  const dir = fixtureDir();
  const samples: RawRequest[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!/outgoing_webhook/.test(file)) continue;
    const text = readFileSync(join(dir, file), 'utf8');
    if (file.endsWith('.http')) samples.push(parseHttpFile(file, text));
    else if (file.endsWith('.txt')) samples.push({ name: file, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: text.trim() });
    else if (file.endsWith('.json')) samples.push({ name: file, headers: { 'content-type': 'application/json' }, body: text });
  }
  const example = join(sharedDir(), 'contracts', 'mattermost', 'examples', 'outgoing-webhook-payload.json');
  samples.push({ name: 'contracts/examples/outgoing-webhook-payload.json', headers: { 'content-type': 'application/json' }, body: readFileSync(example, 'utf8') });
  return samples;
}

/** An outgoing webhook sample's own fields, whichever its encoding (form values as strings). */
export function webhookPayload(sample: RawRequest): Record<string, unknown> {
  if (/json/i.test(sample.headers['content-type'] ?? '')) return JSON.parse(sample.body) as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const pair of sample.body.split('&')) {
    for (const [k, v] of new URLSearchParams(pair.trim())) if (!(k in fields)) fields[k] = v;
  }
  return fields;
}

/** A sample re-encoded the way it came (form or JSON) with some fields replaced. */
export function withFields(sample: RawRequest, changes: Record<string, unknown>): RawRequest {
  const fields = { ...webhookPayload(sample), ...changes };
  if (/json/i.test(sample.headers['content-type'] ?? '')) return { ...sample, body: JSON.stringify(fields) };
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) form.set(k, String(v));
  return { ...sample, body: form.toString() };
}
