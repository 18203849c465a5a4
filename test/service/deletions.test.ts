/**
 * Deletes that take more than one transaction, on DynamoDB Local with the table's real stream
 * fed through the fan-out: killed after the delete was accepted, the resource is gone to every
 * client at once, nothing can add it back, its name is free again, and a later request (or the
 * sweeper) completes it; the events, folded, give exactly what is stored.
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { keys, SK } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { errorResponse } from '../../functions/http/scim-http.ts';
import { DirectoryService } from '../../functions/service/directory-service.ts';
import { MemberJournals } from '../../functions/service/member-journal.ts';
import { MAX_MEMBERSHIPS_WITH_DELETE } from '../../functions/service/repository.ts';
import { CrashPoints, KilledHere } from '../support/crash-points.ts';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';
import { collectingSink, streamFixture, type StreamFixture } from '../fanout/fixtures.ts';

let fixture: StreamFixture | undefined;
const { sink: collect, events: published, clear } = collectingSink();

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
  clear();
});

/** More memberships than the deleting transaction holds. */
const MANY = MAX_MEMBERSHIPS_WITH_DELETE + 5;

async function setUp() {
  fixture = await streamFixture({ sink: collect });
  const crash = new CrashPoints(fixture.table.client);
  const repository = new DynamoDbScimRepository({ documentClient: fixture.table.documentClient, tableName: fixture.table.tableName });
  const service = new DirectoryService(repository);
  return { f: fixture, crash, repository, service };
}

async function partition(f: StreamFixture): Promise<Array<Record<string, unknown>>> {
  const { Items = [] } = await f.table.documentClient.send(
    new QueryCommand({ TableName: f.table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.partition(f.directoryId) }, ConsistentRead: true }),
  );
  return Items;
}

/** Each group's members as its member events say, folded in stream order. */
function membersFromEvents(): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  const changes = published
    .flatMap((event) => (event.type === 'group.member_added' || event.type === 'group.member_removed' ? [event] : []))
    .sort((a, b) => (BigInt(a.sequence) < BigInt(b.sequence) ? -1 : 1));
  for (const change of changes) {
    const members = groups.get(change.groupId) ?? new Set<string>();
    groups.set(change.groupId, members);
    if (change.type === 'group.member_added') members.add(change.member.id);
    else members.delete(change.member.id);
  }
  return groups;
}

/** Each group's members as stored. */
async function storedMembers(f: StreamFixture): Promise<Map<string, Set<string>>> {
  const groups = new Map<string, Set<string>>();
  for (const item of await partition(f)) {
    if (!(item.sk as string).startsWith(SK.memberPrefix)) continue;
    const members = groups.get(item.groupId as string) ?? new Set<string>();
    groups.set(item.groupId as string, members);
    members.add(item.memberId as string);
  }
  return groups;
}

const sorted = (groups: Map<string, Set<string>>) => Object.fromEntries([...groups].filter(([, members]) => members.size > 0).map(([id, members]) => [id, [...members].sort()]));

describe('a user in more groups than one transaction holds, its delete killed after it was accepted', () => {
  async function killedDelete() {
    const { f, crash, repository, service } = await setUp();
    const [userId, otherId] = await Promise.all(
      ['leaving', 'staying'].map(async (name) => (await service.create(f.ctx, 'User', { schemas: [USER_SCHEMA], userName: `${name}@contoso.example` })).body.id as string),
    );
    const groupIds: string[] = [];
    for (let i = 0; i < MANY; i++) {
      groupIds.push((await service.create(f.ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: `g${i}`, members: [{ value: userId }, { value: otherId }] })).body.id as string);
    }
    // Read the user, accept the delete, leave three groups; then the Lambda is gone.
    crash.killAfter(5);
    const answer = await service.delete(f.ctx, 'User', userId as string).then(() => undefined, (error: unknown) => error);
    crash.disarm();
    return { f, repository, service, userId: userId as string, otherId: otherId as string, groupIds, answer };
  }

  it('answers a 503 that says the delete was accepted, and the user is gone to every reader at once', async () => {
    const { f, repository, service, userId, otherId, groupIds, answer } = await killedDelete();
    expect((answer as { cause?: unknown }).cause).toBeInstanceOf(KilledHere);
    const response = errorResponse(answer);
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ status: '503', detail: expect.stringContaining('accepted') });
    // Still stored, and still in most groups: but no list or filter shows it.
    expect((await repository.getResource(f.directoryId, 'User', userId))?.deletion).toBeDefined();
    const listed = await service.list(f.ctx, 'User', {});
    expect(listed.Resources.map((user) => user.id)).toEqual([otherId]);
    expect((await service.list(f.ctx, 'User', { filter: 'userName eq "leaving@contoso.example"' })).totalResults).toBe(0);
    // Nothing can add it to a group meanwhile.
    const added = await service
      .patch(f.ctx, 'Group', groupIds[0] as string, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] })
      .then(() => undefined, (error: unknown) => error);
    expect(added).toMatchObject({ status: 400 });
    expect((await repository.getResource(f.directoryId, 'User', userId))?.deletion).toBeDefined();
  }, 120_000);

  it('is completed by a GET of the user, which answers 404; the events then match what is stored', async () => {
    const { f, repository, service, userId, otherId, groupIds } = await killedDelete();
    await expect(service.get(f.ctx, 'User', userId)).rejects.toMatchObject({ status: 404 });
    expect(await repository.getResource(f.directoryId, 'User', userId)).toBeUndefined();
    await f.poller.drain();
    const stored = await storedMembers(f);
    expect(sorted(stored)).toEqual(Object.fromEntries(groupIds.map((id) => [id, [otherId]])));
    expect(sorted(membersFromEvents())).toEqual(sorted(stored));
    // One delete event, and none for accepting it (no attribute changed).
    expect(published.filter((event) => event.type === 'user.deleted').map((event) => (event as { user: { id: string } }).user.id)).toEqual([userId]);
    expect(published.filter((event) => event.type === 'user.updated' || event.type === 'group.updated')).toEqual([]);
    expect(await repository.getCounters(f.directoryId)).toMatchObject({ users: 1, groups: MANY });
    for (const groupId of groupIds) expect((await repository.getResource(f.directoryId, 'Group', groupId))?.memberCount).toBe(1);
    // The retried DELETE finds it gone.
    await expect(service.delete(f.ctx, 'User', userId)).rejects.toMatchObject({ status: 404 });
  }, 120_000);

  it('frees its userName for a new user at once, and the sweeper completes a delete nobody touches', async () => {
    const { f, repository, service, userId } = await killedDelete();
    const again = await service.create(f.ctx, 'User', { schemas: [USER_SCHEMA], userName: 'leaving@contoso.example' });
    expect(again.body.id).not.toBe(userId);
    expect(await repository.getResource(f.directoryId, 'User', userId)).toBeUndefined();

    const second = await killedDelete();
    const sweeper = new MemberJournals(second.repository, () => new Date(Date.now() + 61_000));
    expect(await sweeper.sweep()).toEqual({ completed: 1, failed: 0 });
    expect(await second.repository.getResource(second.f.directoryId, 'User', second.userId)).toBeUndefined();
    expect((await partition(second.f)).filter((item) => item.memberId === second.userId)).toEqual([]);
  }, 240_000);
});

describe('a delete under way completed by several at once', () => {
  it('ends every membership once and moves the counters once', async () => {
    const { f, crash, repository, service } = await setUp();
    const [userId, otherId] = await Promise.all(
      ['leaving', 'staying'].map(async (name) => (await service.create(f.ctx, 'User', { schemas: [USER_SCHEMA], userName: `${name}-${randomUUID()}` })).body.id as string),
    );
    const groupIds: string[] = [];
    for (let i = 0; i < MANY; i++) {
      groupIds.push((await service.create(f.ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: `g${i}`, members: [{ value: userId }, { value: otherId }] })).body.id as string);
    }
    // Accepted, then killed before the first membership ended.
    crash.killAfter(2);
    await service.delete(f.ctx, 'User', userId as string).catch(() => undefined);
    crash.disarm();
    const sweeper = new MemberJournals(repository, () => new Date(Date.now() + 61_000));
    const outcomes = await Promise.allSettled([
      service.get(f.ctx, 'User', userId as string),
      service.delete(f.ctx, 'User', userId as string),
      sweeper.sweep(),
      service.get(f.ctx, 'User', userId as string),
    ]);
    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as { status?: number }).status : 'ok'))).toEqual([404, 404, 'ok', 404]);
    expect(await repository.getResource(f.directoryId, 'User', userId as string)).toBeUndefined();
    expect(await repository.getCounters(f.directoryId)).toMatchObject({ users: 1, activeUsers: 1, groups: MANY });
    for (const groupId of groupIds) expect(await repository.getResource(f.directoryId, 'Group', groupId)).toMatchObject({ memberCount: 1, version: 2 });
    await f.poller.drain();
    expect(published.filter((event) => event.type === 'user.deleted')).toHaveLength(1);
    expect(sorted(membersFromEvents())).toEqual(Object.fromEntries(groupIds.map((id) => [id, [otherId]])));
  }, 120_000);
});

describe('a group with more members than one transaction holds, its delete killed mid-way', () => {
  it('is completed by the retried DELETE: no membership, no member naming it, counts exact, events matching', async () => {
    const { f, crash, repository, service } = await setUp();
    const members: string[] = [];
    for (let i = 0; i < MANY; i++) members.push((await service.create(f.ctx, 'User', { schemas: [USER_SCHEMA], userName: `m${i}-${randomUUID()}` })).body.id as string);
    const groupId = (await service.create(f.ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Leaving', members: members.map((value) => ({ value })) })).body.id as string;
    // Read the group, accept the delete, read its members, end the first 49; the second chunk is killed.
    crash.killAfter(4);
    await service.delete(f.ctx, 'Group', groupId).catch(() => undefined);
    crash.disarm();
    expect((await partition(f)).filter((item) => (item.sk as string).startsWith(SK.memberPrefix)).length).toBeGreaterThan(0);
    expect((await service.list(f.ctx, 'Group', { excludedAttributes: ['members'] })).Resources).toEqual([]);
    await expect(service.delete(f.ctx, 'Group', groupId)).rejects.toMatchObject({ status: 404 });
    await f.poller.drain();
    const items = await partition(f);
    expect(items.filter((item) => (item.sk as string).startsWith(SK.memberPrefix))).toEqual([]);
    for (const id of members) expect((await repository.getResource(f.directoryId, 'User', id))?.memberOf).toEqual([]);
    expect(await repository.getCounters(f.directoryId)).toMatchObject({ users: MANY, groups: 0 });
    expect(sorted(membersFromEvents())).toEqual({});
    expect(published.filter((event) => event.type === 'group.deleted')).toHaveLength(1);
  }, 120_000);
});
