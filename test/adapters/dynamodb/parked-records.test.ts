/**
 * Parked stream records on DynamoDB Local: stream order whatever the length of the sequence
 * numbers, paging, removal, failure counts, and the item size limit.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbParkedRecords, ParkedRecordTooLargeError } from '../../../functions/adapters/dynamodb/parked-records.ts';
import type { ParkedRecord } from '../../../functions/fanout/parking.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb.ts';

let table: TestTable;
let store: DynamoDbParkedRecords;

beforeAll(async () => {
  table = await createTestTable('parked');
  store = new DynamoDbParkedRecords(table.documentClient, table.tableName);
});

function parked(directoryId: string, sequenceNumber: string, image: Record<string, { S: string }> = {}): ParkedRecord {
  const record: DynamoDBRecord = {
    eventID: `ev-${sequenceNumber}`,
    eventName: 'INSERT',
    dynamodb: { SequenceNumber: sequenceNumber, Keys: { pk: { S: keys.partition(directoryId) }, sk: { S: 'USER#u' } }, NewImage: { pk: { S: keys.partition(directoryId) }, ...image } },
  };
  return { directoryId, sequenceNumber, eventID: `ev-${sequenceNumber}`, reason: 'unmappable', detail: 'StreamRecordError: fields: version', parkedAt: '2026-11-30T02:00:00.000Z', attempts: 1, record };
}

describe('DynamoDbParkedRecords', () => {
  it('lists in stream order (numbers, not strings), pages after a sequence number, and stays in its directory', async () => {
    for (const sequence of ['100', '9', '123456789012345678901234567890', '10']) await store.park(parked('dir-a', sequence));
    await store.park(parked('dir-b', '5'));

    const all = await store.list('dir-a', { limit: 10 });
    expect(all.map((record) => record.sequenceNumber)).toEqual(['9', '10', '100', '123456789012345678901234567890']);
    expect(all[0]).toEqual(parked('dir-a', '9'));
    expect((await store.list('dir-a', { limit: 2, afterSequenceNumber: '9' })).map((record) => record.sequenceNumber)).toEqual(['10', '100']);
    expect(await store.list('dir-a', { limit: 2, afterSequenceNumber: '123456789012345678901234567890' })).toEqual([]);
    expect((await store.list('dir-b', { limit: 10 })).map((record) => record.sequenceNumber)).toEqual(['5']);

    expect(await store.remove('dir-a', '10')).toBe(true);
    expect(await store.remove('dir-a', '10')).toBe(false);
    expect((await store.list('dir-a', { limit: 10 })).map((record) => record.sequenceNumber)).toEqual(['9', '100', '123456789012345678901234567890']);
  });

  it('expires parked items after 14 days through the table TTL, and carries no entity for the stream filter', async () => {
    await store.park(parked('dir-c', '42'));
    const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.parkedRecord('dir-c', '42') }));
    expect(Item?.expiresAt).toBe(Date.parse('2026-11-30T02:00:00.000Z') / 1000 + 14 * 86_400);
    expect(Item).not.toHaveProperty('entity');
  });

  it('counts failures of a record one by one', async () => {
    expect(await store.countFailure('dir-d', 'ev-1')).toBe(1);
    expect(await store.countFailure('dir-d', 'ev-1')).toBe(2);
    expect(await store.countFailure('dir-d', 'ev-2')).toBe(1);
  });

  it('refuses a record too large for an item even compressed, and keeps a large compressible one', async () => {
    await expect(store.park(parked('dir-e', '1', { blob: { S: randomBytes(450_000).toString('base64') } }))).rejects.toBeInstanceOf(ParkedRecordTooLargeError);
    await store.park(parked('dir-e', '2', { text: { S: 'x'.repeat(700_000) } }));
    expect((await store.list('dir-e', { limit: 10 })).map((record) => record.sequenceNumber)).toEqual(['2']);
  });
});
