import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, MAX_SEMI_SPACE_MB, collectBootGarbage, heapGrowingFlag, youngGenerationIsOurs } from '../../src/cli/heap-policy.js';
import { removeTempDirs, tempDir } from '../support/app.js';
import { assertBuilt, opsbot } from '../support/cli.js';

/** Both semi-spaces at the cap, with room for the pages some V8 versions count besides. */
const YOUNG_LIMIT_MB = 3 * MAX_SEMI_SPACE_MB;

const HEAP_POLICY = fileURLToPath(new URL('../../dist/src/cli/heap-policy.js', import.meta.url));

/**
 * In a process of its own (the flag would stay set in the test worker): allocates so that much of
 * it survives young collections, as a load of jobs does, and prints the largest young generation
 * seen, in MB (both semi-spaces).
 */
function largestYoungGeneration(capMb: number | null): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { capYoungGeneration } from ${JSON.stringify(HEAP_POLICY)};
    ${capMb === null ? '' : `capYoungGeneration(${capMb});`}
    const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    let kept = [];
    let largest = 0;
    let i = 0;
    const step = () => {
      for (let j = 0; j < 20000; j += 1, i += 1) {
        kept.push({ i, s: 'job-' + i, a: [i] });
        if (kept.length > 20000) kept = [];
      }
      largest = Math.max(largest, young());
      if (i < 2000000) setImmediate(step);
      else process.stdout.write(String(largest));
    };
    step();
  `;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } }));
}

beforeAll(() => assertBuilt());
afterAll(() => removeTempDirs());

describe('heap policy of opsbot serve', () => {
  it('asks V8 for a bounded old-generation growth by default', () => {
    expect(heapGrowingFlag([], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowingFlag(['--enable-source-maps'], '--max-old-space-size=512')).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });

  it("leaves the operator's own choice alone, however it is spelt and wherever it is given", () => {
    expect(heapGrowingFlag(['--heap-growing-percent=50'], undefined)).toBeNull();
    expect(heapGrowingFlag([], '--max-old-space-size=512 --heap_growing_percent=5')).toBeNull();
  });

  it('keeps the young generation at its cap, where V8 alone grows it further', () => {
    const uncapped = largestYoungGeneration(null);
    const capped = largestYoungGeneration(MAX_SEMI_SPACE_MB);
    // Node 20 reports exactly the two semi-spaces (16 MB, against 32 uncapped); Node 24's V8 counts
    // a few pages more at times (up to 21 MB, against 128 uncapped).
    expect(capped).toBeLessThanOrEqual(YOUNG_LIMIT_MB);
    expect(uncapped).toBeGreaterThan(YOUNG_LIMIT_MB);
    // It still grows up to the cap: a smaller young generation would only cost collections.
    expect(capped).toBeGreaterThanOrEqual(2 * MAX_SEMI_SPACE_MB);
  });

  it('leaves the young generation to the operator who sized it', () => {
    expect(youngGenerationIsOurs([], undefined)).toBe(true);
    expect(youngGenerationIsOurs(['--enable-source-maps'], '--max-old-space-size=512')).toBe(true);
    expect(youngGenerationIsOurs(['--max-semi-space-size=32'], undefined)).toBe(false);
    expect(youngGenerationIsOurs([], '--max_semi_space_size=4')).toBe(false);
    expect(youngGenerationIsOurs([], '--semi-space-growth-factor=4')).toBe(false);
  });

  it('caps the young generation of an opsbot process before its modules load, unless the operator sized it', async () => {
    // Loading and booting the whole app (as `serve` does) grows V8's young generation to 32 MB
    // uncapped; the probe reports its size as the process exits.
    const probe = `import { getHeapSpaceStatistics } from 'node:v8';
      import { writeSync } from 'node:fs';
      process.on('exit', () => writeSync(2, 'YOUNG ' + getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size + '\\n'));`;
    const youngAfterRun = async (nodeOptions: string): Promise<number> => {
      const dir = tempDir('opsbot-young-');
      const result = await opsbot(['run', 'whoami'], { dir, env: { NODE_OPTIONS: `${nodeOptions} --import=data:text/javascript,${encodeURIComponent(probe)}`.trim() } });
      expect(result.exitCode, result.stderr).toBe(0);
      return Number(/YOUNG (\d+)/.exec(result.stderr)?.[1]) / 1024 / 1024;
    };
    expect(await youngAfterRun('')).toBeLessThanOrEqual(YOUNG_LIMIT_MB);
    expect(await youngAfterRun('--max-semi-space-size=16')).toBeGreaterThan(YOUNG_LIMIT_MB);
  });

  it('collects the garbage of booting in one full collection, without exposing `gc` to the program', () => {
    // About 30 MB of objects that are garbage as soon as this block ends.
    let garbage: { i: number; s: string }[][] | null = [];
    for (let round = 0; round < 10; round += 1) garbage.push(Array.from({ length: 50_000 }, (_, i) => ({ i, s: `boot-${round}-${i}` })));
    const before = getHeapStatistics().used_heap_size;
    garbage = null;
    collectBootGarbage();
    const after = getHeapStatistics().used_heap_size;
    expect(before - after).toBeGreaterThan(10 * 1024 * 1024);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
