/**
 * Provisioning activity of successful writes, recorded by the fan-out from DynamoDB Local's real
 * stream (and by deletes in their own transaction): one entry per request that changed something.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RequestInfo } from '../../functions/activity/entries.ts';
import { keys, SK } from '../../functions/adapters/dynamodb/keys.ts';
import { TABLE_DEFINITION } from '../../functions/adapters/dynamodb/table-definition.ts';
import { PATCH_OP_SCHEMA } from '../../functions/core/patch-op.ts';
import { GROUP_SCHEMA, USER_SCHEMA } from '../../functions/core/schemas/index.ts';
import { EventBridgeSink } from '../../functions/fanout/eventbridge-sink.ts';
import type { ScimContext } from '../../functions/service/directory-service.ts';
import { EVENT_BUS, streamFixture, type StreamFixture } from './fixtures.ts';

const eventBridge = mockClient(EventBridgeClient);
let sent: PutEventsRequestEntry[] = [];
let fixture: StreamFixture | undefined;

beforeEach(() => {
  sent = [];
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
    sent.push(...input.Entries);
    return { FailedEntryCount: 0, Entries: input.Entries.map((_, index) => ({ EventId: `eb-${sent.length}-${index}` })) };
  });
});

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

function sink(): EventBridgeSink {
  return new EventBridgeSink(new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), EVENT_BUS);
}

const patch = (...Operations: Array<Record<string, unknown>>) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

/** The context of one request, as the HTTP routes build it. */
function as(ctx: ScimContext, request: RequestInfo): ScimContext {
  return { ...ctx, request };
}

async function activity(f: StreamFixture): Promise<Array<Record<string, unknown>>> {
  const { Items = [] } = await f.table.documentClient.send(
    new QueryCommand({
      TableName: f.table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.partition(f.directoryId), ':prefix': SK.activityPrefix },
      ConsistentRead: true,
    }),
  );
  return Items;
}

describe('activity of successful writes', () => {
  it('a create, a PATCH, a member add and deletes each yield exactly one entry with the right fields', async () => {
    fixture = await streamFixture({ sink: sink(), activityRetentionDays: 30 });
    const { service, ctx, poller, directoryId } = fixture;
    const entra = { client: 'entra', method: 'POST', status: 201 } as const;

    const user = await service.create(as(ctx, { ...entra, requestId: 'req-create-user' }), 'User', { schemas: [USER_SCHEMA], userName: 'ada@contoso.test' });
    const userId = user.body.id as string;
    await service.patch(as(ctx, { ...entra, method: 'PATCH', status: 200, requestId: 'req-patch-user' }), 'User', userId, patch({ op: 'Replace', path: 'displayName', value: 'Ada' }));
    const group = await service.create(as(ctx, { ...entra, requestId: 'req-create-group' }), 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Analysts' });
    const groupId = group.body.id as string;
    await service.patch(as(ctx, { ...entra, method: 'PATCH', status: 204, requestId: 'req-add-member' }), 'Group', groupId, patch({ op: 'Add', path: 'members', value: [{ value: userId }] }));
    // Deleting the user also takes it out of the group: still one entry, the user's.
    await service.delete(as(ctx, { ...entra, method: 'DELETE', status: 204, requestId: 'req-delete-user' }), 'User', userId);
    await service.delete(as(ctx, { ...entra, method: 'DELETE', status: 204, requestId: 'req-delete-group' }), 'Group', groupId);
    await poller.drain();

    const entries = await activity(fixture);
    expect(entries.map((entry) => entry.requestId).sort()).toEqual(
      ['req-add-member', 'req-create-group', 'req-create-user', 'req-delete-group', 'req-delete-user', 'req-patch-user'].sort(),
    );
    const byRequest = new Map(entries.map((entry) => [entry.requestId, entry]));
    const common = { directoryId, outcome: 'success', client: 'entra' };
    expect(byRequest.get('req-create-user')).toMatchObject({ ...common, method: 'POST', status: 201, resourceType: 'User', resourceId: userId, resourceName: 'ada@contoso.test' });
    expect(byRequest.get('req-patch-user')).toMatchObject({ ...common, method: 'PATCH', status: 200, resourceType: 'User', resourceId: userId, resourceName: 'ada@contoso.test' });
    expect(byRequest.get('req-create-group')).toMatchObject({ ...common, method: 'POST', status: 201, resourceType: 'Group', resourceId: groupId, resourceName: 'Analysts' });
    expect(byRequest.get('req-add-member')).toMatchObject({ ...common, method: 'PATCH', status: 204, resourceType: 'Group', resourceId: groupId, resourceName: 'Analysts' });
    expect(byRequest.get('req-delete-user')).toMatchObject({ ...common, method: 'DELETE', status: 204, resourceType: 'User', resourceId: userId, resourceName: 'ada@contoso.test' });
    expect(byRequest.get('req-delete-group')).toMatchObject({ ...common, method: 'DELETE', status: 204, resourceType: 'Group', resourceId: groupId, resourceName: 'Analysts' });
    for (const entry of entries) {
      expect(entry.sk).toBe(keys.activity(directoryId, entry.at as string, entry.requestId as string).sk);
      // Expires 30 days after the request.
      expect(entry[TABLE_DEFINITION.timeToLiveAttribute]).toBe(Math.floor(Date.parse(entry.at as string) / 1000) + 30 * 86_400);
      expect(entry).not.toHaveProperty(TABLE_DEFINITION.entityAttribute);
    }

    // Neither the stamp nor the member count reaches an event or a SCIM body.
    expect(sent.length).toBeGreaterThan(0);
    for (const entry of sent) {
      expect(entry.Detail).not.toContain('lastRequest');
      expect(entry.Detail).not.toContain('memberCount');
    }
    for (const body of [user.body, group.body]) {
      expect(body).not.toHaveProperty('lastRequest');
      expect(body).not.toHaveProperty('memberCount');
    }
  });

  // A slow shared machine may take a while to create the users.
  it('a group PATCH changing its name and members in several transactions is one entry', { timeout: 120_000 }, async () => {
    fixture = await streamFixture({ sink: sink(), activityRetentionDays: 7 });
    const { service, ctx, poller } = fixture;
    const users: string[] = [];
    for (let start = 0; start < 60; start += 20) {
      const batch = Array.from({ length: 20 }, (_, i) => service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `u${start + i}@contoso.test` }));
      users.push(...(await Promise.all(batch)).map((created) => created.body.id as string));
    }
    const group = await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Everyone' });
    await service.patch(
      as(ctx, { client: 'okta', method: 'PATCH', status: 204, requestId: 'req-big-patch' }),
      'Group',
      group.body.id as string,
      patch({ op: 'replace', path: 'displayName', value: 'All staff' }, { op: 'add', path: 'members', value: users.map((value) => ({ value })) }),
    );
    await poller.drain();
    // Calls without a request (as here for the set-up) record nothing.
    const entries = await activity(fixture);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ requestId: 'req-big-patch', resourceName: 'All staff', client: 'okta', status: 204 });
    expect(entries[0]?.[TABLE_DEFINITION.timeToLiveAttribute]).toBe(Math.floor(Date.parse(entries[0]?.at as string) / 1000) + 7 * 86_400);
  });

  it('a redelivered batch rewrites the same entries', async () => {
    fixture = await streamFixture({ sink: sink(), activityRetentionDays: 30 });
    const { service, ctx, poller, fanout, delivered } = fixture;
    await service.create(as(ctx, { client: 'other', method: 'POST', status: 201, requestId: 'req-once' }), 'User', { schemas: [USER_SCHEMA], userName: 'bob@contoso.test' });
    await poller.drain();
    const first = await activity(fixture);
    await fanout.handleBatch({ Records: [...delivered] });
    expect(await activity(fixture)).toEqual(first);
    expect(first).toHaveLength(1);
  });
});
