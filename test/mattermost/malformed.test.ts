/**
 * The Mattermost routes with damaged upstream samples (../shared/fixtures/mattermost, one field
 * replaced, repeated or removed) and valid tokens: whatever arrives, the answer is a 2xx or a 4xx with
 * a reason, never a 5xx, and nothing is logged as an error.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../support/app.js';
import { damaged } from '../support/mutate.js';
import { actionSamples, outgoingWebhookSamples, slashCommandSamples, webhookPayload } from './support/fixtures.js';
import { TOKENS, slashForm, startHarness, type Harness } from './support/harness.js';

const HOOK_TOKEN = 'hooktoken0000000000000000a';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ config: { webhooks: { ops: { token: HOOK_TOKEN, triggers: ['#ops', 'opsbot'] } } } });
});

afterAll(async () => {
  await h.close();
  removeTempDirs();
});

async function post(url: string, contentType: string, payload: string): Promise<{ status: number; body: unknown }> {
  const response = await h.http.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });
  return { status: response.statusCode, body: response.body === '' ? undefined : response.json() };
}

function answersWithoutFault(sent: { status: number; body: unknown }, what: string): void {
  expect(sent.status, what).toBeGreaterThanOrEqual(200);
  expect(sent.status, what).toBeLessThan(500);
  if (sent.status >= 400) expect((sent.body as { error?: unknown } | undefined)?.error, what).toEqual(expect.any(String));
  expect(h.t.logs.filter((entry) => entry.level === 'error')).toEqual([]);
}

/** A sample's form fields, each value a list (Mattermost repeats mention keys). */
function formFields(body: string): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const pair of body.split('&')) for (const [k, v] of new URLSearchParams(pair.trim())) (fields[k] ??= []).push(v);
  return fields;
}

describe('damaged Mattermost requests', () => {
  it('slash commands: any field replaced, repeated or removed', async () => {
    // The samples' own fields, sent for the umbrella trigger with its token, so damage reaches past the token check.
    const samples = slashCommandSamples().map((sample) => ({ ...formFields(sample.body), command: ['/ops'], token: [TOKENS.ops] }));
    const value = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom('', 'whoami', 'jobs', 'lock', 'http://x', 'not a url', '%zz'));
    const damage = fc.record({ sample: fc.constantFrom(...samples), key: fc.constantFrom('channel_id', 'user_id', 'team_id', 'root_id', 'command', 'text', 'response_url', 'trigger_id', 'token', 'user_name', 'channel_mentions', 'x'), values: fc.array(value, { maxLength: 3 }) });
    await fc.assert(
      fc.asyncProperty(damage, async ({ sample, key, values }) => {
        const form = slashForm({ ...sample, [key]: values });
        answersWithoutFault(await post('/mattermost/command', 'application/x-www-form-urlencoded', form), form);
      }),
      { numRuns: 300 },
    );
  });

  it('button clicks and dialog submissions: any JSON node replaced or removed', async () => {
    await fc.assert(
      fc.asyncProperty(damaged(actionSamples(), (sample) => sample.body), fc.constantFrom('/mattermost/action', '/mattermost/dialog'), async ({ value }, path) => {
        const payload = JSON.stringify(value) ?? '';
        answersWithoutFault(await post(path, 'application/json', payload), `${path} ${payload}`);
      }),
      { numRuns: 300 },
    );
  });

  it('outgoing webhooks: any JSON node replaced or removed', async () => {
    const samples = outgoingWebhookSamples().map((sample) => ({ ...webhookPayload(sample), token: HOOK_TOKEN }));
    await fc.assert(
      fc.asyncProperty(damaged(samples), async ({ value }) => {
        const payload = JSON.stringify(value) ?? '';
        answersWithoutFault(await post('/mattermost/webhook', 'application/json', payload), payload);
      }),
      { numRuns: 300 },
    );
  });
});
