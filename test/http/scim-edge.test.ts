/**
 * The HTTP edge of a SCIM endpoint, driven through the same middy handler Lambda runs: media
 * type, size and JSON checks, method and authentication answers, and the 503 a throttled
 * dependency turns into. Storage is DynamoDB Local; Secrets Manager, which has no local
 * emulator, is faked at the SDK boundary.
 */
import { randomUUID } from 'node:crypto';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbActivityLog } from '../../functions/adapters/dynamodb/activity-writer.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { SecretsManagerSecretStore } from '../../functions/adapters/secrets/secret-store.ts';
import { generateToken, hashToken } from '../../functions/auth/token-format.ts';
import { DEFAULT_TOKEN_SECRET_PREFIX } from '../../functions/auth/token-secret.ts';
import { TokenVerifier } from '../../functions/auth/token-verifier.ts';
import { MAX_BODY_BYTES } from '../../functions/handlers/middleware.ts';
import { createScimHandler } from '../../functions/handlers/scim-handler.ts';
import { handleAnyScimRequest } from '../../functions/http/fallback-routes.ts';
import { handleResourceRequest } from '../../functions/http/resource-routes.ts';
import { resolveScimPath } from '../../functions/http/routes.ts';
import { DirectoryService } from '../../functions/service/directory-service.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';
import { ERROR, USER_SCHEMA } from '../support/urns.ts';

const DIR_A = 'k3edgedirectorya0000000000';
const DIR_B = 'k3edgedirectoryb0000000000';
const tokenA = generateToken();
const tokenB = generateToken();

const secretsManager = mockClient(SecretsManagerClient);
const logger = new Logger({ serviceName: 'scim-edge-test', logLevel: 'SILENT' });
const context = { awsRequestId: 'r1', functionName: 'users', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

let table: TestTable;
let service: DirectoryService;

function serveSecrets(): void {
  secretsManager.reset();
  // A directory without a secret: Secrets Manager answers as it does for a missing one.
  secretsManager.on(GetSecretValueCommand).rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
  for (const [directoryId, token] of [[DIR_A, tokenA], [DIR_B, tokenB]] as const) {
    secretsManager.on(GetSecretValueCommand, { SecretId: DEFAULT_TOKEN_SECRET_PREFIX + directoryId }).resolves({
      SecretString: JSON.stringify({
        directoryId,
        status: 'active',
        tokens: [{ id: `tok_${directoryId.slice(-4)}`, label: 'edge', hash: hashToken(token), createdAt: '2026-01-01T00:00:00Z' }],
      }),
    });
  }
}

/** A SCIM handler over these routes, with a verifier that reads the faked Secrets Manager. */
function scimHandler(routes: Parameters<typeof createScimHandler>[0], resolvePath?: typeof resolveScimPath) {
  const verifier = new TokenVerifier(new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' })), { cacheTtlMs: 0 });
  const activity = new DynamoDbActivityLog({ documentClient: table.documentClient, tableName: table.tableName });
  const handler = createScimHandler(routes, { verifier, logger, activity, ...(resolvePath === undefined ? {} : { resolvePath }) });
  return (event: APIGatewayProxyEvent) => handler(event, context) as Promise<APIGatewayProxyResult>;
}

/** The /Users handler over `users`. */
function usersHandler(users: DirectoryService) {
  return scimHandler((request) => handleResourceRequest('User', request, users));
}

/** The handler of the fallback route (`{proxy+}`): every endpoint in any spelling. */
function fallbackHandler(users: DirectoryService) {
  return scimHandler((request) => handleAnyScimRequest(request, users), resolveScimPath);
}

interface RequestOptions {
  method?: string;
  directoryId?: string;
  token?: string;
  contentType?: string;
  body?: string | null;
  id?: string;
}

function event({ method = 'GET', directoryId = DIR_A, token = tokenA, contentType, body = null, id }: RequestOptions = {}): APIGatewayProxyEvent {
  const path = `/scim/v2/${directoryId}/Users${id === undefined ? '' : `/${id}`}`;
  return {
    resource: `/scim/v2/{directoryId}/Users${id === undefined ? '' : '/{id}'}`,
    path,
    httpMethod: method,
    headers: { Authorization: `Bearer ${token}`, ...(contentType === undefined ? {} : { 'Content-Type': contentType }) },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { directoryId, ...(id === undefined ? {} : { id }) },
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: { path: `/v1${path}`, domainName: 'api.example.test', requestId: 'r1' } as APIGatewayProxyEvent['requestContext'],
  };
}

/** Status, scimType and headers of an answer, after checking it is an RFC 7644 §3.12 error body. */
function errorOf(response: APIGatewayProxyResult) {
  const body = JSON.parse(response.body) as { schemas: string[]; status: string; scimType?: string; detail?: string };
  expect(body.schemas).toEqual([ERROR]);
  expect(body.status).toBe(String(response.statusCode));
  expect(response.headers?.['Content-Type']).toBe('application/scim+json');
  return { status: response.statusCode, scimType: body.scimType, detail: body.detail, headers: response.headers ?? {} };
}

async function userCount(directoryId: string): Promise<number> {
  return (await service.list({ directoryId, baseUrl: 'https://api.example.test/scim/v2' }, 'User', {})).totalResults;
}

const newUser = JSON.stringify({ schemas: [USER_SCHEMA], userName: 'edge-user' });

beforeAll(async () => {
  table = await createTestTable('http');
  service = new DirectoryService(new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName }));
});

beforeEach(() => {
  serveSecrets();
});

describe('SCIM HTTP edge', () => {
  it('creates a user with a valid token and JSON body (the baseline the refusals below differ from)', async () => {
    const response = await usersHandler(service)(event({ method: 'POST', contentType: 'application/scim+json', body: newUser }));
    expect(response.statusCode).toBe(201);
    expect(response.headers?.Location).toMatch(new RegExp(`/scim/v2/${DIR_A}/Users/`));
    expect(await userCount(DIR_A)).toBe(1);
  });

  it.each([
    ['a media type other than JSON', { contentType: 'text/plain', body: newUser }, 415, undefined],
    ['a body over the size limit', { contentType: 'application/json', body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'x', title: 'a'.repeat(MAX_BODY_BYTES) }) }, 413, undefined],
    ['an empty body', { contentType: 'application/scim+json', body: '' }, 400, 'invalidSyntax'],
    ['a body of whitespace', { contentType: 'application/scim+json', body: ' \n ' }, 400, 'invalidSyntax'],
    ['a body that is not JSON', { contentType: 'application/scim+json', body: '{"schemas": [' }, 400, 'invalidSyntax'],
  ])('refuses %s with its status and scimType, and stores nothing', async (_name, request, status, scimType) => {
    const directoryId = DIR_B;
    const before = await userCount(directoryId);
    const response = await usersHandler(service)(event({ method: 'POST', directoryId, token: tokenB, ...request }));
    expect(errorOf(response)).toMatchObject({ status, scimType });
    expect(await userCount(directoryId)).toBe(before);
  });

  describe('bodies nested 100,000 levels deep', () => {
    const DEPTH = 100_000;
    const deepList = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
    const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
    const patch = (value: string) =>
      `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":${value}}]}`;

    it.each([
      ['a list as the whole body', 'POST', deepList],
      ['an object as the whole body', 'POST', deepObject],
      ['a list in an attribute', 'POST', `{"schemas":["${USER_SCHEMA}"],"userName":"deep","title":${deepList}}`],
      ['a list as a PATCH value', 'PATCH', patch(deepList)],
      ['an object as a PATCH value', 'PATCH', patch(deepObject)],
      ['an object in a PUT', 'PUT', `{"schemas":["${USER_SCHEMA}"],"userName":"deep","name":${deepObject}}`],
    ])('refuses %s with 400 invalidSyntax and changes nothing', async (_name, method, body) => {
      const created = await usersHandler(service)(
        event({ method: 'POST', directoryId: DIR_B, token: tokenB, contentType: 'application/scim+json', body: JSON.stringify({ schemas: [USER_SCHEMA], userName: `deep-${randomUUID()}`, title: 'Before' }) }),
      );
      const id = (JSON.parse(created.body) as { id: string }).id;
      const before = await usersHandler(service)(event({ directoryId: DIR_B, token: tokenB, id }));
      const count = await userCount(DIR_B);
      const response = await usersHandler(service)(
        event({ method, directoryId: DIR_B, token: tokenB, contentType: 'application/scim+json', body, ...(method === 'POST' ? {} : { id }) }),
      );
      expect(errorOf(response)).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
      expect(JSON.parse(response.body).detail).toMatch(/deeper than \d+ levels/);
      expect(await userCount(DIR_B)).toBe(count);
      expect((await usersHandler(service)(event({ directoryId: DIR_B, token: tokenB, id }))).body).toBe(before.body);
    });

    it('accepts the deepest shape SCIM needs: a PATCH of an extension attribute\'s sub-attribute', async () => {
      const created = await usersHandler(service)(
        event({ method: 'POST', directoryId: DIR_B, token: tokenB, contentType: 'application/scim+json', body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'shallow-enough' }) }),
      );
      const id = (JSON.parse(created.body) as { id: string }).id;
      // The manager must be a user of the directory: the user itself will do.
      const body = patch(`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"${id}"}}}`).replace('"path":"title",', '');
      const response = await usersHandler(service)(event({ method: 'PATCH', directoryId: DIR_B, token: tokenB, contentType: 'application/scim+json', body, id }));
      expect(response.statusCode).toBe(200);
    });
  });

  it.each([
    ['DELETE', {}],
    ['PUT', { contentType: 'application/scim+json', body: newUser }],
    ['PATCH', { contentType: 'application/scim+json', body: '{"Operations": [' }],
    ['PATCH', { token: 'not-a-token', body: null }],
    ['HEAD', {}],
  ])('answers %s on the collection with 405 and Allow: GET, POST, whatever the body and token, and stores nothing', async (method, request) => {
    const before = await userCount(DIR_A);
    const error = errorOf(await usersHandler(service)(event({ method, ...request })));
    expect(error).toMatchObject({ status: 405, scimType: undefined });
    expect(error.headers['Allow']).toBe('GET, POST');
    expect(await userCount(DIR_A)).toBe(before);
  });

  it('answers POST on a user with 405 and the methods a user serves', async () => {
    const error = errorOf(await usersHandler(service)(event({ method: 'POST', id: 'u1', contentType: 'application/scim+json', body: newUser })));
    expect(error).toMatchObject({ status: 405 });
    expect(error.headers['Allow']).toBe('GET, PUT, PATCH, DELETE');
  });

  it.each([
    ["a valid token of another directory", { directoryId: DIR_A, token: tokenB }],
    ['a well-formed token that is not one of the directory', { directoryId: DIR_A, token: generateToken() }],
    ['a well-formed token for a directory that does not exist', { directoryId: 'k3nosuchdirectory000000000', token: tokenA }],
    ['a token that is not well-formed', { directoryId: DIR_A, token: 'not-a-token' }],
  ])('answers 401 with a Bearer challenge to %s, before touching the directory', async (_name, request) => {
    const before = await userCount(DIR_A);
    const response = await usersHandler(service)(event({ method: 'POST', contentType: 'application/scim+json', body: newUser, ...request }));
    const error = errorOf(response);
    expect(error).toMatchObject({ status: 401, scimType: undefined });
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer /);
    expect(await userCount(DIR_A)).toBe(before);
  });

  it('answers 503 with Retry-After when DynamoDB throttles, so that the client retries', async () => {
    // DynamoDB Local never throttles; the SDK's own exception is thrown at the client boundary.
    const throttled = mockClient(table.documentClient);
    throttled.onAnyCommand().rejects(new ProvisionedThroughputExceededException({ $metadata: { httpStatusCode: 400 }, message: 'Rate of requests exceeds the allowed throughput.' }));
    try {
      const busy = new DirectoryService(new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName }));
      for (const request of [event(), event({ method: 'POST', contentType: 'application/scim+json', body: newUser })]) {
        const error = errorOf(await usersHandler(busy)(request));
        expect(error).toMatchObject({ status: 503, scimType: undefined });
        expect(Number(error.headers['Retry-After'])).toBeGreaterThan(0);
      }
    } finally {
      throttled.restore();
    }
  });
});

describe('SCIM HTTP edge: endpoint names in another letter case (the fallback route)', () => {
  function fallbackEvent(method: string, proxy: string, { token = tokenA, body = null }: { token?: string; body?: string | null } = {}): APIGatewayProxyEvent {
    const path = `/scim/v2/${DIR_A}/${proxy}`;
    return {
      ...event({ method, token, body, ...(body === null ? {} : { contentType: 'application/scim+json' }) }),
      resource: '/scim/v2/{directoryId}/{proxy+}',
      path,
      pathParameters: { directoryId: DIR_A, proxy },
      requestContext: { path: `/v1${path}`, domainName: 'api.example.test', requestId: 'r2' } as APIGatewayProxyEvent['requestContext'],
    };
  }
  const json = (response: APIGatewayProxyResult) => JSON.parse(response.body) as Record<string, unknown> & { id: string; meta: { location: string } };

  it('creates, reads and patches a user through /users, /USERS/{id} and /uSeRs/{id}, with canonical locations and the id as given', async () => {
    const handler = fallbackHandler(service);
    const created = await handler(fallbackEvent('POST', 'users', { body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'lower-case-path' }) }));
    expect(created.statusCode).toBe(201);
    const user = json(created);
    expect(created.headers?.Location).toBe(`https://api.example.test/v1/scim/v2/${DIR_A}/Users/${user.id}`);
    expect(user.meta.location).toBe(created.headers?.Location);

    const read = await handler(fallbackEvent('GET', `USERS/${user.id}`));
    expect(read.statusCode).toBe(200);
    expect(json(read)).toEqual(user);

    const patch = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Lower Case' }] });
    const patched = await handler(fallbackEvent('PATCH', `uSeRs/${user.id}`, { body: patch }));
    expect(patched.statusCode).toBe(200);
    expect(json(patched)).toMatchObject({ id: user.id, displayName: 'Lower Case', meta: { location: user.meta.location } });

    // The id keeps its case: another casing of it is another (unknown) id.
    expect(user.id).not.toBe(user.id.toUpperCase());
    expect(errorOf(await handler(fallbackEvent('GET', `users/${user.id.toUpperCase()}`)))).toMatchObject({ status: 404 });
  });

  it('answers the discovery endpoints as their canonical routes do', async () => {
    const handler = fallbackHandler(service);
    const config = await handler(fallbackEvent('GET', 'serviceproviderconfig'));
    expect(config.statusCode).toBe(200);
    expect(json(config)['schemas']).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    const userType = await handler(fallbackEvent('GET', 'resourcetypes/User'));
    expect(json(userType)).toMatchObject({ id: 'User', endpoint: '/Users' });
  });

  it.each(['nothing', 'users/u1/extra', 'ſchemas', 'Bulk/1', 'Mee'])('answers /%s, which no endpoint has, with a SCIM 404, with or without a token', async (proxy) => {
    for (const token of [tokenA, 'not-a-token']) {
      expect(errorOf(await fallbackHandler(service)(fallbackEvent('GET', proxy, { token })))).toMatchObject({ status: 404, scimType: undefined });
    }
  });

  it.each([
    ['GET', 'Me'],
    ['PATCH', 'me'],
    ['GET', 'Me/groups'],
    ['POST', 'Bulk'],
    ['POST', 'bulk'],
  ])('answers %s /%s, an endpoint RFC 7644 defines and this service does not offer, with a SCIM 501, with or without a token', async (method, proxy) => {
    for (const token of [tokenA, 'not-a-token']) {
      const error = errorOf(await fallbackHandler(service)(fallbackEvent(method, proxy, { token })));
      expect(error).toMatchObject({ status: 501, scimType: undefined });
      expect(error.detail).toMatch(/is not supported/);
    }
  });

  it('answers DELETE /users with 405 and Allow, as DELETE /Users', async () => {
    const error = errorOf(await fallbackHandler(service)(fallbackEvent('DELETE', 'users')));
    expect(error).toMatchObject({ status: 405 });
    expect(error.headers['Allow']).toBe('GET, POST');
  });
});
