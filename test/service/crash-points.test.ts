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
import { DirectoryService, MAX_MEMBER_CHANGES, type ScimContext } from '../../functions/service/directory-service.ts';
import { MAX_MEMBERSHIPS_WITH_DELETE, VersionConflictError, type StoredResource } from '../../functions/service/repository.ts';
import { MemberJournals } from '../../functions/service/member-journal.ts';
import { CrashPoints, KilledHere } from '../support/crash-points.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';
import { newDirectory } from '../support/service-fixtures.ts';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

let table: TestTable;
let service: DirectoryService;
let repository: DynamoDbScimRepository;
let crash: CrashPoints;
let sweeper: MemberJournals;

beforeAll(async () => {
  table = await createTestTable('crash');
  crash = new CrashPoints(table.client);
  repository = new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName });
  service = new DirectoryService(repository);
  // The sweeper as it runs a minute and more after the request that was killed.
  sweeper = new MemberJournals(repository, () => new Date(Date.now() + 61_000));
});

/** True for the failure of a request killed mid-way: the kill itself, or the answer given for it. */
function killed(error: unknown): boolean {
  return error instanceof KilledHere || (error as { cause?: unknown }).cause instanceof KilledHere;
}

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

/**
 * Runs `attempt` killed after 0, 1, 2 … storage calls (every `stride`th, when the set-up is too
 * costly to repeat at each), each time in a fresh directory, until it runs through.
 */
async function atEveryCrashPoint(
  setUp: (ctx: ScimContext) => Promise<void>,
  attempt: (ctx: ScimContext) => Promise<unknown>,
  check: (ctx: ScimContext) => Promise<void>,
  stride = 1,
  converge: (ctx: ScimContext) => Promise<unknown> = attempt,
) {
  for (let calls = 0; calls < 2_000; calls += stride) {
    const ctx = newDirectory();
    await setUp(ctx);
    crash.killAfter(calls);
    let finished = false;
    try {
      await attempt(ctx);
      finished = true;
    } catch (error) {
      expect(killed(error)).toBe(true);
    } finally {
      crash.disarm();
    }
    // The client retries the request whatever happened; a 409 (create) or 404 (delete) says the
    // first attempt had gone through.
    if (!finished) await converge(ctx).catch((error: unknown) => expect([404, 409]).toContain((error as { status?: number }).status));
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

/** The deleted user's groups when they take more than one transaction: 1,000 under test:faults, where its crash points are tried every 50th. */
const GROUPS_OF_DELETED_USER = LONG ? 1_000 : MAX_MEMBERSHIPS_WITH_DELETE + 3;
const DELETE_STRIDE = LONG ? 50 : 10;

describe('a user in several groups deleted, killed between storage calls, then retried', () => {
  /** The user deleted, in `groupCount` groups with one other member each; checks every crash point, returns how many there were. */
  async function deleteAtEveryCrashPoint(groupCount: number, stride: number, converge: (ctx: ScimContext, userId: string) => Promise<unknown>) {
    let userId = '';
    let groupIds: string[] = [];
    const crashPoints = await atEveryCrashPoint(
      async (ctx) => {
        const [target, other] = (await users(ctx, 2)) as [string, string];
        userId = target;
        groupIds = [];
        for (let i = 0; i < groupCount; i++) {
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
        // Each group's version moved once, for the member it lost.
        expect(groups.map((group) => group.version)).toEqual(groupIds.map(() => 2));
        expect(counters).toMatchObject({ users: 1, groups: groupIds.length });
      },
      stride,
      (ctx) => converge(ctx, userId),
    );
    return crashPoints;
  }

  it('in as many groups as one transaction holds: the read, then one transaction', async () => {
    const crashPoints = await deleteAtEveryCrashPoint(3, 1, (ctx, userId) => service.delete(ctx, 'User', userId));
    expect(crashPoints).toBe(2);
  });

  it('in more groups: leaves no membership of the user and every group one member fewer, at every crash point', async () => {
    const crashPoints = await deleteAtEveryCrashPoint(GROUPS_OF_DELETED_USER, DELETE_STRIDE, (ctx, userId) => service.delete(ctx, 'User', userId));
    // Read the user, accept the delete on it, leave each group, then the final transaction.
    expect(crashPoints).toBeGreaterThanOrEqual(GROUPS_OF_DELETED_USER + 3);
    expect(crashPoints).toBeLessThan(GROUPS_OF_DELETED_USER + 3 + DELETE_STRIDE);
  }, 3_600_000);

  it('in more groups: converges through a later GET of the user (404), or through the sweeper', async () => {
    const groups = LONG ? GROUPS_OF_DELETED_USER : MAX_MEMBERSHIPS_WITH_DELETE + 3;
    await deleteAtEveryCrashPoint(groups, DELETE_STRIDE, async (ctx, userId) => {
      const read = await service.get(ctx, 'User', userId).then(() => 'found', (error: unknown) => (error as { status?: number }).status);
      // Killed before the delete was accepted: the user is still there, and the client's retry deletes it.
      if (read === 'found') await service.delete(ctx, 'User', userId);
      else expect(read).toBe(404);
    });
    await deleteAtEveryCrashPoint(groups, DELETE_STRIDE, async (ctx, userId) => {
      await sweeper.sweep();
      if ((await repository.getResource(ctx.directoryId, 'User', userId)) !== undefined) await service.delete(ctx, 'User', userId);
    });
  }, 3_600_000);
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

/** A group's memberships, count and journal as stored, recounted from the items. */
async function groupCensus(ctx: ScimContext, groupId: string) {
  const memberIds: string[] = [];
  let startAfter: string | undefined;
  for (let page = 0; page < 100; page++) {
    const { items: found, lastKey } = await repository.listMembers(ctx.directoryId, groupId, { limit: 1000, ...(startAfter === undefined ? {} : { startAfter }) });
    memberIds.push(...found.map((member) => member.id));
    if (lastKey === undefined) break;
    startAfter = lastKey;
  }
  const group = await repository.getResource(ctx.directoryId, 'Group', groupId);
  return { memberIds: memberIds.sort(), group, journal: await repository.getMemberJournal(ctx.directoryId, groupId) };
}

/** Each user's `memberOf` names the group exactly when the user is one of `members`. */
async function expectMemberOf(ctx: ScimContext, groupId: string, userIds: string[], members: Set<string>) {
  const stored = await repository.getResources(ctx.directoryId, 'User', userIds);
  expect(stored).toHaveLength(userIds.length);
  const wrong = stored.filter((user) => user.memberOf.includes(groupId) !== members.has(user.id)).map((user) => user.id);
  expect(wrong).toEqual([]);
}

describe('a member change larger than one transaction (journaled), killed at every storage call', () => {
  /** Members the group starts with, all removed by the same request. */
  const REMOVED = 5;
  /** Members added by the request: 3+ transactions in `npm test`; under test:faults, up to the request limit of 5,000 changes. */
  const ADDED = LONG ? MAX_MEMBER_CHANGES - REMOVED : 120;
  let ctx: ScimContext;
  let added: string[] = [];
  let removed: string[] = [];
  let groupsCreated = 0;

  beforeAll(async () => {
    ctx = newDirectory();
    const ids = await users(ctx, ADDED + REMOVED);
    added = ids.slice(0, ADDED);
    removed = ids.slice(ADDED);
  }, 600_000);

  const patchBody = () => ({
    schemas: [PATCH_OP],
    Operations: [
      { op: 'add', path: 'members', value: added.map((value) => ({ value })) },
      { op: 'remove', path: 'members', value: removed.map((value) => ({ value })) },
    ],
  });

  async function newGroup(): Promise<{ id: string; version: number }> {
    groupsCreated++;
    const created = await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: `journaled-${randomUUID()}`, members: removed.map((value) => ({ value })) });
    return { id: created.body.id as string, version: 1 };
  }

  /** The group holds exactly the request's outcome, or (`untouched` allowed) exactly what it held before; nothing in between. */
  async function expectWholeOrNothing(groupId: string, options: { untouchedAllowed: boolean }) {
    const { memberIds, group, journal } = await groupCensus(ctx, groupId);
    expect(journal).toBeUndefined();
    expect(group?.openJournal).toBeUndefined();
    const untouched = options.untouchedAllowed && memberIds.length === REMOVED && memberIds.every((id) => removed.includes(id));
    const expected = untouched ? [...removed].sort() : [...added].sort();
    expect(memberIds).toEqual(expected);
    expect(group?.memberCount).toBe(expected.length);
    // One version for the whole change (the journal's close), none for its chunks.
    expect(group?.version).toBe(untouched ? 1 : 2);
    await expectMemberOf(ctx, groupId, [...added, ...removed], new Set(expected));
    expect((await repository.getCounters(ctx.directoryId)).groups).toBe(groupsCreated);
    return untouched;
  }

  /**
   * Kills the PATCH before each storage call, lets `converge` run, and checks. The long run (5,000
   * members: 103 chunks, each point about half a minute on DynamoDB Local) kills before the first
   * read, and before the writes where the journal's state changes kind: the open, the first two and
   * the last two chunks, every 20th chunk between, and the close; a kill between two reads leaves
   * what a kill before the next write leaves, and one between two middle chunks what its neighbours do.
   */
  async function atEachCrashPoint(converge: (groupId: string) => Promise<void>, untouchedAllowed: boolean) {
    // A run through, counting the storage calls (and checking the outcome once more).
    const counted = await newGroup();
    crash.disarm();
    await service.patch(ctx, 'Group', counted.id, patchBody());
    const commands = [...crash.commands];
    await expectWholeOrNothing(counted.id, { untouchedAllowed: false });
    const transactions = commands.filter((name) => name === 'TransactWriteItemsCommand').length;
    // Open, ⌈changes / 49⌉ chunks, close.
    expect(transactions).toBe(1 + Math.ceil((ADDED + REMOVED) / 49) + 1);
    const writes = commands.flatMap((name, index) => (/^(Get|BatchGet|Query)/.test(name) ? [] : [index]));
    const sampled = (write: number) => write <= 2 || write >= writes.length - 3 || write % 20 === 0;
    const points = LONG ? [0, ...writes.filter((_, write) => sampled(write))] : commands.map((_, index) => index);
    let untouchedSeen = 0;
    for (const calls of points) {
      const group = await newGroup();
      crash.killAfter(calls);
      const outcome = await service.patch(ctx, 'Group', group.id, patchBody()).then(
        () => 'ran through',
        (error: unknown) => error,
      );
      crash.disarm();
      expect(outcome === 'ran through' ? false : killed(outcome)).toBe(true);
      await converge(group.id);
      if (await expectWholeOrNothing(group.id, { untouchedAllowed })) untouchedSeen++;
    }
    return { points: points.length, untouchedSeen };
  }

  it("converges through the client's retry", async () => {
    const { points } = await atEachCrashPoint(async (groupId) => {
      await service.patch(ctx, 'Group', groupId, patchBody());
    }, false);
    expect(points).toBeGreaterThan(LONG ? 10 : 8);
  }, 3_600_000);

  it('converges through a later GET of the group, or stays untouched when killed before the journal was written', async () => {
    const { untouchedSeen } = await atEachCrashPoint(async (groupId) => {
      const read = await service.get(ctx, 'Group', groupId, { excludedAttributes: ['members'] });
      expect(read.etag).toMatch(/^W\/"[12]"$/);
    }, true);
    // Killed before each read of the plan and before the journal's own write.
    expect(untouchedSeen).toBeGreaterThan(0);
  }, 3_600_000);

  it('converges through the sweeper when nobody touches the group', async () => {
    await atEachCrashPoint(async () => {
      await sweeper.sweep();
    }, true);
  }, 3_600_000);
});

describe('a group created with more members than its transaction holds (journaled), killed at every storage call', () => {
  it('is stored with all its members, or not at all, after the retry or a GET of it', async () => {
    const size = LONG ? 500 : 60;
    let members: string[] = [];
    const crashPoints = await atEveryCrashPoint(
      async (ctx) => {
        members = await users(ctx, size);
      },
      (ctx) => service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Everyone', members: members.map((value) => ({ value })) }),
      async (ctx) => {
        const { groups } = await census(ctx);
        expect(groups).toHaveLength(1);
        const groupId = (groups[0]?.sk as string).slice(SK.groupPrefix.length);
        // The retry's 409 did not read the group: a GET of it completes what the first attempt began.
        await service.get(ctx, 'Group', groupId);
        const { memberIds, group, journal } = await groupCensus(ctx, groupId);
        expect(journal).toBeUndefined();
        expect(memberIds).toEqual([...members].sort());
        expect(group?.memberCount).toBe(size);
        await expectMemberOf(ctx, groupId, members, new Set(members));
        expect((await repository.getCounters(ctx.directoryId)).groups).toBe(1);
      },
    );
    // Resolving the members, the create with its journal, the chunks, the close, the read back.
    expect(crashPoints).toBeGreaterThan(2 + Math.ceil(size / 49));
  }, 600_000);
});

describe('a group with a member journal open', () => {
  /** A PATCH adding `ids` to the group, stopped right after its journal was written. */
  async function stopAfterJournal(ctx: ScimContext, groupId: string, ids: string[]) {
    for (let calls = 1; calls < 20 && (await repository.getMemberJournal(ctx.directoryId, groupId)) === undefined; calls++) {
      crash.killAfter(calls);
      await service.patch(ctx, 'Group', groupId, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }] }).catch(() => undefined);
      crash.disarm();
    }
    expect(await repository.getMemberJournal(ctx.directoryId, groupId)).toBeDefined();
  }

  it('is listed whole: a list whose page holds it completes the journal first', async () => {
    const ctx = newDirectory();
    const ids = await users(ctx, 60);
    const groupId = (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Listed' })).body.id as string;
    await stopAfterJournal(ctx, groupId, ids);

    const listed = await service.list(ctx, 'Group', { filter: 'displayName eq "Listed"' });
    expect(listed.Resources).toHaveLength(1);
    expect((listed.Resources[0]?.members as unknown[]).length).toBe(60);
    expect(listed.Resources[0]?.meta).toMatchObject({ version: 'W/"2"' });
    expect(await repository.getMemberJournal(ctx.directoryId, groupId)).toBeUndefined();
    const unfiltered = await service.list(ctx, 'Group', {});
    expect((unfiltered.Resources[0]?.members as unknown[]).length).toBe(60);
  });

  it('is not deleted by a request that read it before the journal was written (its purge would miss the journal\'s members)', async () => {
    const ctx = newDirectory();
    const ids = await users(ctx, 60);
    const groupId = (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Open' })).body.id as string;
    const readBefore = (await repository.getResource(ctx.directoryId, 'Group', groupId)) as StoredResource;
    await stopAfterJournal(ctx, groupId, ids);

    await expect(repository.deleteResource(ctx.directoryId, 'Group', readBefore, [], { groups: -1 })).rejects.toBeInstanceOf(VersionConflictError);
    // The DELETE reads again, completes the journal, purges every member, then deletes.
    await service.delete(ctx, 'Group', groupId);
    const { memberships, groups, counters } = await census(ctx);
    expect(groups).toEqual([]);
    expect(memberships).toEqual([]);
    expect(counters.groups).toBe(0);
    expect(await repository.getMemberJournal(ctx.directoryId, groupId)).toBeUndefined();
    await expectMemberOf(ctx, groupId, ids, new Set());
  });
});
