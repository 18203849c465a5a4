import { existsSync } from 'node:fs';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { describe, expect, it } from 'vitest';
import {
  API_HANDLERS,
  HANDLER_ENTRIES,
  PACKAGE_ROOT,
  cdkBundlingOptions,
  esbuildBuildOptions,
  handlerEntryPath,
} from '../../lib/bundling.ts';
import { missingHandlers } from './synth.ts';

describe('house bundling settings', () => {
  it('are the same for the CDK construct and for the esbuild size check', () => {
    const cdk = cdkBundlingOptions('users');
    const esbuild = esbuildBuildOptions('/src/functions/handlers/users.ts', '/out/users');
    expect(esbuild).toMatchObject({ bundle: true, platform: 'node', format: 'esm', outfile: '/out/users/index.mjs' });
    expect(cdk.format).toBe(OutputFormat.ESM);
    expect(esbuild.target).toBe(cdk.target);
    expect(esbuild.minify).toBe(cdk.minify);
    expect(esbuild.sourcemap).toBe(cdk.sourceMap);
    expect(esbuild.sourcesContent).toBe(cdk.sourcesContent);
    expect(esbuild.mainFields).toEqual(cdk.mainFields);
    expect(esbuild.banner).toEqual({ js: cdk.banner });
    expect(esbuild.external).toEqual(cdk.externalModules);
  });

  it('target Node 22, minify, map sources and bundle the AWS SDK', () => {
    const cdk = cdkBundlingOptions('users');
    expect(cdk).toMatchObject({ target: 'node22', minify: true, sourceMap: true, bundleAwsSDK: true, externalModules: [] });
  });

  it('have an entry file for every handler the stack deploys (a missing one fails here, not silently later)', () => {
    expect(missingHandlers()).toEqual([]);
  });

  it("build the portal's page assets into the portal function's bundle, and nothing extra for the others", () => {
    const hooks = (name: 'users' | 'portal') => cdkBundlingOptions(name).commandHooks?.afterBundling('/in', '/out') ?? [];
    expect(hooks('users')).toEqual([]);
    const [command, ...more] = hooks('portal');
    expect(more).toEqual([]);
    expect(command).toMatch(/^node ".*tsx.*" ".*functions\/portal\/ui-build\.ts" "\/out\/portal-assets"$/);
  });

  it('point at entries inside the package, and cap the four API handlers', () => {
    for (const name of Object.keys(HANDLER_ENTRIES) as Array<keyof typeof HANDLER_ENTRIES>) {
      expect(handlerEntryPath(name).startsWith(PACKAGE_ROOT)).toBe(true);
      expect(handlerEntryPath(name).endsWith(HANDLER_ENTRIES[name])).toBe(true);
    }
    expect([...API_HANDLERS].sort()).toEqual(['discovery', 'groups', 'scimFallback', 'users']);
    expect(existsSync(`${PACKAGE_ROOT}functions`)).toBe(true);
  });
});
