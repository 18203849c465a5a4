/**
 * Change events are never lost: records taken from DynamoDB Local's real stream, parked records
 * kept in the same DynamoDB Local table, and faults injected where they happen in AWS: PutEvents
 * answers (aws-sdk-client-mock at the SDK boundary), the mapper refusing a record, the
 * invocation's remaining time, and an activity table that cannot be written. Each scenario ends
 * with the events a consumer saw folded into state and compared with the table.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqsDeadLetterQueue } from '../../functions/adapters/aws/sqs-dead-letters.ts';
import { DynamoDbActivityLog } from '../../functions/adapters/dynamodb/activity-writer.ts';
import { keys, resourceOfSortKey } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbParkedRecords } from '../../functions/adapters/dynamodb/parked-records.ts';
import { PATCH_OP_SCHEMA } from '../../functions/core/patch-op.ts';
import { USER_SCHEMA } from '../../functions/core/schemas/index.ts';
import { parseDirectoryEvent, type DirectoryEvent } from '../../functions/events/index.ts';
import { EventBridgeSink } from '../../functions/fanout/eventbridge-sink.ts';
import { mapStreamRecord } from '../../functions/fanout/map-record.ts';
import { CachedOrganizationLookup } from '../../functions/fanout/organization-lookup.ts';
import { PARK_AFTER_FAILED_ATTEMPTS } from '../../functions/fanout/parking.ts';
import { decodeQueuedRecord } from '../../functions/fanout/queued-records.ts';
import { ParkedRecordRedriver, type ParkedRecordRedriverOptions } from '../../functions/fanout/redrive.ts';
import type { EventSink } from '../../functions/fanout/sink.ts';
import { QUEUED_LOG_MESSAGE, StreamFanout, type FanoutLogger, type StreamFanoutOptions } from '../../functions/fanout/stream-fanout.ts';
import { StreamRecordError } from '../../functions/fanout/stream-image.ts';
import { EVENT_BUS, EVENT_SOURCE, SCIM_BASE_URL, streamFixture, type StreamFixture } from './fixtures.ts';

const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
/** Every PutEvents request, and which of its entries were accepted. */
let calls: Array<{ entries: PutEventsRequestEntry[]; accepted: boolean[] }> = [];
let fixture: StreamFixture | undefined;
let logged: string[] = [];

const acceptAll: EventSink = { send: async (entries) => entries.map(() => ({ ok: true })) };
const fast = { retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 }, sleep: async () => undefined };
const logger: FanoutLogger = { info: () => undefined, warn: (message) => logged.push(message), error: (message) => logged.push(message) };

beforeEach(() => {
  calls = [];
  logged = [];
  eventBridge.reset();
  sqs.reset();
});

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

/** Answers PutEvents with `decide(entry)`: true accepts the entry, a string is its ErrorCode. */
function respondWith(decide: (entry: PutEventsRequestEntry) => true | string): void {
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
    const call = calls.length;
    const verdicts = input.Entries.map((entry) => decide(entry));
    calls.push({ entries: input.Entries, accepted: verdicts.map((verdict) => verdict === true) });
    const Entries: PutEventsResultEntry[] = verdicts.map((verdict, index) =>
      verdict === true ? { EventId: `eb-${call}-${index}` } : { ErrorCode: verdict, ErrorMessage: 'simulated' },
    );
    return { FailedEntryCount: verdicts.filter((verdict) => verdict !== true).length, Entries };
  });
}

const eventOf = (entry: PutEventsRequestEntry) => parseDirectoryEvent(JSON.parse(entry.Detail ?? '{}'));
/** The events EventBridge accepted, in acceptance order. */
const accepted = () => calls.flatMap((call) => call.entries.filter((_, index) => call.accepted[index]).map(eventOf));
const acceptedIds = () => accepted().map((event) => event.id);
const sequenceOf = (record: DynamoDBRecord | undefined) => record?.dynamodb?.SequenceNumber ?? '';
const failedSequences = (response: { batchItemFailures: Array<{ itemIdentifier: string }> }) => response.batchItemFailures.map((failure) => failure.itemIdentifier);

function eventBridgeSink(): EventBridgeSink {
  return new EventBridgeSink(new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), EVENT_BUS);
}

function parkingOf(f: StreamFixture): DynamoDbParkedRecords {
  return new DynamoDbParkedRecords(f.table.documentClient, f.table.tableName);
}

/** The fan-out as the Lambda runs it: PutEvents (mocked), parking in the fixture's table. */
function fanoutUnderTest(f: StreamFixture, overrides: Partial<StreamFanoutOptions> = {}): StreamFanout {
  return new StreamFanout({
    sink: eventBridgeSink(),
    source: EVENT_SOURCE,
    eventBusName: EVENT_BUS,
    scimBaseUrl: SCIM_BASE_URL,
    organizations: new CachedOrganizationLookup({ documentClient: f.table.documentClient, tableName: f.table.tableName }),
    parking: parkingOf(f),
    publish: fast,
    logger,
    ...overrides,
  });
}

/** The stream's dead-letter queue, SQS faked at the SDK boundary. */
function deadLetterQueue(): SqsDeadLetterQueue {
  return new SqsDeadLetterQueue(new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), 'https://sqs.us-east-1.amazonaws.com/123456789012/stream-dlq');
}

function redriverOf(f: StreamFixture, overrides: Partial<ParkedRecordRedriverOptions> = {}): ParkedRecordRedriver {
  return new ParkedRecordRedriver({
    store: parkingOf(f),
    sink: eventBridgeSink(),
    source: EVENT_SOURCE,
    eventBusName: EVENT_BUS,
    scimBaseUrl: SCIM_BASE_URL,
    organizations: new CachedOrganizationLookup({ documentClient: f.table.documentClient, tableName: f.table.tableName }),
    listDirectories: async () => [f.directoryId],
    publish: fast,
    ...overrides,
  });
}

/** A Lambda context with the remaining time `remaining()` answers. */
function contextWith(remaining: () => number): Context {
  return { getRemainingTimeInMillis: remaining } as unknown as Context;
}

/** Records of items with an entity (what the mapping's filter passes), each once. */
function streamRecords(f: StreamFixture): DynamoDBRecord[] {
  return f.delivered.filter(
    (record, index, all) =>
      (record.dynamodb?.NewImage ?? record.dynamodb?.OldImage)?.entity?.S !== undefined && all.findIndex((other) => other.eventID === record.eventID) === index,
  );
}

/** Every event the records stand for, as the correct mapper makes them. */
async function expectedEvents(f: StreamFixture, records: readonly DynamoDBRecord[]): Promise<DirectoryEvent[]> {
  const organizations = new CachedOrganizationLookup({ documentClient: f.table.documentClient, tableName: f.table.tableName });
  const events: DirectoryEvent[] = [];
  for (const record of records) events.push(...(await mapStreamRecord(record, { scimBaseUrl: SCIM_BASE_URL, organizations })));
  return events;
}

/** Ids published more than once. */
function duplicates(ids: readonly string[]): string[] {
  return ids.filter((id, index) => ids.indexOf(id) !== index);
}

/**
 * What a consumer following the contract holds after `events` (in any order): per user, the
 * highest version, and deleted users gone. Compared with the users in the table.
 */
async function expectEventsToMatchTable(f: StreamFixture, events: readonly DirectoryEvent[]): Promise<void> {
  const users = new Map<string, { version: number; deleted: boolean }>();
  for (const event of events) {
    if (!event.type.startsWith('user.')) continue;
    const { user, version } = event as DirectoryEvent & { user: { id: string }; version: number };
    const known = users.get(user.id);
    const deleted = event.type === 'user.deleted';
    if (known === undefined || version > known.version || (version === known.version && deleted)) users.set(user.id, { version, deleted });
  }
  const { Items } = await f.table.documentClient.send(
    new QueryCommand({
      TableName: f.table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.partition(f.directoryId), ':prefix': 'USER#' },
    }),
  );
  const stored = Object.fromEntries((Items ?? []).map((item) => [resourceOfSortKey(item.sk as string)?.id, item.version as number]));
  const heard = Object.fromEntries([...users].filter(([, state]) => !state.deleted).map(([id, state]) => [id, state.version]));
  expect(heard).toEqual(stored);
}

/** Creates users; `stamped`: as SCIM requests would, so each create stands for an activity entry. */
async function createUsers(f: StreamFixture, count: number, prefix = 'person', stamped = false): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const ctx = stamped ? { ...f.ctx, request: { client: 'entra', method: 'POST', status: 201, requestId: `req-${prefix}-${index}` } as const } : f.ctx;
    const created = await f.service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `${prefix}${index}@example.test` });
    ids.push(created.body.id as string);
  }
  return ids;
}

/**
 * What the event source mapping does: invokes the fan-out, then again from the first failed
 * record, up to 10 times. Answers the failed sequence numbers of each invocation.
 */
async function retriedLikeTheEventSourceMapping(fanout: { handleBatch: (event: { Records: DynamoDBRecord[] }) => Promise<Parameters<typeof failedSequences>[0]> }, records: DynamoDBRecord[]): Promise<string[][]> {
  let batch = records;
  const failures: string[][] = [];
  for (let invocation = 0; invocation < 10 && batch.length > 0; invocation++) {
    const response = await fanout.handleBatch({ Records: batch });
    failures.push(failedSequences(response));
    const from = batch.findIndex((record) => failedSequences(response).includes(sequenceOf(record)));
    batch = from < 0 ? [] : batch.slice(from);
  }
  return failures;
}

describe('a poison record mid-batch', () => {
  it('is parked while the records after it are published, then redriven once the mapper is fixed', async () => {
    fixture = await streamFixture({ sink: acceptAll, organizationId: 'org-1' });
    const [first, poisoned] = await createUsers(fixture, 4);
    await fixture.service.patch(fixture.ctx, 'User', first as string, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }] });
    await fixture.poller.drain();
    const records = streamRecords(fixture);
    const expected = await expectedEvents(fixture, records);
    const poison = records.find((record) => record.dynamodb?.Keys?.sk?.S === `USER#${poisoned}`);
    expect(records.indexOf(poison as DynamoDBRecord)).toBeGreaterThan(0);
    expect(records.indexOf(poison as DynamoDBRecord)).toBeLessThan(records.length - 1);
    respondWith(() => true);
    // A mapper defect on one input: the deployed code refuses this record, and would forever.
    const defective: StreamFanoutOptions['mapRecord'] = async (record, context) => {
      if (record.eventID === poison?.eventID) throw new StreamRecordError('user image does not have the expected shape (fields: attributes)');
      return mapStreamRecord(record, context);
    };

    const response = await fanoutUnderTest(fixture, { mapRecord: defective }).handleBatch({ Records: records });

    expect(response.batchItemFailures).toEqual([]);
    const poisonEvents = expected.filter((event) => event.id === poison?.eventID);
    expect(poisonEvents).toHaveLength(1);
    expect(acceptedIds()).toEqual(expected.filter((event) => event.id !== poison?.eventID).map((event) => event.id));
    const parked = await parkingOf(fixture).list(fixture.directoryId, { limit: 10 });
    expect(parked).toEqual([
      expect.objectContaining({ directoryId: fixture.directoryId, eventID: poison?.eventID, sequenceNumber: sequenceOf(poison), reason: 'unmappable', attempts: 1 }),
    ]);
    // Kept whole: keys and image, not a pointer into the stream.
    expect(parked[0]?.record).toEqual(poison);
    expect(parked[0]?.detail).not.toContain('person');
    expect(logged).toContain('stream record parked');

    // The fixed mapper is deployed: the redrive publishes it, exactly once, and forgets it.
    const firstRound = accepted();
    calls = [];
    const report = await redriverOf(fixture).redrive({ directoryId: fixture.directoryId });
    expect(report).toMatchObject({ examined: 1, redriven: 1, events: 1, unmappable: 0, undelivered: 0, more: false });
    expect(acceptedIds()).toEqual([poison?.eventID]);
    expect(accepted()).toEqual(poisonEvents);
    expect(await parkingOf(fixture).list(fixture.directoryId, { limit: 10 })).toEqual([]);
    const again = await redriverOf(fixture).redrive({ directoryId: fixture.directoryId });
    expect(again).toMatchObject({ examined: 0, redriven: 0 });
    expect(calls).toHaveLength(1);
    const heard = [...firstRound, ...accepted()];
    expect(duplicates(heard.map((event) => event.id))).toEqual([]);
    await expectEventsToMatchTable(fixture, heard);
  });

  it('parks a record no mapper can read, and a redrive reports it and keeps it', async () => {
    fixture = await streamFixture({ sink: acceptAll });
    const { table, directoryId } = fixture;
    await createUsers(fixture, 1, 'before');
    // A user item without version or attributes: no repository writes this, the stream carries it anyway.
    await table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.user(directoryId, 'broken'), entity: 'user', directoryId, id: 'broken' } }));
    await createUsers(fixture, 1, 'after');
    await fixture.poller.drain({ quietPolls: 2 });
    const records = streamRecords(fixture);
    respondWith(() => true);

    const response = await fanoutUnderTest(fixture).handleBatch({ Records: records });

    expect(response.batchItemFailures).toEqual([]);
    expect(calls.flatMap((call) => call.entries.map((entry) => entry.DetailType))).toEqual(['directory.created', 'user.created', 'user.created']);
    const report = await redriverOf(fixture).redrive({});
    expect(report).toMatchObject({ directories: 1, examined: 1, redriven: 0, unmappable: 1 });
    expect(report.items[0]).toMatchObject({ outcome: 'unmappable', reason: 'unmappable', detail: expect.stringContaining('StreamRecordError') });
    expect(await parkingOf(fixture).list(directoryId, { limit: 10 })).toHaveLength(1);
  });
});

describe('a timeout mid-batch', () => {
  it('starts no request it may not finish: what was sent is not sent again, the rest is retried', async () => {
    fixture = await streamFixture({ sink: acceptAll, organizationId: 'org-1' });
    await createUsers(fixture, 24);
    await fixture.poller.drain();
    const records = streamRecords(fixture);
    expect(records).toHaveLength(25);
    const expected = await expectedEvents(fixture, records);
    respondWith(() => true);
    const fanout = fanoutUnderTest(fixture);

    // The first PutEvents request uses up the invocation: 8 s remain, under the 15 s reserve.
    const response = await fanout.handleBatch({ Records: records }, contextWith(() => (calls.length === 0 ? 50_000 : 8_000)));

    expect(calls.map((call) => call.entries.length)).toEqual([10]);
    expect(failedSequences(response)).toEqual(records.slice(10).map(sequenceOf));
    // Running out of time is no fault of a record: nothing is counted towards parking.
    const { Item } = await fixture.table.documentClient.send(
      new GetCommand({ TableName: fixture.table.tableName, Key: keys.fanoutFailures(fixture.directoryId, records[10]?.eventID ?? '') }),
    );
    expect(Item).toBeUndefined();

    // The mapping retries from the first failed record, in a fresh invocation.
    const retry = await fanout.handleBatch({ Records: records.slice(10) }, contextWith(() => 50_000));

    expect(retry.batchItemFailures).toEqual([]);
    expect(duplicates(acceptedIds())).toEqual([]);
    expect(acceptedIds()).toEqual(expected.map((event) => event.id));
    expect(await parkingOf(fixture).list(fixture.directoryId, { limit: 10 })).toEqual([]);
    await expectEventsToMatchTable(fixture, accepted());
  });
});

describe('retries exhausted', () => {
  it('parks the record on its third failed invocation, not losing it; a redrive publishes it exactly once more', async () => {
    fixture = await streamFixture({ sink: acceptAll, organizationId: 'org-1' });
    const ids = await createUsers(fixture, 5);
    await fixture.service.patch(fixture.ctx, 'User', ids[3] as string, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] });
    await fixture.poller.drain();
    const records = streamRecords(fixture);
    const expected = await expectedEvents(fixture, records);
    const doomed = records.find((record) => record.dynamodb?.Keys?.sk?.S === `USER#${ids[2]}` && record.eventName === 'INSERT');
    const doomedAt = records.indexOf(doomed as DynamoDBRecord);
    // EventBridge refuses this one event, however often it is sent.
    respondWith((entry) => (eventOf(entry).id === doomed?.eventID ? 'InternalFailure' : true));
    const fanout = fanoutUnderTest(fixture);

    const failures = await retriedLikeTheEventSourceMapping(fanout, records);

    expect(PARK_AFTER_FAILED_ATTEMPTS).toBe(3);
    expect(failures).toEqual([
      records.slice(doomedAt).map(sequenceOf),
      records.slice(doomedAt).map(sequenceOf),
      // Parked: only the records after it are retried…
      records.slice(doomedAt + 1).map(sequenceOf),
      // …and go through.
      [],
    ]);
    const parked = await parkingOf(fixture).list(fixture.directoryId, { limit: 10 });
    expect(parked).toEqual([expect.objectContaining({ eventID: doomed?.eventID, reason: 'undeliverable', attempts: 3, detail: expect.stringContaining('InternalFailure') })]);
    expect(new Set(acceptedIds())).toEqual(new Set(expected.filter((event) => event.id !== doomed?.eventID).map((event) => event.id)));

    // EventBridge accepts it again: the redrive delivers it once, and only it.
    const firstRound = accepted();
    eventBridge.reset();
    calls = [];
    respondWith(() => true);
    const dryRun = await redriverOf(fixture).redrive({ dryRun: true });
    expect(dryRun).toMatchObject({ dryRun: true, examined: 1, ready: 1, redriven: 0, events: 1 });
    expect(calls).toEqual([]);
    const report = await redriverOf(fixture).redrive({});
    expect(report).toMatchObject({ examined: 1, redriven: 1, events: 1 });
    expect(acceptedIds()).toEqual([doomed?.eventID]);
    expect(await parkingOf(fixture).list(fixture.directoryId, { limit: 10 })).toEqual([]);
    expect((await redriverOf(fixture).redrive({})).examined).toBe(0);
    expect(acceptedIds()).toEqual([doomed?.eventID]);
    const heard = [...firstRound, ...accepted()];
    expect(new Set(heard.map((event) => event.id))).toEqual(new Set(expected.map((event) => event.id)));
    await expectEventsToMatchTable(fixture, heard);
  });

  it('stops a redrive at a record the bus still refuses, keeping it and those after it', async () => {
    fixture = await streamFixture({ sink: acceptAll });
    await createUsers(fixture, 3);
    await fixture.poller.drain();
    const records = streamRecords(fixture);
    const parking = parkingOf(fixture);
    for (const record of records.slice(1)) {
      await parking.park({ directoryId: fixture.directoryId, sequenceNumber: sequenceOf(record), eventID: record.eventID ?? '', reason: 'undeliverable', detail: 'x', parkedAt: new Date().toISOString(), attempts: 3, record });
    }
    respondWith(() => 'InternalFailure');

    const report = await redriverOf(fixture).redrive({});

    expect(report).toMatchObject({ examined: 1, redriven: 0, undelivered: 1, more: true });
    expect(await parking.list(fixture.directoryId, { limit: 10 })).toHaveLength(3);
  });
});

describe('activity that cannot be written', () => {
  it('holds the batch back for a while, then publishes its events without it: no event is lost', async () => {
    fixture = await streamFixture({ sink: acceptAll, organizationId: 'org-1' });
    await createUsers(fixture, 3, 'person', true);
    await fixture.poller.drain();
    const records = streamRecords(fixture);
    const expected = await expectedEvents(fixture, records);
    respondWith(() => true);
    // A table that does not exist: every activity write fails in DynamoDB Local itself.
    const activity = new DynamoDbActivityLog({ documentClient: fixture.table.documentClient, tableName: `${fixture.table.tableName}-missing` });
    const fanout = fanoutUnderTest(fixture, { activity });

    const responses = [];
    for (let invocation = 0; invocation < 3; invocation++) responses.push(await fanout.handleBatch({ Records: records }));

    expect(responses.slice(0, 2).map(failedSequences)).toEqual([records.map(sequenceOf), records.map(sequenceOf)]);
    expect(responses[2]?.batchItemFailures).toEqual([]);
    expect(acceptedIds()).toEqual(expected.map((event) => event.id));
    expect(logged).toContain('activity or member names of a stream batch not recorded after retries; its events are published without them');
    await expectEventsToMatchTable(fixture, accepted());
  });
});

describe('the table failing together with EventBridge', () => {
  it('sends the record whole to the dead-letter queue and goes on; a redrive from the queue publishes it once', async () => {
    fixture = await streamFixture({ sink: acceptAll, organizationId: 'org-1' });
    const ids = await createUsers(fixture, 4, 'person', true);
    await fixture.poller.drain();
    const records = streamRecords(fixture);
    const expected = await expectedEvents(fixture, records);
    const doomed = records.find((record) => record.dynamodb?.Keys?.sk?.S === `USER#${ids[1]}` && record.eventName === 'INSERT') as DynamoDBRecord;
    const doomedAt = records.indexOf(doomed);
    respondWith((entry) => (eventOf(entry).id === doomed.eventID ? 'InternalFailure' : true));
    // Every write of the fan-out fails in DynamoDB Local itself (no such table): activity
    // entries, failure counts, parked records.
    const missing = `${fixture.table.tableName}-missing`;
    const sent: string[] = [];
    sqs.on(SendMessageCommand).callsFake((input: { MessageBody: string }) => {
      sent.push(input.MessageBody);
      return { MessageId: `m-${sent.length}` };
    });
    const fanout = fanoutUnderTest(fixture, {
      activity: new DynamoDbActivityLog({ documentClient: fixture.table.documentClient, tableName: missing }),
      parking: new DynamoDbParkedRecords(fixture.table.documentClient, missing),
      deadLetters: deadLetterQueue(),
    });

    const failures = await retriedLikeTheEventSourceMapping(fanout, records);

    // Sent to the queue on its first failure (its failures cannot be counted), and the batch goes
    // on: the records after it in the next invocation, as after any parked record.
    expect(failures).toEqual([records.slice(doomedAt + 1).map(sequenceOf), []]);
    expect(sent).toHaveLength(1);
    expect(decodeQueuedRecord(sent[0] as string)).toEqual({
      kind: 'record',
      parked: expect.objectContaining({ directoryId: fixture.directoryId, eventID: doomed.eventID, sequenceNumber: sequenceOf(doomed), reason: 'undeliverable', record: doomed }),
    });
    expect(sent[0]).not.toContain('person');
    expect(logged).toContain(QUEUED_LOG_MESSAGE);
    expect(new Set(acceptedIds())).toEqual(new Set(expected.filter((event) => event.id !== doomed.eventID).map((event) => event.id)));

    // The bus accepts events again. The queue holds the record and, from an earlier outage, one of
    // the mapping's pointers.
    const firstRound = accepted();
    eventBridge.reset();
    calls = [];
    respondWith(() => true);
    const pointer = JSON.stringify({ requestContext: { condition: 'RetryAttemptsExhausted' }, version: '1.0', DDBStreamBatchInfo: { shardId: 'shardId-1', startSequenceNumber: '1', endSequenceNumber: '1' } });
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ Body: sent[0], ReceiptHandle: 'r-record' }, { Body: pointer, ReceiptHandle: 'r-pointer' }] }).resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });

    const report = await redriverOf(fixture, { queue: deadLetterQueue() }).redrive({ from: 'queue' });

    expect(report).toMatchObject({ examined: 1, redriven: 1, events: 1, pointers: 1, more: false });
    expect(acceptedIds()).toEqual([doomed.eventID]);
    expect(sqs.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input.ReceiptHandle)).toEqual(['r-record']);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.ReceiptHandle))).toEqual(['r-pointer']);
    const heard = [...firstRound, ...accepted()];
    // The record's event is heard once; others of its PutEvents request may be heard twice, with the same ids.
    expect(heard.filter((event) => event.id === doomed.eventID)).toHaveLength(1);
    expect(new Set(heard.map((event) => event.id))).toEqual(new Set(expected.map((event) => event.id)));
    await expectEventsToMatchTable(fixture, heard);
  });
});

describe('activity failures and delivery failures', () => {
  it('are counted apart: a batch held back by its activity still gets three delivery attempts before parking', async () => {
    fixture = await streamFixture({ sink: acceptAll, organizationId: 'org-1' });
    await createUsers(fixture, 2, 'person', true);
    await fixture.poller.drain();
    const records = streamRecords(fixture);
    const first = records[0] as DynamoDBRecord;
    // EventBridge refuses the first record's event, however often it is sent.
    respondWith((entry) => (eventOf(entry).id === first.eventID ? 'InternalFailure' : true));
    const unwritable = new DynamoDbActivityLog({ documentClient: fixture.table.documentClient, tableName: `${fixture.table.tableName}-missing` });
    const writable = new DynamoDbActivityLog({ documentClient: fixture.table.documentClient, tableName: fixture.table.tableName });

    // Two invocations held back by activity that cannot be written, then three with it written
    // and the delivery failing.
    const failures: string[][] = [];
    for (const activity of [unwritable, unwritable, writable, writable, writable]) {
      failures.push(failedSequences(await fanoutUnderTest(fixture, { activity }).handleBatch({ Records: records })));
    }

    const all = records.map(sequenceOf);
    expect(failures).toEqual([all, all, all, all, records.slice(1).map(sequenceOf)]);
    const parked = await parkingOf(fixture).list(fixture.directoryId, { limit: 10 });
    expect(parked).toEqual([expect.objectContaining({ eventID: first.eventID, reason: 'undeliverable', attempts: 3 })]);
  });
});
