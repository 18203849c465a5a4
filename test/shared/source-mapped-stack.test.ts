import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { esbuildBuildOptions, PACKAGE_ROOT } from '../../lib/bundling.ts';
import { sourceMappedStack } from '../../functions/shared/source-mapped-stack.ts';

const run = promisify(execFile);
const outputDirectory = mkdtempSync(join(tmpdir(), 'source-mapped-stack-'));
afterAll(() => rmSync(outputDirectory, { recursive: true, force: true }));

describe('sourceMappedStack', () => {
  it('maps the frames of a bundle built with the house settings, run without --enable-source-maps, to the TypeScript file and line', async () => {
    await build({ ...esbuildBuildOptions(join(PACKAGE_ROOT, 'test/shared/fixtures/throws.ts'), outputDirectory), absWorkingDir: PACKAGE_ROOT, logLevel: 'warning' });
    const { stdout } = await run(process.execPath, [join(outputDirectory, 'index.mjs')], { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 });
    const { raw, mapped } = JSON.parse(stdout) as { raw: string; mapped: string };
    expect(raw).toMatch(/index\.mjs:\d+:\d+/);
    expect(raw).not.toContain('throws.ts:');
    expect(mapped.split('\n')[0]).toBe('Error: thrown at line 5 of throws.ts');
    expect(mapped).toMatch(/ \(\S*test\/shared\/fixtures\/throws\.ts:5:\d+\)\n/);
    expect(mapped).not.toMatch(/index\.mjs:\d+:\d+/);
  });

  it('leaves frames without a map beside their file as they are', () => {
    const stack = ['Error: x', '    at f (node:internal/modules/run_main:1:2)', '    at g (file:///nowhere/at/all.mjs:10:20)', '    at h (/work/src/x.ts:3:4)'].join('\n');
    expect(sourceMappedStack(stack)).toBe(stack);
    expect(sourceMappedStack(undefined)).toBeUndefined();
  });
});
