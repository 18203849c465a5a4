/**
 * PATCH in one write, on DynamoDB Local: a member add or remove is one conditional transaction,
 * a plain attribute update one conditional UpdateItem. Every condition that the read used to
 * check is checked by the write; when one fails nothing is written and the general path reads,
 * explains and answers exactly as before.
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { DirectoryService, type ScimContext } from '../../functions/service/directory-service.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';
import { newDirectory } from '../support/service-fixtures.ts';
import { commandsOf, RequestCounter } from '../support/request-counter.ts';
import { scimRejectionOf } from '../support/scim-errors.ts';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

let table: TestTable;
let repository: DynamoDbScimRepository;
let service: DirectoryService;
let counter: RequestCounter;

beforeAll(async () => {
  table = await createTestTable('one-write');
  counter = new RequestCounter(table.client);
  repository = new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName, maxGroupsPerMember: 2 });
  service = new DirectoryService(repository, { maxReplacedMembers: 3 });
});

const patch = (...Operations: Array<Record<string, unknown>>) => ({ schemas: [PATCH_OP], Operations });
const addMembers = (...ids: string[]) => patch({ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) });
const newUser = async (ctx: ScimContext, extra: Record<string, unknown> = {}) =>
  (await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `u-${randomUUID()}`, ...extra })).body.id as string;
const newGroup = async (ctx: ScimContext) => (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: `g-${randomUUID()}` })).body.id as string;

/** Every item of the directory's partition, for "nothing changed" comparisons. */
async function partition(ctx: ScimContext): Promise<unknown[]> {
  const { Items = [] } = await table.documentClient.send(
    new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.partition(ctx.directoryId) }, ConsistentRead: true }),
  );
  return Items;
}

async function memberIds(ctx: ScimContext, groupId: string): Promise<string[]> {
  const group = await service.get(ctx, 'Group', groupId);
  return ((group.body.members ?? []) as Array<{ value: string }>).map((member) => member.value).sort();
}

describe('group member changes in one transaction', () => {
  it('adds a member that is a group, guessed a user first, with the read only after the guess failed', async () => {
    const ctx = newDirectory();
    const [parent, child] = [await newGroup(ctx), await newGroup(ctx)];
    const { requests } = await counter.during(() => service.patch(ctx, 'Group', parent, addMembers(child)));
    expect(commandsOf(requests)).toEqual(['TransactWriteItems', 'GetItem', 'BatchGetItem', 'TransactWriteItems']);
    const group = await service.get(ctx, 'Group', parent);
    expect(group.body.members).toEqual([expect.objectContaining({ value: child, type: 'Group' })]);
  });

  it('skips a member that is in already, and leaves the group as it was', async () => {
    const ctx = newDirectory();
    const [groupId, userId] = [await newGroup(ctx), await newUser(ctx)];
    await service.patch(ctx, 'Group', groupId, addMembers(userId));
    const before = await partition(ctx);
    await service.patch(ctx, 'Group', groupId, addMembers(userId));
    expect(await partition(ctx)).toEqual(before);
    expect((await repository.getResource(ctx.directoryId, 'Group', groupId))?.memberCount).toBe(1);
  });

  it('answers 404 for an unknown group and 400 for an unknown member, storing nothing', async () => {
    const ctx = newDirectory();
    const [groupId, userId] = [await newGroup(ctx), await newUser(ctx)];
    const before = await partition(ctx);
    expect((await scimRejectionOf(() => service.patch(ctx, 'Group', randomUUID(), addMembers(userId)))).status).toBe(404);
    const missing = await scimRejectionOf(() => service.patch(ctx, 'Group', groupId, addMembers(userId, randomUUID())));
    expect(missing).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(await partition(ctx)).toEqual(before);
  });

  it('applies one of two member changes sent with the same If-Match, and answers 412 to the other', async () => {
    const ctx = newDirectory();
    const [groupId, a, b] = [await newGroup(ctx), await newUser(ctx), await newUser(ctx)];
    const { etag } = await service.get(ctx, 'Group', groupId);
    const results = await Promise.allSettled([service.patch(ctx, 'Group', groupId, addMembers(a), etag), service.patch(ctx, 'Group', groupId, addMembers(b), etag)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason).toMatchObject({ status: 412 });
    expect(await memberIds(ctx, groupId)).toHaveLength(1);
  });

  it('conditions the member writes of a general PATCH on the If-Match version too', async () => {
    const ctx = newDirectory();
    const [groupId, a, b] = [await newGroup(ctx), await newUser(ctx), await newUser(ctx)];
    const { etag } = await service.get(ctx, 'Group', groupId);
    // A rename with members takes the general path: read, check If-Match, write.
    const rename = (name: string, member: string) => patch({ op: 'replace', path: 'displayName', value: name }, { op: 'add', path: 'members', value: [{ value: member }] });
    const results = await Promise.allSettled([
      service.patch(ctx, 'Group', groupId, rename(`x-${randomUUID()}`, a), etag),
      service.patch(ctx, 'Group', groupId, rename(`y-${randomUUID()}`, b), etag),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(await memberIds(ctx, groupId)).toHaveLength(1);
  });

  it('refuses to put a member in more groups than one member may be in, with a 400 and nothing stored', async () => {
    const ctx = newDirectory();
    const userId = await newUser(ctx);
    const groups = [await newGroup(ctx), await newGroup(ctx), await newGroup(ctx)];
    await service.patch(ctx, 'Group', groups[0] as string, addMembers(userId));
    await service.patch(ctx, 'Group', groups[1] as string, addMembers(userId));
    const before = await partition(ctx);
    const refused = await scimRejectionOf(() => service.patch(ctx, 'Group', groups[2] as string, addMembers(userId)));
    expect(refused).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(refused.detail).toContain('at most 2 groups');
    expect(await partition(ctx)).toEqual(before);
  });

  it('refuses a journaled add (more members than one transaction holds) with a member at the limit before writing anything', async () => {
    const ctx = newDirectory();
    const full = await newUser(ctx);
    await service.patch(ctx, 'Group', await newGroup(ctx), addMembers(full));
    await service.patch(ctx, 'Group', await newGroup(ctx), addMembers(full));
    const others: string[] = [];
    for (let i = 0; i < 60; i++) others.push(await newUser(ctx));
    const groupId = await newGroup(ctx);
    const before = await partition(ctx);
    const body = { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [...others, full].map((value) => ({ value })) }] };
    const refused = await scimRejectionOf(() => service.patch(ctx, 'Group', groupId, body));
    expect(refused).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(refused.detail).toContain(`at most 2 groups; ${full} already is`);
    // No journal, no member: the request was refused whole, not applied without that member.
    expect(await partition(ctx)).toEqual(before);
    const created = await scimRejectionOf(() => service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Too many', members: [...others, full].map((value) => ({ value })) }));
    expect(created).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(await partition(ctx)).toEqual(before);
  });

  it('bounds a members replace by the size of the group it rewrites, naming the limit', async () => {
    const ctx = newDirectory();
    const groupId = await newGroup(ctx);
    const users = [await newUser(ctx), await newUser(ctx), await newUser(ctx), await newUser(ctx)];
    await service.patch(ctx, 'Group', groupId, addMembers(...users));
    const before = await partition(ctx);
    const refused = await scimRejectionOf(() => service.patch(ctx, 'Group', groupId, patch({ op: 'replace', path: 'members', value: [{ value: users[0] }] })));
    expect(refused).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(refused.detail).toContain('at most 3 members');
    expect(await partition(ctx)).toEqual(before);
  });
});

describe('user attribute updates in one write', () => {
  it('sets a sub-attribute and an extension attribute the user has no parent for, through the general path', async () => {
    const ctx = newDirectory();
    const userId = await newUser(ctx);
    const result = await service.patch(
      ctx,
      'User',
      userId,
      patch({ op: 'Replace', path: 'name.givenName', value: 'Ada' }, { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'R&D' }),
      undefined,
      {},
    );
    expect(result?.body).toMatchObject({ name: { givenName: 'Ada' }, [ENTERPRISE]: { department: 'R&D' } });
    expect(result?.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    // Now that both parents exist, the same kind of change is one write.
    const { requests, result: again } = await counter.during(() =>
      service.patch(ctx, 'User', userId, patch({ op: 'Replace', path: 'name.familyName', value: 'Lovelace' }, { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Maths' }), undefined, {}),
    );
    expect(commandsOf(requests)).toEqual(['UpdateItem']);
    expect(again?.body).toMatchObject({ name: { givenName: 'Ada', familyName: 'Lovelace' }, [ENTERPRISE]: { department: 'Maths' } });
  });

  it('answers 412 for a stale If-Match and 404 for an unknown user, storing nothing', async () => {
    const ctx = newDirectory();
    const userId = await newUser(ctx);
    const before = await partition(ctx);
    const title = patch({ op: 'Replace', path: 'title', value: 'CEO' });
    expect((await scimRejectionOf(() => service.patch(ctx, 'User', userId, title, 'W/"7"'))).status).toBe(412);
    expect((await scimRejectionOf(() => service.patch(ctx, 'User', randomUUID(), title))).status).toBe(404);
    expect(await partition(ctx)).toEqual(before);
    const { requests } = await counter.during(() => service.patch(ctx, 'User', userId, title, 'W/"1"', {}));
    expect(commandsOf(requests)).toEqual(['UpdateItem']);
  });

  it('keeps the active-user count exact through deactivations and reactivations, repeated', async () => {
    const ctx = newDirectory();
    const userId = await newUser(ctx);
    const active = (value: string) => patch({ op: 'Replace', path: 'active', value });
    for (const value of ['False', 'False', 'True', 'True', 'False']) await service.patch(ctx, 'User', userId, active(value));
    expect(await repository.getCounters(ctx.directoryId)).toMatchObject({ users: 1, activeUsers: 0 });
    await service.patch(ctx, 'User', userId, active('True'));
    expect(await repository.getCounters(ctx.directoryId)).toMatchObject({ users: 1, activeUsers: 1 });
  });
});
