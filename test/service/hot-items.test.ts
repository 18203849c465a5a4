/**
 * Parallel provisioning in one directory, on DynamoDB Local behind the fault proxy, which cancels
 * transactions that meet on an item as DynamoDB does: no request fails because others write the
 * same directory at the same moment, and every count is exact afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTransientFailure } from '../../functions/http/scim-http.ts';
import type { FaultProxy } from '../support/fault-proxy.ts';
import { newDirectory, serviceFixture, type ServiceFixture } from '../support/service-fixtures.ts';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

/** `npm run test:faults` runs the scenarios at five times the size. */
const SCALE = process.env.SCIM_FAULT_SCALE === 'long' ? 5 : 1;

let proxy: FaultProxy;
let repository: ServiceFixture['repository'];
let service: ServiceFixture['service'];

beforeAll(async () => {
  const fixture = await serviceFixture('hot', { proxied: true });
  ({ repository, service } = fixture);
  proxy = fixture.proxy as FaultProxy;
  proxy.rules.conflicts = true;
});

afterAll(async () => {
  await proxy?.close();
});

/** Runs `task` for 0 … n-1, `width` at a time; answers every outcome. */
async function inParallel<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const outcomes: PromiseSettledResult<T>[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        outcomes[i] = await task(i).then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
      }
    }),
  );
  return outcomes;
}

const failures = (outcomes: PromiseSettledResult<unknown>[]) => outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason);

describe('parallel provisioning in one directory', () => {
  it('200 creates, 40 at a time, all succeed, seldom meet, and the counts are exact', async () => {
    proxy.injected.clear();
    const ctx = newDirectory();
    const outcomes = await inParallel(200 * SCALE, 40, (i) =>
      i % 10 === 0
        ? service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: `g-${i}` })
        : service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `u-${i}`, active: i % 3 !== 0 }),
    );
    expect(failures(outcomes).map(String).slice(0, 3)).toEqual([]);
    const users = outcomes.filter((_, i) => i % 10 !== 0).length;
    const active = outcomes.filter((_, i) => i % 10 !== 0 && i % 3 !== 0).length;
    expect(await repository.getCounters(ctx.directoryId)).toEqual({ users, activeUsers: active, groups: 20 * SCALE });
    // Creates meet rarely: they share no item but a counter shard. (With one counters item for the
    // directory, the same run cancels about three transactions per create.)
    expect(proxy.injected.get('conflict') ?? 0).toBeLessThan(50 * SCALE);
  }, 120_000);

  // One group's member changes all meet on the group item (its version is the ETag and moves with
  // its members), so they go through one at a time: each waits its turn inside the request, within
  // the repository's conflict budget, instead of answering 503.
  async function groupWithUsers(users: number) {
    const ctx = newDirectory();
    const groupId = (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Everyone' })).body.id as string;
    const userIds = (await inParallel(users, 20, (i) => service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `m-${i}` }))).map(
      (outcome) => ((outcome as PromiseFulfilledResult<{ body: Record<string, unknown> }>).value.body.id as string),
    );
    const add = (userId: string) => service.patch(ctx, 'Group', groupId, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: userId }] }] });
    return { ctx, groupId, userIds, add };
  }

  /** The group's member count, version and member items agree with `members` adds to a new group. */
  async function expectExact(directoryId: string, groupId: string, members: number) {
    const group = await repository.getResource(directoryId, 'Group', groupId);
    expect(group?.memberCount).toBe(members);
    // One version per applied add: the ETag moved with every member change, and with no other.
    expect(group?.version).toBe(1 + members);
    const { items } = await repository.listMembers(directoryId, groupId, { limit: 10 * members });
    expect(items).toHaveLength(members);
  }

  it('200 member adds to one group, 40 at a time: the adds wait their turn instead of answering 503, and the counts are exact', async () => {
    const { ctx, groupId, userIds, add } = await groupWithUsers(200 * SCALE);
    proxy.injected.clear();
    const outcomes = await inParallel(200 * SCALE, 40, (i) => add(userIds[i] as string));
    // Each add waits its turn inside its request. (With a retry limit of 16 attempts instead of a
    // time budget, about 17 of 200 answered 503.) A rare add may still outwait the budget on a
    // loaded machine: it is refused as retryable, and stores nothing.
    const refused = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [i] : []));
    expect(refused.length).toBeLessThanOrEqual(2 * SCALE);
    for (const i of refused) expect(isTransientFailure((outcomes[i] as PromiseRejectedResult).reason)).toBe(true);
    for (const i of refused) await add(userIds[i] as string);
    // The adds did meet on the group item: the proxy cancelled some of their transactions.
    expect(proxy.injected.get('conflict') ?? 0).toBeGreaterThan(0);
    await expectExact(ctx.directoryId, groupId, 200 * SCALE);
  }, 180_000);

  it('200 member adds to one group all at once: each applies or is refused as retryable, and the retries lose none', async () => {
    const { ctx, groupId, userIds, add } = await groupWithUsers(200 * SCALE);
    const outcomes = await inParallel(200 * SCALE, 200, (i) => add(userIds[i] as string));
    const refused = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [i] : []));
    for (const i of refused) expect(isTransientFailure((outcomes[i] as PromiseRejectedResult).reason)).toBe(true);
    // The identity provider retries what was refused, later.
    for (const i of refused) await add(userIds[i] as string);
    await expectExact(ctx.directoryId, groupId, 200 * SCALE);
  }, 180_000);
});
