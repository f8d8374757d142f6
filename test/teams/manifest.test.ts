/**
 * `opsbot teams manifest`: the app package is a valid zip (checked by `unzip -t` where installed, and
 * by reading its central directory here), its manifest names the bot by the configured app id and
 * lists commands generated from their schemas within Teams' limits, and its icons are PNGs of the
 * sizes Teams requires (the outline icon white on transparent).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinCommands } from '../../commands/index.js';
import { commandList, ManifestError, MAX_COMMANDS, teamsAppPackage, teamsManifest } from '../../src/adapters/teams/manifest.js';
import { confirmCommand } from '../../src/core/confirm.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { assertBuilt, opsbot } from '../support/cli.js';
import { APP_ID, teamsConfig } from './support/harness.js';

const commands = new CommandRegistry([...builtinCommands, confirmCommand]).all();
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Reads a zip independently of the writer: central directory → local headers → inflate. */
function unzipEntries(buffer: Buffer): Map<string, Buffer> {
  const end = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i += 1) {
    expect(buffer.readUInt32LE(at)).toBe(0x02014b50);
    const method = buffer.readUInt16LE(at + 10);
    const size = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extra = buffer.readUInt16LE(at + 30);
    const comment = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(dataStart, dataStart + size);
    out.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

/** Width, height and RGBA pixels of an 8-bit RGBA PNG with unfiltered lines (what opsbot writes). */
function decodePng(png: Buffer): { width: number; height: number; pixels: Buffer[] } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  expect([png.readUInt8(24), png.readUInt8(25)]).toEqual([8, 6]);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.subarray(at + 4, at + 8).toString('ascii') === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels: Buffer[] = [];
  for (let y = 0; y < height; y += 1) {
    const row = y * (1 + width * 4);
    expect(raw[row]).toBe(0);
    for (let x = 0; x < width; x += 1) pixels.push(raw.subarray(row + 1 + x * 4, row + 5 + x * 4));
  }
  return { width, height, pixels };
}

describe('Teams app manifest', () => {
  it('names the bot by its app id and offers every scope', () => {
    const manifest = teamsManifest(teamsConfig(), commands);
    expect(manifest).toMatchObject({
      manifestVersion: '1.17',
      id: APP_ID,
      version: '1.0.0',
      developer: { name: 'opsbot', websiteUrl: 'https://opsbot.example.com', privacyUrl: 'https://opsbot.example.com', termsOfUseUrl: 'https://opsbot.example.com' },
      icons: { color: 'color.png', outline: 'outline.png' },
      accentColor: '#2F6FDE',
      bots: [{ botId: APP_ID, scopes: ['personal', 'team', 'groupChat'] }],
      validDomains: ['opsbot.example.com'],
    });
    const text = JSON.stringify(manifest);
    expect(text).not.toContain('test-app-password');
    expect(text).not.toContain('test-action-secret');
  });

  it('generates the command menu from the command schemas, within Teams limits', () => {
    const list = commandList(commands);
    expect(list.length).toBe(Math.min(MAX_COMMANDS, commands.length - 1));
    expect(list[0]?.title).toBe('help');
    expect(list.map((c) => c.title)).not.toContain('confirm');
    for (const entry of list) {
      const command = commands.find((c) => c.name === entry.title);
      expect(command).toBeDefined();
      expect(entry.description.startsWith(command!.summary.slice(0, 60))).toBe(true);
      expect(entry.title.length).toBeLessThanOrEqual(32);
      expect(entry.description.length).toBeLessThanOrEqual(128);
    }
  });

  it('refuses to write a package without developer URLs', () => {
    const config = teamsConfig({ publicUrl: null });
    expect(() => teamsManifest({ ...config, manifest: { ...config.manifest, websiteUrl: null, privacyUrl: null, termsOfUseUrl: null } }, commands)).toThrow(ManifestError);
  });

  it('zips manifest.json and two icons of the sizes Teams requires', () => {
    const pkg = teamsAppPackage(teamsConfig(), commands);
    const entries = unzipEntries(pkg);
    expect([...entries.keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);
    expect(JSON.parse(entries.get('manifest.json')!.toString('utf8'))).toEqual(teamsManifest(teamsConfig(), commands));

    const color = decodePng(entries.get('color.png')!);
    expect([color.width, color.height]).toEqual([192, 192]);
    expect(color.pixels.every((p) => p[3] === 255)).toBe(true);
    expect(new Set(color.pixels.map((p) => p.toString('hex')))).toEqual(new Set(['2f6fdeff', 'ffffffff']));

    const outline = decodePng(entries.get('outline.png')!);
    expect([outline.width, outline.height]).toEqual([32, 32]);
    const kinds = new Set(outline.pixels.map((p) => p.toString('hex')));
    expect(kinds).toEqual(new Set(['00000000', 'ffffffff']));

    const dir = mkdtempSync(join(tmpdir(), 'opsbot-manifest-'));
    dirs.push(dir);
    const file = join(dir, 'opsbot-teams.zip');
    writeFileSync(file, pkg);
    // unzip is in test/setup/install.sh; where it is missing, the reading above still checked the archive.
    if (existsSync('/usr/bin/unzip')) {
      const report = execFileSync('/usr/bin/unzip', ['-t', file], { encoding: 'utf8' });
      expect(report).toContain('No errors detected');
    }
  });

  it('is written by `opsbot teams manifest --out`', async () => {
    assertBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'opsbot-manifest-cli-'));
    dirs.push(dir);
    const config = join(dir, 'opsbot.yaml');
    writeFileSync(
      config,
      [
        'storage: { engine: sqlite, path: ./opsbot.db }',
        'teams:',
        `  appId: ${APP_ID}`,
        '  appPassword: ${MS_APP_PASSWORD}',
        '  tenants: [72f988bf-0000-4000-8000-0000000000aa]',
        '  actionSecret: ${OPSBOT_TEAMS_ACTION_SECRET}',
        '  publicUrl: https://opsbot.example.com',
        '',
      ].join('\n'),
    );
    const env = { MS_APP_PASSWORD: 'cli-secret-password', OPSBOT_TEAMS_ACTION_SECRET: 'cli-action-secret-0123456789abcdef0123' };
    const result = await opsbot(['teams', 'manifest', '--config', config, '--out', 'package.zip'], { dir, env });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const entries = unzipEntries(readFileSync(join(dir, 'package.zip')));
    expect(JSON.parse(entries.get('manifest.json')!.toString('utf8'))).toMatchObject({ id: APP_ID, bots: [{ botId: APP_ID }] });
    expect(readFileSync(join(dir, 'package.zip')).includes(Buffer.from('cli-secret-password'))).toBe(false);

    const missing = await opsbot(['teams', 'manifest', '--config', join(dir, 'none.yaml')], { dir, env });
    expect(missing.exitCode).toBe(2);
  });
});
