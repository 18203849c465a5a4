/**
 * Member journals on DynamoDB Local, with the table's real stream fed through the fan-out: a
 * journaled member change killed mid-way and completed by a later request publishes member
 * events that, folded, give exactly the stored members (the journal itself raises none); a member
 * deleted meanwhile is skipped; the answer to the killed request says only what is true.
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { keys, SK } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { errorResponse } from '../../functions/http/scim-http.ts';
import { DirectoryService } from '../../functions/service/directory-service.ts';
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

/** The fixture's table with a service whose storage calls can be killed. */
async function setUp() {
  fixture = await streamFixture({ sink: collect });
  const crash = new CrashPoints(fixture.table.client);
  const repository = new DynamoDbScimRepository({ documentClient: fixture.table.documentClient, tableName: fixture.table.tableName });
  const service = new DirectoryService(repository);
  const { ctx } = fixture;
  const users: string[] = [];
  for (let i = 0; i < 125; i++) users.push((await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `u${i}-${randomUUID()}` })).body.id as string);
  const initial = users.slice(120);
  const groupId = (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Everyone', members: initial.map((value) => ({ value })) })).body.id as string;
  const body = {
    schemas: [PATCH_OP],
    Operations: [
      { op: 'add', path: 'members', value: users.slice(0, 120).map((value) => ({ value })) },
      { op: 'remove', path: 'members', value: initial.map((value) => ({ value })) },
    ],
  };
  // A run through on another group tells where the journal is written (its first transaction).
  const other = (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Counting', members: initial.map((value) => ({ value })) })).body.id as string;
  crash.disarm();
  await service.patch(ctx, 'Group', other, body);
  const openAt = crash.commands.indexOf('TransactWriteItemsCommand');
  expect(openAt).toBeGreaterThan(0);
  return { f: fixture, crash, repository, service, users, groupId, body, other, openAt };
}

/** The members of a group as its member events say, folded in stream order. */
function membersFromEvents(groupId: string): string[] {
  const members = new Set<string>();
  const changes = published
    .flatMap((event) => (event.type === 'group.member_added' || event.type === 'group.member_removed') && event.groupId === groupId ? [event] : [])
    .sort((a, b) => (BigInt(a.sequence) < BigInt(b.sequence) ? -1 : 1));
  for (const change of changes) {
    if (change.type === 'group.member_added') members.add(change.member.id);
    else members.delete(change.member.id);
  }
  return [...members].sort();
}

async function storedMembers(f: StreamFixture, groupId: string): Promise<string[]> {
  const { Items = [] } = await f.table.documentClient.send(
    new QueryCommand({
      TableName: f.table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.partition(f.directoryId), ':prefix': keys.groupMembersPrefix(groupId) },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => item.memberId as string).sort();
}

describe('a journaled member change killed mid-way', () => {
  it('publishes member events that match the members stored once a later GET completed it, and none for the journal', async () => {
    const { f, crash, service, users, groupId, body, openAt } = await setUp();
    // Killed after the journal and its first chunk were written.
    crash.killAfter(openAt + 2);
    const answer = await service.patch(f.ctx, 'Group', groupId, body).then(() => undefined, (error: unknown) => error);
    crash.disarm();
    expect((answer as { cause?: unknown }).cause).toBeInstanceOf(KilledHere);
    expect((await storedMembers(f, groupId)).length).toBeGreaterThan(0);

    const read = await service.get(f.ctx, 'Group', groupId, { excludedAttributes: ['members'] });
    expect(read.etag).toBe('W/"2"');
    await f.poller.drain();

    const expected = users.slice(0, 120).sort();
    expect(await storedMembers(f, groupId)).toEqual(expected);
    expect(membersFromEvents(groupId)).toEqual(expected);
    // The journal item and the group's marker are not SCIM changes: no event names them.
    expect(published.filter((event) => event.type === 'group.updated')).toEqual([]);
    expect(published.some((event) => JSON.stringify(event).includes(SK.journalPrefix))).toBe(false);
  }, 120_000);

  it('skips members deleted before it was completed, as the request would have, and keeps every count exact', async () => {
    const { f, crash, repository, service, users, groupId, body, openAt } = await setUp();
    crash.killAfter(openAt + 2);
    await service.patch(f.ctx, 'Group', groupId, body).catch(() => undefined);
    crash.disarm();
    // One member the first chunk added, and one it had not reached yet, are deleted meanwhile:
    // their deletes do not wait for the journal.
    const [appliedThenDeleted, deletedBeforeApplied] = [users[0] as string, users[110] as string];
    await service.delete(f.ctx, 'User', appliedThenDeleted);
    await service.delete(f.ctx, 'User', deletedBeforeApplied);

    await service.patch(f.ctx, 'Group', groupId, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Everyone, renamed' }] });
    await f.poller.drain();

    const expected = users.slice(0, 120).filter((id) => id !== appliedThenDeleted && id !== deletedBeforeApplied).sort();
    expect(await storedMembers(f, groupId)).toEqual(expected);
    expect(membersFromEvents(groupId)).toEqual(expected);
    const group = await repository.getResource(f.directoryId, 'Group', groupId);
    expect(group).toMatchObject({ memberCount: expected.length, attributes: { displayName: 'Everyone, renamed' } });
    expect(group?.openJournal).toBeUndefined();
    expect(await repository.getMemberJournal(f.directoryId, groupId)).toBeUndefined();
    expect((await repository.getCounters(f.directoryId)).users).toBe(123);
  }, 120_000);

  it('is completed before a filter on members is evaluated, so the filter sees the whole change', async () => {
    const { f, crash, service, users, groupId, body, openAt } = await setUp();
    // Killed right after the journal was written: none of its members is stored yet.
    crash.killAfter(openAt + 1);
    await service.patch(f.ctx, 'Group', groupId, body).catch(() => undefined);
    crash.disarm();
    expect(await storedMembers(f, groupId)).toHaveLength(5);
    const found = await service.list(f.ctx, 'Group', { filter: `members[value eq "${users[100] as string}"]`, excludedAttributes: ['members'] });
    expect(found.Resources.map((group) => group.id)).toContain(groupId);
    expect(await storedMembers(f, groupId)).toHaveLength(120);
  }, 120_000);

  it('answers a retryable 503 that says the change was accepted, once its journal is written', async () => {
    const { f, crash, service, groupId, body, openAt } = await setUp();
    crash.killAfter(openAt + 1);
    const answer = await service.patch(f.ctx, 'Group', groupId, body).then(() => undefined, (error: unknown) => error);
    crash.disarm();
    const response = errorResponse(answer);
    expect(response.statusCode).toBe(503);
    expect(response.headers['Retry-After']).toBeDefined();
    expect(JSON.parse(response.body)).toMatchObject({ status: '503', detail: expect.stringContaining('accepted') });

    // The journal is completed by the next reader: the 503 told the truth.
    await service.get(f.ctx, 'Group', groupId, { excludedAttributes: ['members'] });
    expect(await storedMembers(f, groupId)).toHaveLength(120);
  }, 120_000);
});
