/**
 * Storage faults the SDK retries (throttling, a 500, a dropped connection), injected by the fault
 * proxy in front of DynamoDB Local on the first call of each write: the SCIM request still applies,
 * once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind, FaultProxy } from '../support/fault-proxy.ts';
import { newDirectory, serviceFixture, type ServiceFixture } from '../support/service-fixtures.ts';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

let proxy: FaultProxy;
let repository: ServiceFixture['repository'];
let service: ServiceFixture['service'];

beforeAll(async () => {
  const fixture = await serviceFixture('faults', { proxied: true });
  ({ repository, service } = fixture);
  proxy = fixture.proxy as FaultProxy;
});

afterAll(async () => {
  await proxy?.close();
});

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
