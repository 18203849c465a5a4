/**
 * The Directory API's Lambda entry point as Lambda loads it: configuration read at cold start, bad
 * input refused with an RFC 7644 body before any AWS call, and a hung DynamoDB (a loopback endpoint
 * that never answers) answered with a SCIM 503 before the function's timeout.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TIMEOUT_EARLY_MS } from '../../functions/handlers/middleware.ts';
import { ERROR } from '../support/urns.ts';

const context = { awsRequestId: 'r1', functionName: 'directory-api', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

function replayEvent(body: string): APIGatewayProxyEvent {
  return {
    resource: '/api/v1/directories/{directoryId}/replays',
    path: '/api/v1/directories/dir1/replays',
    httpMethod: 'POST',
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { directoryId: 'dir1' },
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: { path: '/v1/api/v1/directories/dir1/replays', domainName: 'api.example.test', requestId: 'r1' } as APIGatewayProxyEvent['requestContext'],
  };
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

/** The Directory API's entry point, loaded as Lambda loads it, with its configuration (and `env` more) in the environment. */
async function loadHandler(env: Record<string, string> = {}) {
  const variables: Record<string, string> = {
    TABLE_NAME: 'scim-test',
    AWS_REGION: 'us-east-1',
    SCIM_BASE_URL: 'https://api.example.test/v1/scim/v2',
    PORTAL_BASE_URL: 'https://api.example.test/v1/portal',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...env,
  };
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
  const { handler } = (await import('../../functions/handlers/directory-api.ts')) as {
    handler: (e: APIGatewayProxyEvent, c: Context) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;
  };
  return handler;
}

/** A loopback endpoint that accepts connections and never answers, as a hung dependency would. */
async function silentEndpoint(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Directory API entry point', () => {
  it('fails at cold start when PORTAL_BASE_URL is missing', async () => {
    vi.stubEnv('TABLE_NAME', 'scim-test');
    vi.stubEnv('SCIM_BASE_URL', 'https://api.example.test/v1/scim/v2');
    vi.stubEnv('PORTAL_BASE_URL', '');
    await expect(import('../../functions/handlers/directory-api.ts')).rejects.toThrow(/PORTAL_BASE_URL/);
  });

  it('answers a SCIM 503 with Retry-After before the function times out when DynamoDB does not answer', async () => {
    const dynamodb = await silentEndpoint();
    try {
      const handler = await loadHandler({ AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
      const event: APIGatewayProxyEvent = {
        ...replayEvent(''),
        resource: '/api/v1/directories/{directoryId}',
        path: '/api/v1/directories/dir1',
        httpMethod: 'GET',
        body: null,
      };
      const started = Date.now();
      const response = await handler(event, { ...context, getRemainingTimeInMillis: () => TIMEOUT_EARLY_MS + 300 } as Context);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['Retry-After']).toBe('2');
      expect(JSON.parse(response.body)).toMatchObject({ schemas: [ERROR], status: '503' });
    } finally {
      await dynamodb.close();
    }
  });

  it('refuses a malformed replay with 400 and an RFC 7644 body, before reading anything', async () => {
    const handler = await loadHandler();
    for (const body of ['{', '{"from":"yesterday"}', '{"from":"2026-01-01T00:00:00Z","extra":1}', '[]']) {
      const response = await handler(replayEvent(body), context);
      expect(response.statusCode, body).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ schemas: [ERROR], status: '400' });
    }
    const deep = `{"from":"2026-01-01T00:00:00Z","to":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const response = await handler(replayEvent(deep), context);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidSyntax', detail: expect.stringMatching(/deeper than \d+ levels/) });
  });
});
