/**
 * Stream records sent whole to the dead-letter queue: the message body round-trips the record,
 * stays within SQS's limit, and is told apart from the event source mapping's pointers; a redrive
 * from the queue keeps what it cannot publish. SQS is faked at the SDK boundary.
 */
import { randomBytes } from 'node:crypto';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsDeadLetterQueue } from '../../functions/adapters/aws/sqs-dead-letters.ts';
import type { ParkedRecord } from '../../functions/fanout/parking.ts';
import { decodeQueuedRecord, encodeQueuedRecord, MAX_QUEUED_MESSAGE_BYTES } from '../../functions/fanout/queued-records.ts';
import { ParkedRecordRedriver } from '../../functions/fanout/redrive.ts';

const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/stream-dlq';

beforeEach(() => sqs.reset());

/** A user's stream record whose `title` is `title`. */
function userRecord(title: string): DynamoDBRecord {
  const image = { pk: { S: 'DIR#dir-1' }, sk: { S: 'USER#u-1' }, entity: { S: 'user' }, id: { S: 'u-1' }, version: { N: '2' }, attributes: { M: { title: { S: title } } } };
  return {
    eventID: 'ev-1',
    eventName: 'MODIFY',
    dynamodb: { Keys: { pk: { S: 'DIR#dir-1' }, sk: { S: 'USER#u-1' } }, SequenceNumber: '4200000000000000001', NewImage: image, OldImage: { ...image, version: { N: '1' } } },
  } as DynamoDBRecord;
}

function parkedOf(record: DynamoDBRecord): ParkedRecord {
  return { directoryId: 'dir-1', sequenceNumber: '4200000000000000001', eventID: 'ev-1', reason: 'undeliverable', detail: 'event not delivered (InternalFailure)', parkedAt: '2026-01-01T00:00:00.000Z', attempts: 1, record };
}

/** What the event source mapping sends the queue when it gives up on a batch: a pointer, no record. */
const POINTER = JSON.stringify({
  requestContext: { requestId: 'r-1', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fanout', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
  version: '1.0',
  timestamp: '2026-01-01T00:00:00.000Z',
  DDBStreamBatchInfo: { shardId: 'shardId-1', startSequenceNumber: '4200000000000000001', endSequenceNumber: '4200000000000000001', batchSize: 1 },
});

describe('a record sent whole to the dead-letter queue', () => {
  it('round-trips, gzipped, so a record several times the size of a message still fits', () => {
    // SCIM JSON repeats itself, and compresses as well as this.
    const parked = parkedOf(userRecord('Engineer '.repeat(60_000)));
    expect(JSON.stringify(parked.record).length).toBeGreaterThan(2 * MAX_QUEUED_MESSAGE_BYTES);
    const body = encodeQueuedRecord(parked);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_QUEUED_MESSAGE_BYTES);
    expect(decodeQueuedRecord(body)).toEqual({ kind: 'record', parked });
  });

  it('keeps only its keys when even gzipped it is over the limit, and says so', () => {
    const parked = parkedOf(userRecord(randomBytes(300 * 1024).toString('base64')));
    const body = encodeQueuedRecord(parked);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_QUEUED_MESSAGE_BYTES);
    const { record: _record, ...rest } = parked;
    expect(decodeQueuedRecord(body)).toEqual({ kind: 'tooLarge', parked: rest });
    expect(body).toContain('USER#u-1');
  });

  it('tells the mapping\'s pointers and anything unreadable apart from records', () => {
    expect(decodeQueuedRecord(POINTER)).toEqual({ kind: 'other' });
    expect(decodeQueuedRecord('not json')).toEqual({ kind: 'other' });
    const body = JSON.parse(encodeQueuedRecord(parkedOf(userRecord('x')))) as Record<string, unknown>;
    expect(decodeQueuedRecord(JSON.stringify({ ...body, record: 'bm90IGd6aXA=' }))).toEqual({ kind: 'other' });
  });
});

describe('a redrive from the dead-letter queue', () => {
  it('reports a record too large to publish and the pointers, removes neither, and makes both visible again', async () => {
    const tooLarge = encodeQueuedRecord(parkedOf(userRecord(randomBytes(300 * 1024).toString('base64'))));
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ Body: tooLarge, ReceiptHandle: 'r-large' }, { Body: POINTER, ReceiptHandle: 'r-pointer' }] }).resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    const nothingPublished = { send: async () => expect.unreachable('nothing may be published') };
    const redriver = new ParkedRecordRedriver({
      store: { park: async () => undefined, countFailure: async () => 0, list: async () => [], remove: async () => false },
      sink: nothingPublished,
      source: 'test',
      scimBaseUrl: 'https://scim.example.test/scim/v2',
      organizations: { organizationIdOf: async () => null, remember: () => undefined },
      listDirectories: async () => [],
      queue: new SqsDeadLetterQueue(new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), QUEUE_URL),
    });

    const report = await redriver.redrive({ from: 'queue' });

    expect(report).toMatchObject({ examined: 1, redriven: 0, tooLarge: 1, pointers: 1, events: 0, more: false });
    expect(report.items).toEqual([expect.objectContaining({ eventID: 'ev-1', outcome: 'tooLarge', detail: expect.stringContaining('Directory API') })]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toEqual([]);
    const released = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(released.map((entry) => [entry.ReceiptHandle, entry.VisibilityTimeout])).toEqual([
      ['r-large', 0],
      ['r-pointer', 0],
    ]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toMatchObject({ QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10 });
  });
});
