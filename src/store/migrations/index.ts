/**
 * Every migration, in order. Names sort lexically (Kysely checks the order), so they carry a
 * zero-padded sequence number. Append new migrations here; never rename or remove one.
 */
import type { Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';
import { core0001 } from './0001-core.js';

export function allMigrations(engine: StoreEngine): Record<string, Migration> {
  return {
    '0001-core': core0001(engine),
  };
}
