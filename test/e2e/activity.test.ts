/**
 * Provisioning activity over HTTP against the local runtime: failures answered after the token
 * was verified are recorded (with the SCIM error the client saw); unauthenticated requests leave
 * nothing; successful writes are recorded from the stream.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, createDynamoDbClient } from '../../functions/adapters/dynamodb/client.ts';
import { keys, SK } from '../../functions/adapters/dynamodb/keys.ts';
import { ScimClient, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { sleep } from '../../functions/shared/sleep.ts';
import { GROUP_SCHEMA, USER_SCHEMA } from '../support/urns.ts';

let runtime: TestRuntime;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  runtime = await startTestRuntime();
  documents = createDocumentClient(createDynamoDbClient({ endpoint: runtime.info.dynamodbEndpoint, region: 'us-east-1' }));
});

afterAll(async () => {
  await runtime?.stop();
});

async function activityOf(directoryId: string): Promise<Array<Record<string, unknown>>> {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: runtime.info.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.partition(directoryId), ':prefix': SK.activityPrefix },
      ConsistentRead: true,
    }),
  );
  return Items;
}

async function requestStatusOf(directoryId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: runtime.info.tableName, Key: keys.requestStatus(directoryId), ConsistentRead: true }));
  return Item;
}

const OKTA = { 'User-Agent': 'Okta SCIM Client 1.0.0' };

describe('activity of failed requests', () => {
  it('records a 409 on userName and a 400 with their scimType and detail, and sets lastFailureAt', async () => {
    const userName = `dup-${randomUUID().slice(0, 8)}@example.com`;
    expect((await runtime.client.post('/Users', { schemas: [USER_SCHEMA], userName }, OKTA)).status).toBe(201);
    const conflict = await runtime.client.post('/Users', { schemas: [USER_SCHEMA], userName }, OKTA);
    expect(conflict.status).toBe(409);
    const invalid = await runtime.client.post('/Users', { schemas: [USER_SCHEMA], userName: `${userName}.x`, active: 'maybe' }, OKTA);
    expect(invalid.status).toBe(400);

    const failures = (await activityOf(runtime.directoryId)).filter((item) => item.outcome === 'failure');
    const uniqueness = failures.find((item) => item.status === 409);
    expect(uniqueness).toMatchObject({
      directoryId: runtime.directoryId,
      method: 'POST',
      resourceType: 'User',
      resourceName: userName,
      status: 409,
      outcome: 'failure',
      scimType: 'uniqueness',
      detail: conflict.body.detail,
      client: 'okta',
    });
    expect(uniqueness?.requestId).toEqual(expect.any(String));
    const badValue = failures.find((item) => item.status === 400);
    expect(badValue).toMatchObject({ method: 'POST', resourceType: 'User', status: 400, scimType: invalid.body.scimType, detail: invalid.body.detail, client: 'okta' });
    const status = await requestStatusOf(runtime.directoryId);
    expect(status?.lastFailureAt).toEqual(expect.any(String));
    expect(status?.lastFailureAt).toBe([uniqueness?.at, badValue?.at].sort().at(-1));
    // Never a body, a token or a filter.
    for (const item of failures) expect(Object.keys(item).sort()).not.toContain('body');
  });

  it('records a 404 on a read, without quoting a filter', async () => {
    const missing = await runtime.client.get(`/Users/${randomUUID()}`);
    expect(missing.status).toBe(404);
    const badFilter = await runtime.client.get(`/Users?filter=${encodeURIComponent('userName xx "secret-person@example.com"')}`);
    expect(badFilter.status).toBe(400);
    const failures = (await activityOf(runtime.directoryId)).filter((item) => item.method === 'GET');
    expect(failures.map((item) => item.status).sort()).toEqual([400, 404]);
    expect(JSON.stringify(failures)).not.toContain('secret-person');
  });

  it('writes nothing for an unauthenticated request, whether the directory exists or not', async () => {
    // Successes of earlier tests may still arrive from the stream: compare the failures.
    const failuresOf = async (directoryId: string) => (await activityOf(directoryId)).filter((item) => item.outcome === 'failure');
    const before = await failuresOf(runtime.directoryId);
    const statusBefore = await requestStatusOf(runtime.directoryId);
    const wrongToken = new ScimClient(runtime.tenantUrl, `${runtime.token.slice(0, -4)}AAAA`);
    expect((await wrongToken.post('/Users', { schemas: [USER_SCHEMA], userName: 'x@example.com' })).status).toBe(401);
    const madeUp = 'k3' + randomUUID().replaceAll('-', '').slice(0, 24);
    const stranger = new ScimClient(runtime.tenantUrl.replace(runtime.directoryId, madeUp), runtime.token);
    expect((await stranger.get('/Users')).status).toBe(401);
    expect(await failuresOf(runtime.directoryId)).toEqual(before);
    expect(await requestStatusOf(runtime.directoryId)).toEqual(statusBefore);
    expect(await activityOf(madeUp)).toEqual([]);
    expect(await requestStatusOf(madeUp)).toBeUndefined();
  });
});

describe('activity of successful requests', () => {
  it('records a create from the stream, with the client and the request id, and keeps the stamp out of responses', async () => {
    const created = await runtime.client.post('/Users', { schemas: [USER_SCHEMA], userName: `ok-${randomUUID().slice(0, 8)}@example.com` }, { 'User-Agent': 'Azure Active Directory SCIM Client' });
    expect(created.status).toBe(201);
    const group = await runtime.client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `g-${randomUUID().slice(0, 8)}`, members: [{ value: created.body.id }] });
    expect(group.status).toBe(201);
    let entry: Record<string, unknown> | undefined;
    // The local stream poller reads about twice a second; give it a bounded while.
    for (let attempt = 0; attempt < 100 && entry === undefined; attempt++) {
      entry = (await activityOf(runtime.directoryId)).find((item) => item.resourceId === created.body.id && item.outcome === 'success');
      if (entry === undefined) await sleep(100);
    }
    expect(entry).toMatchObject({ method: 'POST', status: 201, resourceType: 'User', resourceName: created.body.userName, client: 'entra', requestId: expect.any(String) });
    for (const reply of [created, group, await runtime.client.get(`/Users/${created.body.id}`), await runtime.client.get(`/Groups/${group.body.id}`)]) {
      expect(JSON.stringify(reply.body)).not.toContain('lastRequest');
      expect(JSON.stringify(reply.body)).not.toContain('memberCount');
    }
  });
});
