/** opsbot's documented generic JSON format (see ./schema.ts). */
import { normaliseSeverity } from '../../core/alerts/severity.js';
import type { Alert } from '../../core/alerts/model.js';
import { links, makeAlert, parseTime, safeUrl } from '../common.js';
import { invalid } from '../errors.js';
import type { Payload } from '../payload.js';
import type { AlertSource } from '../types.js';
import { checker } from '../validate.js';
import { GenericAlertSchema, GenericBodySchema } from './schema.js';

const checkBody = checker(GenericBodySchema, 'an opsbot generic alert body');
const checkOne = checker(GenericAlertSchema, 'an opsbot generic alert');

export function parseGeneric(value: unknown): Alert[] {
  const list = typeof value === 'object' && value !== null && 'alerts' in value ? checkBody(value).alerts : [checkOne(value)];
  return list.map((a) =>
    makeAlert({
      source: 'generic',
      fingerprint: a.fingerprint,
      status: a.status,
      severity: normaliseSeverity(a.severity),
      labels: a.labels,
      annotations: a.annotations ?? {},
      summary: a.summary,
      links: links({ runbook: safeUrl(a.links?.runbook), dashboard: safeUrl(a.links?.dashboard), source: safeUrl(a.links?.source), silence: safeUrl(a.links?.silence) }),
      startsAt: parseTime(a.startsAt),
      endsAt: parseTime(a.endsAt),
    }),
  );
}

export const genericSource: AlertSource = {
  name: 'generic',
  accepts: ['json'],
  parse(payload: Payload) {
    if (payload.kind !== 'json') throw invalid('the generic format is JSON');
    return parseGeneric(payload.value);
  },
};
