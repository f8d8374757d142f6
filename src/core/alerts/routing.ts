/**
 * Routing: the first route whose matchers all hold takes the alert (Alertmanager's default,
 * without `continue`); its `to` conversations get the group, and its groupBy labels form the group.
 * Alerts no route takes go to `defaultTo`, or nowhere (counted as unrouted).
 */
import type { Conversation, Platform } from '../identity.js';
import type { Alert, Labels } from './model.js';
import type { GroupTarget } from './store.js';
import { labelRegex, type LabelRegex } from './label-regex.js';

export interface AlertTimings {
  readonly groupBy: readonly string[];
  readonly wait: number;
  readonly interval: number;
  readonly repeat: number;
}

export interface AlertRoute extends AlertTimings {
  readonly name: string;
  /** Label = value; `severity` and `source` match the normalised fields. */
  readonly match: Readonly<Record<string, string>>;
  /** Label =~ anchored regex. */
  readonly matchRe: Readonly<Record<string, string>>;
  readonly to: readonly string[];
}

export interface RoutingSettings {
  readonly routes: readonly AlertRoute[];
  readonly defaultTo: readonly string[];
  readonly grouping: { readonly by: readonly string[]; readonly wait: number; readonly interval: number; readonly repeat: number };
}

const PLATFORMS: readonly Platform[] = ['mattermost', 'teams', 'shell', 'schedule'];

/** `mattermost:abc` → the conversation; Teams ids contain colons, so only the first one splits. */
export function conversationFromKey(key: string): Conversation {
  const colon = key.indexOf(':');
  const platform = PLATFORMS.find((p) => p === key.slice(0, colon));
  if (colon <= 0 || platform === undefined || colon === key.length - 1) throw new Error(`not a conversation key: ${key}`);
  return { platform, id: key.slice(colon + 1) };
}

function valueOf(alert: Alert, name: string): string {
  if (name === 'severity') return alert.severity;
  if (name === 'source') return alert.source;
  return alert.labels[name] ?? '';
}

interface CompiledRoute extends AlertRoute {
  readonly regexes: readonly (readonly [string, LabelRegex])[];
}

export class AlertRouter {
  private readonly routes: readonly CompiledRoute[];
  private readonly fallback: AlertRoute | null;

  constructor(settings: RoutingSettings) {
    this.routes = settings.routes.map((r) => ({ ...r, regexes: Object.entries(r.matchRe).map(([k, re]) => [k, labelRegex(re)] as const) }));
    const g = settings.grouping;
    this.fallback = settings.defaultTo.length === 0 ? null : { name: 'default', match: {}, matchRe: {}, to: settings.defaultTo, groupBy: g.by, wait: g.wait, interval: g.interval, repeat: g.repeat };
    for (const key of [...settings.routes.flatMap((r) => r.to), ...settings.defaultTo]) conversationFromKey(key);
  }

  /** The group this alert belongs to, or null when no route takes it. */
  target(alert: Alert): GroupTarget | null {
    const route = this.routes.find((r) => Object.entries(r.match).every(([k, v]) => valueOf(alert, k) === v) && r.regexes.every(([k, re]) => re.matches(valueOf(alert, k)))) ?? this.fallback;
    if (route === null) return null;
    const labels: Record<string, string> = {};
    for (const name of route.groupBy) {
      const value = valueOf(alert, name);
      if (value !== '') labels[name] = value;
    }
    return { key: groupKey(route.name, labels), route: route.name, labels, conversations: route.to, wait: route.wait, interval: route.interval, repeat: route.repeat };
  }
}

export function groupKey(route: string, labels: Labels): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return `${route}|${JSON.stringify(pairs)}`;
}
