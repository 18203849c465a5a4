/**
 * A SCIM request killed between any two of its storage calls, on DynamoDB Local, then retried by
 * the client: the retry converges to what one successful request stores, and the counts are
 * exact (recounted from the items).
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys, SK } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { DirectoryService, type ScimContext } from '../../functions/service/directory-service.ts';
import { CrashPoints, KilledHere } from '../support/crash-points.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';
import { newDirectory } from '../support/service-fixtures.ts';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

let table: TestTable;
let service: DirectoryService;
let repository: DynamoDbScimRepository;
let crash: CrashPoints;

beforeAll(async () => {
  table = await createTestTable('crash');
  crash = new CrashPoints(table.client);
  repository = new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName });
  service = new DirectoryService(repository);
});

async function items(ctx: ScimContext): Promise<Array<Record<string, unknown>>> {
  const { Items = [] } = await table.documentClient.send(
    new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.partition(ctx.directoryId) }, ConsistentRead: true }),
  );
  return Items;
}

/** Groups, memberships and counters as stored, recounted. */
async function census(ctx: ScimContext) {
  const all = await items(ctx);
  const groups = all.filter((item) => (item.sk as string).startsWith(SK.groupPrefix));
  const memberships = all.filter((item) => (item.sk as string).startsWith(SK.memberPrefix));
  return { groups, memberships, counters: await repository.getCounters(ctx.directoryId) };
}

/** `npm run test:faults` runs the scenarios at a larger size. */
const LONG = process.env.SCIM_FAULT_SCALE === 'long';

/** Runs `attempt` killed after 0, 1, 2 … storage calls, each time in a fresh directory, until it runs through. */
async function atEveryCrashPoint(setUp: (ctx: ScimContext) => Promise<void>, attempt: (ctx: ScimContext) => Promise<unknown>, check: (ctx: ScimContext) => Promise<void>) {
  for (let calls = 0; calls < 200; calls++) {
    const ctx = newDirectory();
    await setUp(ctx);
    crash.killAfter(calls);
    let finished = false;
    try {
      await attempt(ctx);
      finished = true;
    } catch (error) {
      expect(error).toBeInstanceOf(KilledHere);
    } finally {
      crash.disarm();
    }
    // The client retries the request whatever happened; a 409 (create) or 404 (delete) says the
    // first attempt had gone through.
    if (!finished) await attempt(ctx).catch((error: unknown) => expect([404, 409]).toContain((error as { status?: number }).status));
    await check(ctx);
    if (finished) return calls;
  }
  throw new Error('the operation never ran through');
}

const users = async (ctx: ScimContext, n: number) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `u${i}-${randomUUID()}` })).body.id as string);
  return ids;
};

describe('a request killed between storage calls, then retried', () => {
  it('a group create with members leaves the group with all its members, or nothing, at every crash point', async () => {
    let members: string[] = [];
    const crashPoints = await atEveryCrashPoint(
      async (ctx) => {
        members = await users(ctx, LONG ? 47 : 3);
      },
      (ctx) => service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Analysts', externalId: 'g-1', members: members.map((value) => ({ value })) }),
      async (ctx) => {
        const { groups, memberships, counters } = await census(ctx);
        expect(groups).toHaveLength(1);
        expect(memberships).toHaveLength(members.length);
        expect(groups[0]?.memberCount).toBe(members.length);
        expect(counters?.groups).toBe(1);
      },
    );
    // Resolving the members, then one transaction.
    expect(crashPoints).toBe(2);
  });

  it('a member add leaves the member in, once, at every crash point', async () => {
    let groupId = '';
    let userId = '';
    await atEveryCrashPoint(
      async (ctx) => {
        [userId] = (await users(ctx, 1)) as [string];
        groupId = (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Team' })).body.id as string;
      },
      (ctx) => service.patch(ctx, 'Group', groupId, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: userId }] }] }),
      async (ctx) => {
        const { groups, memberships } = await census(ctx);
        expect(memberships).toHaveLength(1);
        expect(groups[0]?.memberCount).toBe(1);
        expect((await repository.getResource(ctx.directoryId, 'User', userId))?.memberOf).toEqual([groupId]);
      },
    );
  });
});

describe('a user in several groups deleted, killed between storage calls, then retried', () => {
  it('leaves no membership of the user and every group one member fewer, at every crash point', async () => {
    let userId = '';
    let groupIds: string[] = [];
    const crashPoints = await atEveryCrashPoint(
      async (ctx) => {
        const [target, other] = (await users(ctx, 2)) as [string, string];
        userId = target;
        groupIds = [];
        for (let i = 0; i < (LONG ? 20 : 3); i++) {
          const created = await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: `g${i}`, members: [{ value: target }, { value: other }] });
          groupIds.push(created.body.id as string);
        }
      },
      (ctx) => service.delete(ctx, 'User', userId),
      async (ctx) => {
        const { groups, memberships, counters } = await census(ctx);
        expect(await repository.getResource(ctx.directoryId, 'User', userId)).toBeUndefined();
        expect(memberships.filter((item) => item.memberId === userId)).toEqual([]);
        expect(memberships).toHaveLength(groupIds.length);
        expect(groups.map((group) => group.memberCount)).toEqual(groupIds.map(() => 1));
        expect(counters).toMatchObject({ users: 1, groups: groupIds.length });
      },
    );
    // Read the user, leave each group, then the delete's own transaction.
    expect(crashPoints).toBe(groupIds.length + 2);
  }, 300_000);
});

describe('a group PATCH of attributes and members', () => {
  it('answers 400 with nothing stored when a new member vanishes between the check and the write', async () => {
    const ctx = newDirectory();
    const [userId] = (await users(ctx, 1)) as [string];
    const groupId = (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Before' })).body.id as string;
    const before = await items(ctx);
    // The user's item goes right before the PATCH's first write, as if a delete had raced ahead
    // of this request's check.
    let armed = true;
    table.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (armed && (context.commandName === 'TransactWriteItemsCommand' || context.commandName === 'UpdateItemCommand')) {
          armed = false;
          await table.documentClient.send(new DeleteCommand({ TableName: table.tableName, Key: keys.user(ctx.directoryId, userId) }));
        }
        return next(args);
      },
      { step: 'initialize', name: 'vanishingMember', priority: 'high' },
    );
    try {
      const rejected = await service
        .patch(ctx, 'Group', groupId, {
          schemas: [PATCH_OP],
          Operations: [
            { op: 'replace', path: 'displayName', value: 'After' },
            { op: 'add', path: 'members', value: [{ value: userId }] },
          ],
        })
        .then(() => undefined, (error: unknown) => error);
      expect(rejected).toMatchObject({ status: 400, scimType: 'invalidValue' });
    } finally {
      table.client.middlewareStack.remove('vanishingMember');
    }
    const after = (await items(ctx)).filter((item) => item.sk !== keys.user(ctx.directoryId, userId).sk);
    expect(after).toEqual(before.filter((item) => item.sk !== keys.user(ctx.directoryId, userId).sk));
  });
});
