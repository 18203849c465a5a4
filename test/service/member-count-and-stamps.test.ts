/**
 * What the directory service keeps for the Admin Portal, on DynamoDB Local: each group's member
 * count, exact after every kind of membership change, and the request stamp on the items it
 * writes, at no extra round trip.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RequestInfo } from '../../functions/activity/entries.ts';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { ENTITY, TABLE_DEFINITION } from '../../functions/adapters/dynamodb/table-definition.ts';
import { DirectoryService, type ScimContext } from '../../functions/service/directory-service.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';
import { commandsOf, RequestCounter } from '../support/request-counter.ts';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

let table: TestTable;
let repository: DynamoDbScimRepository;
let service: DirectoryService;

beforeAll(async () => {
  table = await createTestTable('member-count');
  repository = new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName });
  service = new DirectoryService(repository);
});

const REQUEST: RequestInfo = { requestId: 'req-1', method: 'PATCH', client: 'entra', status: 204 };

function newDirectory(request?: RequestInfo): ScimContext {
  const directoryId = `dir-${randomUUID().slice(0, 8)}`;
  return { directoryId, baseUrl: `https://scim.example.test/scim/v2/${directoryId}`, ...(request === undefined ? {} : { request }) };
}

/** Creates `n` users, a few at a time (the SDK's socket pool is 50). */
async function users(ctx: ScimContext, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < n; start += 20) {
    const batch = Array.from({ length: Math.min(20, n - start) }, (_, i) => service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `u${start + i}-${randomUUID()}` }));
    ids.push(...(await Promise.all(batch)).map((created) => created.body.id as string));
  }
  return ids;
}

const patch = (...Operations: Array<Record<string, unknown>>) => ({ schemas: [PATCH_OP], Operations });
const memberCountOf = async (ctx: ScimContext, groupId: string) => (await repository.getResource(ctx.directoryId, 'Group', groupId))?.memberCount;

describe('group member counts', () => {
  it('stay exact after a create with members, adds, removes, a PUT replace and a member deleted', async () => {
    const ctx = newDirectory(REQUEST);
    const [a, b, c, d, e] = (await users(ctx, 5)) as [string, string, string, string, string];
    const created = await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Team', members: [{ value: a }, { value: b }] });
    const groupId = created.body.id as string;
    expect(await memberCountOf(ctx, groupId)).toBe(2);

    await service.patch(ctx, 'Group', groupId, patch({ op: 'add', path: 'members', value: [{ value: c }, { value: d }, { value: a }] }));
    expect(await memberCountOf(ctx, groupId)).toBe(4);
    await service.patch(ctx, 'Group', groupId, patch({ op: 'remove', path: `members[value eq "${b}"]` }, { op: 'remove', path: 'members', value: [{ value: e }] }));
    expect(await memberCountOf(ctx, groupId)).toBe(3);
    await service.replace(ctx, 'Group', groupId, { schemas: [GROUP_SCHEMA], displayName: 'Team', members: [{ value: d }, { value: e }] });
    expect(await memberCountOf(ctx, groupId)).toBe(2);
    await service.delete(ctx, 'User', d);
    expect(await memberCountOf(ctx, groupId)).toBe(1);
    await service.patch(ctx, 'Group', groupId, patch({ op: 'remove', path: 'members' }));
    expect(await memberCountOf(ctx, groupId)).toBe(0);

    const empty = await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Empty' });
    expect(await memberCountOf(ctx, empty.body.id as string)).toBe(0);
  });

  // A slow shared machine may take a while to create the users.
  it('count more than one transaction of members (49 memberships each)', { timeout: 120_000 }, async () => {
    const ctx = newDirectory();
    const ids = await users(ctx, 60);
    const group = await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Big' });
    await service.patch(ctx, 'Group', group.body.id as string, patch({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }));
    expect(await memberCountOf(ctx, group.body.id as string)).toBe(60);
    await service.patch(ctx, 'Group', group.body.id as string, patch({ op: 'remove', path: 'members', value: ids.slice(0, 55).map((value) => ({ value })) }));
    expect(await memberCountOf(ctx, group.body.id as string)).toBe(5);
  });

  it('are never rendered in SCIM responses', async () => {
    const ctx = newDirectory(REQUEST);
    const [a] = await users(ctx, 1);
    const group = await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Shown', members: [{ value: a }] });
    const read = await service.get(ctx, 'Group', group.body.id as string);
    const user = await service.get(ctx, 'User', a as string);
    for (const body of [group.body, read.body, user.body]) {
      expect(JSON.stringify(body)).not.toContain('memberCount');
      expect(JSON.stringify(body)).not.toContain('lastRequest');
    }
    const listed = (await service.list(ctx, 'Group', {})) as unknown as { Resources: unknown[] };
    expect(JSON.stringify(listed)).not.toContain('memberCount');
  });

  it('are not exposed for a group stored before counts were kept', async () => {
    const ctx = newDirectory();
    const [a] = await users(ctx, 1);
    const groupId = randomUUID();
    const now = new Date().toISOString();
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.group(ctx.directoryId, groupId), [TABLE_DEFINITION.entityAttribute]: ENTITY.group, directoryId: ctx.directoryId, id: groupId, version: 1, created: now, lastModified: now, attributes: { schemas: [GROUP_SCHEMA], displayName: 'Old' } },
      }),
    );
    await service.patch(ctx, 'Group', groupId, patch({ op: 'add', path: 'members', value: [{ value: a }] }));
    expect(await memberCountOf(ctx, groupId)).toBeUndefined();
  });
});

describe('request stamps', () => {
  // Its own table and counter: no other test's requests are counted.
  let own: TestTable;
  let counter: RequestCounter;
  let stamped: DirectoryService;
  beforeAll(async () => {
    own = await createTestTable('stamps');
    counter = new RequestCounter(own.client);
    stamped = new DirectoryService(new DynamoDbScimRepository({ documentClient: own.documentClient, tableName: own.tableName }));
  });

  it('ride on the writes a request makes anyway: no operation gains a round trip', async () => {
    const ctx = newDirectory(REQUEST);
    const create = await counter.during(() => stamped.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `ada-${randomUUID()}` }));
    expect(commandsOf(create.requests)).toEqual(['TransactWriteItems']);
    const userId = create.result.body.id as string;
    const update = await counter.during(() => stamped.patch(ctx, 'User', userId, patch({ op: 'replace', path: 'displayName', value: 'Ada' })));
    expect(commandsOf(update.requests)).toEqual(['UpdateItem']);
    const group = await stamped.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: `g-${randomUUID()}` });
    const add = await counter.during(() => stamped.patch(ctx, 'Group', group.body.id as string, patch({ op: 'add', path: 'members', value: [{ value: userId }] })));
    expect(commandsOf(add.requests)).toEqual(['TransactWriteItems']);
    const remove = await counter.during(() => stamped.delete(ctx, 'User', userId));
    // The user, its membership and the group's count and version go in one transaction.
    expect(commandsOf(remove.requests)).toEqual(['GetItem', 'TransactWriteItems']);

    const { Item } = await own.documentClient.send(new GetCommand({ TableName: own.tableName, Key: keys.group(ctx.directoryId, group.body.id as string), ConsistentRead: true }));
    expect(Item?.lastRequest).toEqual({ ...REQUEST, at: expect.any(String) });
  });
});
