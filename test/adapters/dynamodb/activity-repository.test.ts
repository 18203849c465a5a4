/**
 * The activity reader on DynamoDB Local, over entries laid out as the request path writes them.
 */
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActivityQueryError, type ActivityEntry } from '../../../functions/activity/activity.ts';
import { DynamoDbActivityReader } from '../../../functions/adapters/dynamodb/activity-repository.ts';
import { DirectoryRepository } from '../../../functions/adapters/dynamodb/directory-repository.ts';
import { keys } from '../../../functions/adapters/dynamodb/keys.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb.ts';

let table: TestTable;
let reader: DynamoDbActivityReader;
const START = Date.parse('2026-03-01T00:00:00.000Z');

/** Entry i is answered i minutes after START; every 10th one failed. */
function entry(directoryId: string, i: number): ActivityEntry {
  const failed = i % 10 === 0;
  return {
    directoryId,
    at: new Date(START + i * 60_000).toISOString(),
    requestId: `req-${String(i).padStart(4, '0')}`,
    method: 'POST',
    resourceType: 'User',
    resourceId: `u${i}`,
    resourceName: `user${i}@example.test`,
    status: failed ? 409 : 201,
    outcome: failed ? 'failure' : 'success',
    ...(failed ? { scimType: 'uniqueness', detail: 'userName is already in use in this directory' } : {}),
    client: 'entra',
  };
}

async function putEntries(entries: ActivityEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += 25) {
    const requests = entries.slice(start, start + 25).map((e) => ({
      PutRequest: { Item: { ...keys.activity(e.directoryId, e.at, e.requestId), ...e, expiresAt: Math.ceil(Date.parse(e.at) / 1000) + 30 * 86_400 } },
    }));
    await table.documentClient.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: requests } }));
  }
}

beforeAll(async () => {
  table = await createTestTable('activity');
  reader = new DynamoDbActivityReader(table.documentClient, table.tableName);
  await putEntries(Array.from({ length: 300 }, (_, i) => entry('dir-a', i)));
  await putEntries(Array.from({ length: 5 }, (_, i) => entry('dir-b', i)));
});

describe('DynamoDbActivityReader.list', () => {
  it('pages newest first with a cursor, within one directory', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const result = await reader.list('dir-a', { limit: 70, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...result.items.map((e) => e.requestId));
      expect(result.items.every((e) => e.directoryId === 'dir-a')).toBe(true);
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    expect(seen).toHaveLength(300);
    expect(seen[0]).toBe('req-0299');
    expect(seen[299]).toBe('req-0000');
    expect(new Set(seen).size).toBe(300);
    const first = (await reader.list('dir-a', { limit: 1 })).items[0];
    expect(first).toEqual(entry('dir-a', 299));
  });

  it('fills pages of failures among many successes', async () => {
    const first = await reader.list('dir-a', { limit: 25, outcome: 'failure' });
    expect(first.items).toHaveLength(25);
    expect(first.items.every((e) => e.outcome === 'failure' && e.scimType === 'uniqueness')).toBe(true);
    expect(first.items[0]?.requestId).toBe('req-0290');
    const second = await reader.list('dir-a', { limit: 25, outcome: 'failure', cursor: first.nextCursor ?? '' });
    expect(second.items.map((e) => e.requestId)).toEqual(['req-0040', 'req-0030', 'req-0020', 'req-0010', 'req-0000']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('keeps entries since a time, and refuses foreign cursors and non-times', async () => {
    const since = new Date(START + 295 * 60_000).toISOString();
    const recent = await reader.list('dir-a', { limit: 50, since });
    expect(recent.items.map((e) => e.requestId)).toEqual(['req-0299', 'req-0298', 'req-0297', 'req-0296', 'req-0295']);
    expect(recent.nextCursor).toBeUndefined();

    const page = await reader.list('dir-a', { limit: 5 });
    await expect(reader.list('dir-a', { limit: 5, outcome: 'failure', cursor: page.nextCursor ?? '' })).rejects.toBeInstanceOf(ActivityQueryError);
    await expect(reader.list('dir-a', { limit: 5, cursor: 'garbage' })).rejects.toBeInstanceOf(ActivityQueryError);
    await expect(reader.list('dir-a', { limit: 5, since: 'yesterday-ish' })).rejects.toBeInstanceOf(ActivityQueryError);
    expect((await reader.list('dir-empty', { limit: 5 })).items).toEqual([]);
  });
});

describe('DynamoDbActivityReader.requestStatus', () => {
  it('reads the REQUESTSTATUS item, and falls back to the newest token use', async () => {
    await table.documentClient.send(
      new PutCommand({ TableName: table.tableName, Item: { ...keys.requestStatus('dir-a'), lastRequestAt: '2026-03-02T10:00:00.000Z', lastFailureAt: '2026-03-02T09:00:00.000Z' } }),
    );
    expect(await reader.requestStatus('dir-a')).toEqual({ lastRequestAt: '2026-03-02T10:00:00.000Z', lastFailureAt: '2026-03-02T09:00:00.000Z' });

    expect(await reader.requestStatus('dir-b')).toEqual({});
    const directories = new DirectoryRepository(table.documentClient, table.tableName);
    await directories.recordTokenUse('dir-b', 'tok_one', new Date('2026-03-03T08:00:00.000Z'));
    await directories.recordTokenUse('dir-b', 'tok_two', new Date('2026-03-03T09:30:00.000Z'));
    expect(await reader.requestStatus('dir-b')).toEqual({ lastRequestAt: '2026-03-03T09:30:00.000Z' });
  });
});
