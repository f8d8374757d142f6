/** Writes config files into a per-test temporary directory and loads them with a fake environment. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { readEnvironment, type EnvVars } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import type { LoadedConfig } from '../../src/config/types.js';

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-config-'));
  dirs.push(dir);
  return dir;
}

/** Writes `text` as `<tmp>/opsbot.yaml` and returns its absolute path. */
export function writeConfig(text: string): string {
  const file = join(tempDir(), 'opsbot.yaml');
  writeFileSync(file, text);
  return file;
}

export function load(file: string, vars: EnvVars = {}, cwd = '/srv/opsbot'): LoadedConfig {
  return loadConfig(file, readEnvironment(vars), { cwd });
}

export function loadText(text: string, vars: EnvVars = {}): LoadedConfig {
  return load(writeConfig(text), vars);
}

/** The ConfigError message of loading `text`, with the temp file's path replaced by `opsbot.yaml`. */
export function errorOf(text: string, vars: EnvVars = {}): string {
  const file = writeConfig(text);
  try {
    load(file, vars);
  } catch (error) {
    if (error instanceof Error) return error.message.replaceAll(file, 'opsbot.yaml');
    throw error;
  }
  throw new Error('expected the config to be rejected');
}
