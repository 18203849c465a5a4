/**
 * Storage faults the SDK retries (throttling, a 500, a dropped connection), injected by the fault
 * proxy in front of DynamoDB Local on the first call of each write: the SCIM request still applies,
 * once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, createDynamoDbClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { DirectoryService, type ScimContext } from '../../functions/service/directory-service.ts';
import { createTestTable } from '../support/dynamodb.ts';
import { FaultProxy, type FaultKind } from '../support/fault-proxy.ts';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

let proxy: FaultProxy;
let repository: DynamoDbScimRepository;
let service: DirectoryService;

beforeAll(async () => {
  const table = await createTestTable('faults');
  proxy = await FaultProxy.start(table.endpoint);
  const client = createDynamoDbClient({ endpoint: proxy.endpoint, region: 'us-east-1' });
  repository = new DynamoDbScimRepository({ documentClient: createDocumentClient(client), tableName: table.tableName });
  service = new DirectoryService(repository);
});

afterAll(async () => {
  await proxy?.close();
});

function newDirectory(): ScimContext {
  const directoryId = `dir-${randomUUID().slice(0, 8)}`;
  return { directoryId, baseUrl: `https://scim.example.test/scim/v2/${directoryId}` };
}

describe.each<FaultKind>(['throttle', 'error500', 'drop'])('a %s on the first call of each write', (kind) => {
  it('still creates, updates and links once, with exact counts', async () => {
    const ctx = newDirectory();
    proxy.setFaults([
      { operation: 'TransactWriteItems', nth: 1, kind },
      { operation: 'UpdateItem', nth: 1, kind },
    ]);
    const userId = (await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'ada' })).body.id as string;
    await service.patch(ctx, 'User', userId, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'title', value: 'CEO' }] });
    const groupId = (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Team', members: [{ value: userId }] })).body.id as string;
    expect(proxy.injected.get(kind)).toBeGreaterThanOrEqual(2);
    expect(await repository.getCounters(ctx.directoryId)).toEqual({ users: 1, activeUsers: 1, groups: 1 });
    const user = await service.get(ctx, 'User', userId);
    expect(user.body).toMatchObject({ title: 'CEO', groups: [{ value: groupId }] });
    expect((await repository.getResource(ctx.directoryId, 'Group', groupId))?.memberCount).toBe(1);
    proxy.setFaults([]);
  });
});
