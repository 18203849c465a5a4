/**
 * The activity log on DynamoDB Local: the item shape the reader relies on, expiry from the
 * retention, idempotent batches, and last-request / last-failure times that only move forward.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../../functions/activity/activity.ts';
import { DynamoDbActivityLog } from '../../../functions/adapters/dynamodb/activity-writer.ts';
import { keys, SK } from '../../../functions/adapters/dynamodb/keys.ts';
import { TABLE_DEFINITION } from '../../../functions/adapters/dynamodb/table-definition.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb.ts';

let table: TestTable;

beforeAll(async () => {
  table = await createTestTable('activity');
});

const entry = (directoryId: string, overrides: Partial<ActivityEntry> = {}): ActivityEntry => ({
  directoryId,
  at: '2026-03-01T10:00:00.000Z',
  requestId: 'req-1',
  method: 'POST',
  resourceType: 'User',
  resourceId: 'u-1',
  resourceName: 'ada@contoso.test',
  status: 201,
  outcome: 'success',
  client: 'entra',
  ...overrides,
});

async function activityItems(directoryId: string) {
  const { Items = [] } = await table.documentClient.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.partition(directoryId), ':prefix': SK.activityPrefix },
      ConsistentRead: true,
    }),
  );
  return Items;
}

async function requestStatus(directoryId: string) {
  const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.requestStatus(directoryId), ConsistentRead: true }));
  return Item;
}

describe('DynamoDbActivityLog', () => {
  it('writes every entry field as a top-level attribute, keyed by time and request id, expiring after the retention', async () => {
    const log = new DynamoDbActivityLog({ documentClient: table.documentClient, tableName: table.tableName, retentionDays: 7 });
    await log.write([entry('dir-shape')]);
    const [item] = await activityItems('dir-shape');
    expect(item).toEqual({
      ...entry('dir-shape'),
      ...keys.activity('dir-shape', '2026-03-01T10:00:00.000Z', 'req-1'),
      [TABLE_DEFINITION.timeToLiveAttribute]: Date.parse('2026-03-01T10:00:00.000Z') / 1000 + 7 * 86_400,
    });
  });

  it('keeps entries 30 days unless told otherwise', async () => {
    await new DynamoDbActivityLog({ documentClient: table.documentClient, tableName: table.tableName }).write([entry('dir-default')]);
    const [item] = await activityItems('dir-default');
    expect(item?.[TABLE_DEFINITION.timeToLiveAttribute]).toBe(Date.parse('2026-03-01T10:00:00.000Z') / 1000 + 30 * 86_400);
  });

  it('writes more than one batch, and writing the same entries again rewrites the same items', async () => {
    const log = new DynamoDbActivityLog({ documentClient: table.documentClient, tableName: table.tableName });
    const many = Array.from({ length: 60 }, (_, i) => entry('dir-many', { requestId: `req-${i}` }));
    await log.write([...many, many[0] as ActivityEntry]);
    await log.write(many);
    expect(await activityItems('dir-many')).toHaveLength(60);
  });

  it('records a failure as an entry and moves lastFailureAt forward only', async () => {
    const log = new DynamoDbActivityLog({ documentClient: table.documentClient, tableName: table.tableName });
    const failure = entry('dir-fail', { status: 409, outcome: 'failure', scimType: 'uniqueness', detail: 'userName is already in use in this directory' });
    await log.recordFailure(failure);
    await log.recordFailure({ ...failure, at: '2026-03-01T09:00:00.000Z', requestId: 'req-older' });
    expect(await requestStatus('dir-fail')).toEqual({ ...keys.requestStatus('dir-fail'), directoryId: 'dir-fail', lastFailureAt: '2026-03-01T10:00:00.000Z' });
    // The late, older failure still leaves its entry.
    expect((await activityItems('dir-fail')).map((item) => item.requestId).sort()).toEqual(['req-1', 'req-older']);
  });

  it('moves lastRequestAt forward only, beside lastFailureAt', async () => {
    const log = new DynamoDbActivityLog({ documentClient: table.documentClient, tableName: table.tableName });
    await log.recordRequest('dir-req', new Date('2026-03-01T10:05:00Z'));
    await log.recordRequest('dir-req', new Date('2026-03-01T10:01:00Z'));
    await log.recordFailure(entry('dir-req', { outcome: 'failure', status: 400 }));
    expect(await requestStatus('dir-req')).toMatchObject({ lastRequestAt: '2026-03-01T10:05:00.000Z', lastFailureAt: '2026-03-01T10:00:00.000Z' });
  });
});
