/**
 * The SCIM handler's failure path and access log, with the verifier and the activity log as
 * plain ports: what is recorded for a failed request, that a recording failure never changes
 * the answer, and that concurrent requests each log their own duration and request id.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../functions/activity/activity.ts';
import { ScimError } from '../../functions/core/error.ts';
import { TIMEOUT_EARLY_MS } from '../../functions/handlers/middleware.ts';
import { createScimHandler, type ScimRoutes } from '../../functions/handlers/scim-handler.ts';
import { sleep } from '../../functions/shared/sleep.ts';

const DIR = 'k3directoryid0000000000003';

function event(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: '/scim/v2/{directoryId}/Users/{id}',
    path: `/scim/v2/${DIR}/Users/u-1`,
    httpMethod: 'PUT',
    headers: { Authorization: 'Bearer good', 'Content-Type': 'application/scim+json', 'User-Agent': 'Okta SCIM Client' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { directoryId: DIR, id: 'u-1' },
    stageVariables: null,
    body: JSON.stringify({ userName: 'ada@contoso.test' }),
    isBase64Encoded: false,
    requestContext: { path: `/v1/scim/v2/${DIR}/Users/u-1`, domainName: 'api.example.test', requestId: 'apigw-req-1' } as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}

const context = { awsRequestId: 'lambda-1', functionName: 'users', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** A logger whose lines are kept, parsed. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = new Logger({ serviceName: 'test', logLevel: 'INFO' });
  // Powertools writes through console; keep what it would print.
  (logger as unknown as { console: { info: (line: string) => void; warn: (line: string) => void; error: (line: string) => void } }).console = {
    info: (line: string) => lines.push(JSON.parse(line)),
    warn: (line: string) => lines.push(JSON.parse(line)),
    error: (line: string) => lines.push(JSON.parse(line)),
  };
  return { logger, lines };
}

const verifier = {
  verify: async (_directoryId: string, token: string) =>
    token === 'good' ? ({ ok: true, tokenId: 'tok' } as const) : token === 'disabled' ? ({ ok: false, reason: 'disabled' } as const) : ({ ok: false, reason: 'invalid' } as const),
};

function handlerWith(routes: ScimRoutes, recordFailure: (entry: ActivityEntry) => Promise<void>) {
  const { logger, lines } = capturingLogger();
  const handler = createScimHandler(routes, { verifier, logger, activity: { recordFailure } });
  return { invoke: (e: APIGatewayProxyEvent) => handler(e, context) as Promise<APIGatewayProxyResult>, lines };
}

describe('a request that runs out of time', () => {
  it('is answered a SCIM 503 with Retry-After before the function times out, and recorded', async () => {
    const recorded: ActivityEntry[] = [];
    const { logger } = capturingLogger();
    const handler = createScimHandler(
      // A storage call that never returns, bounded by the test.
      async () => {
        await sleep(5_000);
        return { statusCode: 204, headers: {}, body: "" };
      },
      { verifier, logger, activity: { recordFailure: async (entry) => void recorded.push(entry) } },
    );
    const started = Date.now();
    const nearTimeout = { ...context, getRemainingTimeInMillis: () => TIMEOUT_EARLY_MS + 200 } as Context;
    const response = (await handler(event(), nearTimeout)) as APIGatewayProxyResult;
    // Answered with the margin left, not at the last moment (200 ms here, not 1,195).
    expect(Date.now() - started).toBeLessThan(800);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('2');
    expect(JSON.parse(response.body)).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' });
    expect(recorded.map((entry) => entry.status)).toEqual([503]);
  });
});

describe('failed requests', () => {
  it('are recorded with what the client was answered, the request id and the client', async () => {
    const recorded: ActivityEntry[] = [];
    const { invoke } = handlerWith(
      () => {
        throw ScimError.of('uniqueness', 'userName is already in use in this directory');
      },
      async (entry) => void recorded.push(entry),
    );
    const response = await invoke(event());
    expect(response.statusCode).toBe(409);
    expect(recorded).toEqual([
      {
        directoryId: DIR,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        requestId: 'apigw-req-1',
        method: 'PUT',
        resourceType: 'User',
        resourceId: 'u-1',
        resourceName: 'ada@contoso.test',
        status: 409,
        outcome: 'failure',
        scimType: 'uniqueness',
        detail: 'userName is already in use in this directory',
        client: 'okta',
      },
    ]);
  });

  it('keep their answer when recording fails', async () => {
    const { invoke, lines } = handlerWith(
      () => {
        throw new ScimError(404, 'User u-1 not found');
      },
      async () => {
        throw Object.assign(new Error('DynamoDB is down'), { name: 'InternalServerError' });
      },
    );
    const response = await invoke(event({ httpMethod: 'GET', body: null }));
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ status: '404', detail: 'User u-1 not found' });
    expect(lines.some((line) => line.message === 'could not record a failed request as activity')).toBe(true);
  });

  it('are recorded for a disabled directory (a valid token), never for a wrong token', async () => {
    const recorded: ActivityEntry[] = [];
    const { invoke } = handlerWith(() => ({ statusCode: 200, headers: {}, body: '' }), async (entry) => void recorded.push(entry));
    expect((await invoke(event({ headers: { Authorization: 'Bearer wrong' } }))).statusCode).toBe(401);
    expect((await invoke(event({ headers: {} }))).statusCode).toBe(401);
    expect(recorded).toEqual([]);
    expect((await invoke(event({ headers: { Authorization: 'Bearer disabled' } }))).statusCode).toBe(403);
    expect(recorded.map((entry) => [entry.status, entry.outcome])).toEqual([[403, 'failure']]);
  });

  it('are not recorded when the request succeeds', async () => {
    const recorded: ActivityEntry[] = [];
    const { invoke } = handlerWith(() => ({ statusCode: 200, headers: {}, body: '{}' }), async (entry) => void recorded.push(entry));
    expect((await invoke(event())).statusCode).toBe(200);
    expect(recorded).toEqual([]);
  });
});

describe('access log', () => {
  it('logs each request with its own duration and request id, also when requests overlap', async () => {
    const { invoke, lines } = handlerWith(
      async (request) => {
        await sleep(request.requestId === 'slow' ? 300 : 10);
        return { statusCode: 200, headers: {}, body: '{}' };
      },
      async () => undefined,
    );
    const slow = invoke(event({ requestContext: { requestId: 'slow' } as APIGatewayProxyEvent['requestContext'] }));
    await sleep(50);
    await invoke(event({ requestContext: { requestId: 'fast' } as APIGatewayProxyEvent['requestContext'] }));
    await slow;
    const logged = lines.filter((line) => line.message === 'scim request');
    const byId = new Map(logged.map((line) => [line.requestId, line.durationMs as number]));
    expect([...byId.keys()].sort()).toEqual(['fast', 'slow']);
    expect(byId.get('slow')).toBeGreaterThanOrEqual(290);
    // Each measured from its own start: the slow one is not cut short by the fast one's start.
    expect(byId.get('fast')).toBeLessThan(byId.get('slow') as number);
  });
});
