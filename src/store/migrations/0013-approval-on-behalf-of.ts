/**
 * Who is behind a scheduled deploy. A schedule's command runs as its service principal, so its
 * approval request named only `schedule:<as>`, and the person who added the schedule could then
 * approve the deploy they had set up: one person, two roles. Chat schedules now keep the stable key
 * of whoever added them (display names never decide anything), and an approval request keeps the
 * person it was asked on behalf of. Rows written before this migration have neither (null).
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { Kysely, Migration } from 'kysely';

export function approvalOnBehalfOf0013(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('schedules').addColumn('created_by_key', 'text').execute();
      await db.schema.alterTable('deploy_approvals').addColumn('on_behalf_of', 'text').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('deploy_approvals').dropColumn('on_behalf_of').execute();
      await db.schema.alterTable('schedules').dropColumn('created_by_key').execute();
    },
  };
}
