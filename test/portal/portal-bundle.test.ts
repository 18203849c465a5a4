/**
 * The portal function as it is deployed: bundled with the construct's settings, its page assets
 * beside it, loaded as Lambda loads it, answering API Gateway events.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PORTAL_ASSETS_FOLDER } from '../../lib/bundling.ts';
import { PORTAL_SCRIPT_MAX_BYTES } from '../../functions/portal/ui-build.ts';
import { bundleHandlers } from '../../scripts/bundle.ts';

const outputDirectory = mkdtempSync(join(tmpdir(), 'portal-bundle-'));
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(outputDirectory, { recursive: true, force: true });
});

function event(path: string): APIGatewayProxyEvent {
  return {
    resource: '/portal/{proxy+}',
    path,
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { path: `/v1${path}`, requestId: 'r1' } as APIGatewayProxyEvent['requestContext'],
  };
}

describe('the portal function bundle', () => {
  it('carries its page assets within budget and serves them, and a signed-out page, with the security headers', async () => {
    const [result] = await bundleHandlers(outputDirectory, ['portal']);
    if (result?.status !== 'bundled') throw new Error('portal was not bundled');
    const assets = join(outputDirectory, 'portal', PORTAL_ASSETS_FOLDER);
    expect(existsSync(join(assets, 'portal.css'))).toBe(true);
    expect(readFileSync(join(assets, 'portal.js')).length).toBeLessThanOrEqual(PORTAL_SCRIPT_MAX_BYTES);

    for (const [name, value] of Object.entries({
      TABLE_NAME: 'portal-test',
      SCIM_BASE_URL: 'https://api.example.test/v1/scim/v2',
      PORTAL_BASE_URL: 'https://api.example.test/v1/portal',
      ADMIN_FUNCTION_NAME: 'admin',
      PORTAL_APP_NAME: 'Hero SaaS',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    })) {
      vi.stubEnv(name, value);
    }
    const { handler } = (await import(pathToFileURL(result.outputFile).href)) as { handler: (e: APIGatewayProxyEvent, c: Context) => Promise<APIGatewayProxyResult> };
    const context = { awsRequestId: 'r1', functionName: 'portal', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

    const script = await handler(event('/portal/assets/portal.js'), context);
    expect(script.statusCode).toBe(200);
    expect(script.headers?.['Content-Type']).toMatch(/^text\/javascript/);
    expect(script.body.length).toBeGreaterThan(10_000);

    // No session cookie: no AWS call is made, and the page says where to get in.
    const page = await handler(event('/portal/'), context);
    expect(page.statusCode).toBe(401);
    expect(page.body).toContain('Open the Admin Portal from Hero SaaS');
    expect(page.headers?.['Content-Security-Policy']).toContain("script-src 'self'");
    expect(page.headers?.['Cache-Control']).toBe('no-store');

    const bare = await handler(event('/portal'), context);
    expect(bare.statusCode).toBe(308);
    expect(bare.headers?.Location).toBe('/v1/portal/');
  }, 120_000);
});
