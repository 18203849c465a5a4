/**
 * The Lambda entry points as Lambda loads them: configuration read at cold start, and requests
 * refused before any AWS call when they carry no valid bearer token.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ERROR } from '../support/urns.ts';

function event(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: '/scim/v2/{directoryId}/Users',
    path: '/scim/v2/dir1/Users',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { directoryId: 'dir1' },
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { path: '/v1/scim/v2/dir1/Users', domainName: 'api.example.test', requestId: 'r1' } as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}

const context = { awsRequestId: 'r1', functionName: 'users', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('Lambda entry points', () => {
  it('fail at cold start when TABLE_NAME is missing', async () => {
    vi.stubEnv('TABLE_NAME', '');
    await expect(import('../../functions/handlers/users.ts')).rejects.toThrow(/TABLE_NAME/);
  });

  it.each(['users', 'groups', 'discovery', 'scim-fallback'])('%s answers 401 with a SCIM body to a request without a valid token', async (name) => {
    vi.stubEnv('TABLE_NAME', 'scim-test');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const { handler } = (await import(`../../functions/handlers/${name}.ts`)) as { handler: (e: APIGatewayProxyEvent, c: Context) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }> };
    for (const headers of [{}, { Authorization: 'Bearer not-a-token' }, { Authorization: 'Basic abc' }]) {
      const response = await handler(event({ headers }), context);
      expect(response.statusCode).toBe(401);
      expect(response.headers['Content-Type']).toBe('application/scim+json');
      expect(response.headers['WWW-Authenticate']).toMatch(/^Bearer/);
      expect(JSON.parse(response.body)).toMatchObject({ schemas: [ERROR], status: '401' });
    }
  });

  it('scim-fallback answers a path no endpoint has with a SCIM 404, and a method a route does not serve with 405 and Allow, before any AWS call', async () => {
    vi.stubEnv('TABLE_NAME', 'scim-test');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const { handler } = (await import('../../functions/handlers/scim-fallback.ts')) as { handler: (e: APIGatewayProxyEvent, c: Context) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }> };
    const fallback = (httpMethod: string, proxy: string) =>
      event({ resource: '/scim/v2/{directoryId}/{proxy+}', path: `/scim/v2/dir1/${proxy}`, httpMethod, pathParameters: { directoryId: 'dir1', proxy } });
    const unknown = await handler(fallback('GET', 'nothing'), context);
    expect([unknown.statusCode, unknown.headers['Content-Type'], JSON.parse(unknown.body)]).toEqual([404, 'application/scim+json', expect.objectContaining({ schemas: [ERROR], status: '404' })]);
    const bulk = await handler(fallback('POST', 'Bulk'), context);
    expect([bulk.statusCode, JSON.parse(bulk.body)]).toEqual([501, expect.objectContaining({ schemas: [ERROR], status: '501' })]);
    const wrongMethod = await handler(fallback('PUT', 'GROUPS'), context);
    expect([wrongMethod.statusCode, wrongMethod.headers['Allow'], JSON.parse(wrongMethod.body)]).toEqual([405, 'GET, POST', expect.objectContaining({ schemas: [ERROR], status: '405' })]);
    // A known endpoint in another spelling goes on to the token check like its canonical route.
    expect((await handler(fallback('GET', 'users'), context)).statusCode).toBe(401);
  });

  it('build no AWS SDK client at cold start, nor for a request refused before any AWS call', async () => {
    vi.stubEnv('TABLE_NAME', 'scim-test');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const built: string[] = [];
    vi.doMock('../../functions/adapters/dynamodb/client.ts', async (importOriginal) => {
      const original = await importOriginal<typeof import('../../functions/adapters/dynamodb/client.ts')>();
      return { ...original, createDynamoDbClient: (...args: Parameters<typeof original.createDynamoDbClient>) => (built.push('dynamodb'), original.createDynamoDbClient(...args)) };
    });
    try {
      const { handler } = (await import('../../functions/handlers/users.ts')) as { handler: (e: APIGatewayProxyEvent, c: Context) => Promise<{ statusCode: number }> };
      expect(built).toEqual([]);
      expect((await handler(event(), context)).statusCode).toBe(401);
      expect(built).toEqual([]);
    } finally {
      vi.doUnmock('../../functions/adapters/dynamodb/client.ts');
    }
  });
});

describe('lazily', () => {
  it('builds its object on first use, once, with methods bound to it', async () => {
    const { lazily } = await import('../../functions/handlers/lambda-dependencies.ts');
    let builds = 0;
    class Counter {
      count = 0;
      increment(): number {
        return ++this.count;
      }
    }
    const counter = lazily(() => {
      builds++;
      return new Counter();
    });
    expect(builds).toBe(0);
    expect(counter.increment()).toBe(1);
    const { increment } = counter;
    expect(increment()).toBe(2);
    expect(counter.count).toBe(2);
    expect(builds).toBe(1);
  });
});
