/**
 * The whole config file: one entry per section. To add a section, write `./<name>.ts` exporting a
 * defineSection(...) and add one line to `sections` below (and its loaded type to OpsbotConfig in
 * ../types.ts; the assertion at the bottom fails to compile until the two agree).
 */
import { Type, type Static, type TObject, type TOptional } from '@sinclair/typebox';
import type { OpsbotConfig } from '../types.js';
import { accessSection } from './access.js';
import { jobsSection } from './jobs.js';
import { logSection } from './log.js';
import { pipelinesSection } from './pipelines.js';
import type { SectionContext, SectionProblem } from './section.js';
import { serverSection } from './server.js';
import { servicesSection } from './services.js';
import { storageSection } from './storage.js';
import { playbooksSection } from './playbooks.js';
import { sshSection } from './ssh.js';
import { storesSection } from './stores.js';
import { buildCrossChecks } from './build-checks.js';
import { deployCrossChecks } from './deploy-checks.js';
import { servicesCrossChecks } from './services-checks.js';
import { retentionCrossChecks } from './retention-checks.js';
import { teamsSection } from './teams.js';
import { mattermostSection } from './mattermost.js';
import { alertsSection } from './alerts.js';
import { maintenanceSection } from './maintenance.js';
import { schedulesSection } from './schedules.js';
import { retentionSection } from './retention.js';

export const sections = {
  storage: storageSection,
  server: serverSection,
  log: logSection,
  access: accessSection,
  jobs: jobsSection,
  playbooks: playbooksSection,
  ssh: sshSection,
  stores: storesSection,
  teams: teamsSection,
  mattermost: mattermostSection,
  alerts: alertsSection,
  pipelines: pipelinesSection,
  services: servicesSection,
  schedules: schedulesSection,
  maintenance: maintenanceSection,
  retention: retentionSection,
} as const;

type Sections = typeof sections;
type SectionName = keyof Sections;

/** Every section is optional in the file; a missing one takes its defaults. */
type SectionSchemas = { [K in SectionName]: TOptional<Sections[K]['schema']> };

function sectionSchemas(): SectionSchemas {
  const entries = Object.entries(sections).map(([name, section]) => [name, Type.Optional(section.schema)]);
  // Object.fromEntries loses the per-key types that the mapped type above restores.
  return Object.fromEntries(entries) as SectionSchemas;
}

/** The raw file as written in YAML (before defaults, overrides and duration conversion). */
export const ConfigSchema: TObject<SectionSchemas> = Type.Object(sectionSchemas(), {
  additionalProperties: false,
  title: 'opsbot configuration',
  description: 'One YAML file; ${VAR} and ${VAR:-default} in string values are replaced from the environment.',
});

export type RawConfig = Static<typeof ConfigSchema>;

export const SECTION_NAMES = Object.keys(sections) as SectionName[];

export interface BuiltConfig {
  readonly config: OpsbotConfig;
  /** Paths start with the section name. */
  readonly problems: readonly SectionProblem[];
}

/** Loads every section of a validated raw config and runs the sections' cross-field checks. */
export function buildConfig(raw: RawConfig, ctx: SectionContext): BuiltConfig {
  const loaded: Record<string, unknown> = {};
  const problems: SectionProblem[] = [];
  for (const name of SECTION_NAMES) {
    // Erased to one signature: TypeScript cannot correlate sections[name] with raw[name] across the
    // union of names, but both come from the same entry of `sections`.
    const section = sections[name] as unknown as ErasedSection;
    const value = section.load(raw[name], ctx);
    loaded[name] = value;
    for (const p of section.check?.(value, raw[name]) ?? []) problems.push({ path: [name, ...p.path], reason: p.reason });
  }
  // Checks that span sections (paths start with the section name).
  problems.push(...deployCrossChecks(loaded as unknown as Pick<LoadedSections, 'playbooks' | 'stores' | 'ssh'>));
  problems.push(...servicesCrossChecks(loaded as unknown as Pick<LoadedSections, 'playbooks' | 'services'>));
  problems.push(...buildCrossChecks(loaded as unknown as Pick<LoadedSections, 'stores' | 'pipelines'>));
  problems.push(...retentionCrossChecks(loaded as unknown as Pick<LoadedSections, 'alerts' | 'retention'>));
  return { config: loaded as unknown as LoadedSections, problems };
}

interface ErasedSection {
  load(raw: unknown, ctx: SectionContext): unknown;
  check?(loaded: unknown, raw: unknown): readonly SectionProblem[];
}

type LoadedSections = { readonly [K in SectionName]: ReturnType<Sections[K]['load']> };
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// OpsbotConfig is written out by hand for readable types; this keeps it in step with `sections`.
const _loadedMatchesOpsbotConfig: Equal<LoadedSections, OpsbotConfig> = true;
