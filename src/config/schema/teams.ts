/**
 * Microsoft Teams: the bot registration (app id and password), which Microsoft 365 tenants may use
 * opsbot, the key that signs card buttons, and what `opsbot teams manifest` writes into the app
 * package. Leave the section out and the Teams endpoint is not served.
 */
import { Type } from '@sinclair/typebox';
import type { TeamsConfig } from '../types.js';
import { Duration, durationMs } from './duration.js';
import { defineSection, type SectionProblem } from './section.js';

const DEFAULTS = { actionTtl: '1d', name: 'opsbot', accentColor: '#2F6FDE', version: '1.0.0' } as const;

// `${` too, so editors checking the file as written accept `appId: ${MS_APP_ID}`.
const GUID_PATTERN = '^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\\$\\{.*)$';
const HTTPS_PATTERN = '^(?:https://[^\\s/]+(?:/\\S*)?|\\$\\{.*)$';

function Guid(description: string) {
  return Type.String({ pattern: GUID_PATTERN, patternErrorMessage: 'is not a GUID (e.g. 00000000-0000-0000-0000-000000000000)', description });
}

function HttpsUrl(description: string) {
  return Type.String({ pattern: HTTPS_PATTERN, patternErrorMessage: 'is not an https:// URL', description });
}

const ManifestSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 30, default: DEFAULTS.name, description: 'App name shown in Teams (30 characters at most).' })),
    developerName: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Publisher shown in Teams; default: the app name.' })),
    websiteUrl: Type.Optional(HttpsUrl('Developer website; default: publicUrl.')),
    privacyUrl: Type.Optional(HttpsUrl('Privacy statement; default: websiteUrl.')),
    termsOfUseUrl: Type.Optional(HttpsUrl('Terms of use; default: websiteUrl.')),
    version: Type.Optional(
      Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$', patternErrorMessage: 'is not a version (use e.g. 1.0.0)', default: DEFAULTS.version, description: 'Package version; raise it for every upload.' }),
    ),
    accentColor: Type.Optional(
      Type.String({ pattern: '^#[0-9a-fA-F]{6}$', patternErrorMessage: 'is not a colour (use e.g. #2F6FDE)', default: DEFAULTS.accentColor, description: 'Background of the app icon.' }),
    ),
  },
  { additionalProperties: false, title: 'Teams app package', description: 'What `opsbot teams manifest` writes.' },
);

const TeamsSchema = Type.Object(
  {
    appId: Guid('Microsoft App ID of the Azure Bot registration, usually ${MS_APP_ID}. Inbound requests must carry a Bot Framework token for it.'),
    appPassword: Type.String({ minLength: 1, description: 'Client secret of that app registration, usually ${MS_APP_PASSWORD}.' }),
    appTenantId: Type.Optional(
      Guid('Tenant of the app registration, for a single-tenant bot (tokens are then asked from this tenant); leave out for a multi-tenant registration.'),
    ),
    tenants: Type.Array(Guid('A Microsoft 365 tenant id.'), {
      minItems: 1,
      description: 'Tenants whose users may talk to opsbot; activities from any other tenant are refused and audited.',
    }),
    actionSecret: Type.String({
      minLength: 32,
      description: 'Key (32+ characters, e.g. `openssl rand -hex 32`) that signs card buttons, so a click runs only the command the button was made for.',
    }),
    actionTtl: Type.Optional(Duration({ default: DEFAULTS.actionTtl, description: 'How long a card button stays valid.' })),
    publicUrl: Type.Optional(HttpsUrl('Where Teams reaches opsbot (the messaging endpoint is <publicUrl>/api/messages); used in the app package.')),
    manifest: Type.Optional(ManifestSchema),
  },
  { additionalProperties: false, title: 'Microsoft Teams', description: 'The Teams bot: POST /api/messages, Adaptive Cards, proactive posts.' },
);

export const teamsSection = defineSection({
  schema: TeamsSchema,
  load(raw): TeamsConfig | null {
    if (raw === undefined) return null;
    const manifest = raw.manifest;
    const name = manifest?.name ?? DEFAULTS.name;
    const publicUrl = raw.publicUrl === undefined ? null : raw.publicUrl.replace(/\/+$/, '');
    const websiteUrl = manifest?.websiteUrl ?? publicUrl;
    return {
      appId: raw.appId,
      appPassword: raw.appPassword,
      appTenantId: raw.appTenantId ?? null,
      tenants: raw.tenants.map((t) => t.toLowerCase()),
      actionSecret: raw.actionSecret,
      actionTtl: durationMs(raw.actionTtl ?? DEFAULTS.actionTtl),
      publicUrl,
      manifest: {
        name,
        developerName: manifest?.developerName ?? name,
        websiteUrl,
        privacyUrl: manifest?.privacyUrl ?? websiteUrl,
        termsOfUseUrl: manifest?.termsOfUseUrl ?? websiteUrl,
        version: manifest?.version ?? DEFAULTS.version,
        accentColor: manifest?.accentColor ?? DEFAULTS.accentColor,
      },
    };
  },
  check(teams): SectionProblem[] {
    if (teams === null) return [];
    const problems: SectionProblem[] = [];
    if (teams.actionTtl === 0) problems.push({ path: ['actionTtl'], reason: 'must be longer than 0s' });
    return problems;
  },
});
