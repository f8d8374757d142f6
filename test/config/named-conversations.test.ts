/**
 * The Teams conversations a config names (src/config/named-conversations.ts): retention keeps their
 * references however long they were silent, so every place a config can name one must be found.
 */
import { expect, it } from 'vitest';
import { namedTeamsConversations } from '../../src/config/named-conversations.js';
import { loadText } from './fixtures.js';

it('finds the Teams conversations of bindings, alert routes, defaultTo and fallbacks, schedules and maintenance, once each', () => {
  const { config } = loadText(`
access:
  channels:
    "teams:19:binding@thread.tacv2": { commands: ["*"] }
    "mattermost:ch-ops": { commands: ["*"] }
alerts:
  sources:
    alertmanager: { bearer: tok }
  routes:
    - match: { severity: critical }
      to: ["teams:19:route@thread.tacv2", "mattermost:ch-ops"]
      fallback: { to: "teams:19:route-fallback@thread.tacv2", after: 3 }
  defaultTo: ["teams:19:default@thread.tacv2"]
  fallback: { to: "teams:19:fallback@thread.tacv2", after: 5m }
schedules:
  notice:
    cron: "0 9 * * 1"
    timezone: UTC
    announce: hello
    to: ["teams:19:schedule@thread.tacv2", "teams:19:route@thread.tacv2"]
maintenance:
  announceTo: ["teams:19:maintenance@thread.tacv2"]
  targets:
    db:
      matchers: { service: db }
      announceTo: ["teams:19:target@thread.tacv2"]
    # The section's announceTo is where this target's windows are announced.
    web:
      matchers: { service: web }
`);
  expect(namedTeamsConversations(config)).toEqual([
    'teams:19:binding@thread.tacv2',
    'teams:19:default@thread.tacv2',
    'teams:19:fallback@thread.tacv2',
    'teams:19:maintenance@thread.tacv2',
    'teams:19:route-fallback@thread.tacv2',
    'teams:19:route@thread.tacv2',
    'teams:19:schedule@thread.tacv2',
    'teams:19:target@thread.tacv2',
  ]);
});

it('finds none in a config that names no Teams conversation', () => {
  expect(namedTeamsConversations(loadText('log:\n  level: warn\n').config)).toEqual([]);
});
