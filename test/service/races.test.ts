/**
 * Races a directory meets when an identity provider sends requests in parallel, on DynamoDB Local
 * behind the fault proxy (which cancels transactions that meet on an item, as DynamoDB does). Each
 * scenario ends by reading the whole directory partition back and recounting it: users, claims,
 * memberships, member counts and counters must agree item by item.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SK, keys } from '../../functions/adapters/dynamodb/keys.ts';
import { completeResourceItem } from '../../functions/adapters/dynamodb/scim-items.ts';
import { foldCase } from '../../functions/core/case-fold.ts';
import { ScimError } from '../../functions/core/error.ts';
import { isTransientFailure } from '../../functions/http/scim-http.ts';
import type { ScimContext } from '../../functions/service/directory-service.ts';
import type { FaultProxy } from '../support/fault-proxy.ts';
import { newDirectory, serviceFixture, type ServiceFixture } from '../support/service-fixtures.ts';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

/** `npm run test:faults` runs the scenarios at five times the size. */
const SCALE = process.env.SCIM_FAULT_SCALE === 'long' ? 5 : 1;
/** Rounds of a retried request before a test gives up on it (each round is a fresh request). */
const MAX_CLIENT_RETRIES = 10;

let fixture: ServiceFixture;
let proxy: FaultProxy;

beforeAll(async () => {
  fixture = await serviceFixture('races', { proxied: true });
  proxy = fixture.proxy as FaultProxy;
  proxy.rules.conflicts = true;
});

afterAll(async () => {
  await proxy?.close();
});

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function settle<T>(work: Promise<T>): Promise<Outcome<T>> {
  return work.then(
    (value) => ({ ok: true, value }) as const,
    (error: unknown) => ({ ok: false, error }) as const,
  );
}

/** Sends a request again while it is refused as retryable, as an identity provider does. */
async function withClientRetries<T>(send: () => Promise<T>): Promise<Outcome<T>> {
  let outcome = await settle(send());
  for (let retry = 0; retry < MAX_CLIENT_RETRIES && !outcome.ok && isTransientFailure(outcome.error); retry++) outcome = await settle(send());
  return outcome;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const statusOf = (outcome: Outcome<unknown>) => (outcome.ok ? 200 : outcome.error instanceof ScimError ? outcome.error.status : 'thrown');

/** What the directory's partition holds, read back whole with strong consistency. */
async function recount(directoryId: string) {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await fixture.table.documentClient.send(
      new QueryCommand({
        TableName: fixture.table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.partition(directoryId) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
    if (startKey === undefined) break;
  }
  const withPrefix = (prefix: string) => items.filter((item) => (item.sk as string).startsWith(prefix));
  // Resource items read as the repository reads them: their id comes from their key.
  const users = withPrefix(SK.userPrefix).map(completeResourceItem);
  return {
    users,
    groups: withPrefix(SK.groupPrefix).map(completeResourceItem),
    memberships: withPrefix(SK.memberPrefix).map((item) => (item.sk as string).slice(SK.memberPrefix.length)),
    userNameClaims: new Map(withPrefix(SK.userNameClaimPrefix).map((item) => [(item.sk as string).slice(SK.userNameClaimPrefix.length), item])),
    userNames: users.map((user) => foldCase((user.attributes as { userName: string }).userName)),
  };
}

/** Every user owns exactly the claim of its own userName, and no claim is left without its user. */
async function expectClaimsMatchUsers(directoryId: string): Promise<void> {
  const { userNames, userNameClaims } = await recount(directoryId);
  expect(new Set(userNames).size).toBe(userNames.length);
  expect([...userNameClaims.keys()].sort()).toEqual([...userNames].sort());
}

function createUser(ctx: ScimContext, userName: string) {
  return fixture.service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName, active: true });
}

function renameUser(ctx: ScimContext, id: string, userName: string) {
  return fixture.service.patch(ctx, 'User', id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: userName }] });
}

describe('races in one directory', () => {
  it('50 creates of one userName, in four spellings, at once: exactly one wins, the rest are told 409', async () => {
    const ctx = newDirectory();
    // Four spellings of one name, folded to one claim (docs/scim-rules.md): as typed, upper case,
    // decomposed (NFD) and lower case.
    const base = 'José.Nuñez';
    const forms = [base, base.toUpperCase(), base.normalize('NFD'), base.toLowerCase()];
    const outcomes = await Promise.all(Array.from({ length: 50 * SCALE }, (_, i) => withClientRetries(() => createUser(ctx, forms[i % forms.length] as string))));
    const statuses = outcomes.map(statusOf);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(50 * SCALE - 1);
    const { users } = await recount(ctx.directoryId);
    expect(users).toHaveLength(1);
    await expectClaimsMatchUsers(ctx.directoryId);
    expect(await fixture.repository.getCounters(ctx.directoryId)).toEqual({ users: 1, activeUsers: 1, groups: 0 });
  }, 120_000);

  it('two users renamed to each other’s userName at once: neither name is ever held twice, and a swap through a third name works', async () => {
    const ctx = newDirectory();
    const alice = (await createUser(ctx, 'alice')).body.id as string;
    const bob = (await createUser(ctx, 'bob')).body.id as string;
    for (let round = 0; round < 10 * SCALE; round++) {
      const [first, second] = await Promise.all([withClientRetries(() => renameUser(ctx, alice, 'bob')), withClientRetries(() => renameUser(ctx, bob, 'alice'))]);
      // Each name is still held by the other user when the rename is checked: both are refused.
      expect([statusOf(first), statusOf(second)]).toEqual([409, 409]);
      await expectClaimsMatchUsers(ctx.directoryId);
    }
    // A client swaps them through a name neither holds, one request after another.
    await renameUser(ctx, alice, 'alice-moving');
    await renameUser(ctx, bob, 'alice');
    await renameUser(ctx, alice, 'bob');
    const { users } = await recount(ctx.directoryId);
    const nameOf = (id: string) => (users.find((user) => user.id === id)?.attributes as { userName: string }).userName;
    expect([nameOf(alice), nameOf(bob)]).toEqual(['bob', 'alice']);
    await expectClaimsMatchUsers(ctx.directoryId);
  }, 120_000);

  it('a user deleted while it is being added to a group: never a membership of a deleted user, and the member count agrees', async () => {
    const ctx = newDirectory();
    const groupId = (await fixture.service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Everyone' })).body.id as string;
    const rounds = 20 * SCALE;
    const kept: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const doomed = (await createUser(ctx, `doomed-${round}`)).body.id as string;
      const keeper = (await createUser(ctx, `keeper-${round}`)).body.id as string;
      kept.push(keeper);
      const add = (ids: string[]) => fixture.service.patch(ctx, 'Group', groupId, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }] });
      // Odd rounds add the doomed user alone (the one-write path), even rounds with another member.
      const [added, deleted] = await Promise.all([
        // The add starts up to a few milliseconds after the delete, so that either may reach the table first.
        delay((round % 5) * 4).then(() => withClientRetries(() => add(round % 2 === 0 ? [doomed, keeper] : [doomed]))),
        withClientRetries(() => fixture.service.delete(ctx, 'User', doomed)),
      ]);
      expect(deleted.ok).toBe(true);
      // The add either came first (and the delete then removed the membership), or met a deleted user.
      expect([200, 400]).toContain(statusOf(added));
      if (round % 2 === 1 || !added.ok) await withClientRetries(() => add([keeper]));
    }
    const { users, groups, memberships } = await recount(ctx.directoryId);
    expect(users.map((user) => user.id).sort()).toEqual([...kept].sort());
    expect(memberships.sort()).toEqual(kept.map((id) => `${groupId}#${id}`).sort());
    expect(groups).toHaveLength(1);
    expect((await fixture.repository.getResource(ctx.directoryId, 'Group', groupId))?.memberCount).toBe(rounds);
    for (const user of users) expect([...((user.memberOf as Set<string> | undefined) ?? [])]).toEqual([groupId]);
    expect(await fixture.repository.getCounters(ctx.directoryId)).toEqual({ users: rounds, activeUsers: rounds, groups: 1 });
  }, 120_000);
});
