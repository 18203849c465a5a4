/**
 * Delivery rules of the fan-out, with EventBridge faked at the SDK boundary and records taken
 * from DynamoDB Local's real stream: partial and total PutEvents failures, oversized events,
 * records that cannot be mapped, and redelivery.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { PATCH_OP_SCHEMA } from '../../functions/core/patch-op.ts';
import { USER_SCHEMA } from '../../functions/core/schemas/index.ts';
import { SCHEMA_VERSION } from '../../functions/events/detail.ts';
import { parseDirectoryEvent, type DirectoryEvent } from '../../functions/events/index.ts';
import { MAX_ENTRY_BYTES } from '../../functions/fanout/entries.ts';
import { EventBridgeSink } from '../../functions/fanout/eventbridge-sink.ts';
import { CachedOrganizationLookup } from '../../functions/fanout/organization-lookup.ts';
import type { EventSink } from '../../functions/fanout/sink.ts';
import { StreamFanout } from '../../functions/fanout/stream-fanout.ts';
import { EVENT_BUS, EVENT_SOURCE, SCIM_BASE_URL, streamFixture, type StreamFixture } from './fixtures.ts';

const eventBridge = mockClient(EventBridgeClient);
/** Every PutEvents request, and which of its entries were accepted. */
let calls: Array<{ entries: PutEventsRequestEntry[]; accepted: boolean[] }> = [];
let fixture: StreamFixture | undefined;

const acceptAll: EventSink = { send: async (entries) => entries.map(() => ({ ok: true })) };

beforeEach(() => {
  calls = [];
  eventBridge.reset();
});

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

/** Answers PutEvents with `decide(entry, call)`: true accepts the entry, a string is its ErrorCode. */
function respondWith(decide: (entry: PutEventsRequestEntry, call: number) => true | string): void {
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
    const call = calls.length;
    const verdicts = input.Entries.map((entry) => decide(entry, call));
    calls.push({ entries: input.Entries, accepted: verdicts.map((verdict) => verdict === true) });
    const Entries: PutEventsResultEntry[] = verdicts.map((verdict, index) =>
      verdict === true ? { EventId: `eb-${call}-${index}` } : { ErrorCode: verdict, ErrorMessage: 'simulated' },
    );
    return { FailedEntryCount: verdicts.filter((verdict) => verdict !== true).length, Entries };
  });
}

function fanoutWithEventBridge(f: StreamFixture): StreamFanout {
  return new StreamFanout({
    sink: new EventBridgeSink(new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), EVENT_BUS),
    source: EVENT_SOURCE,
    eventBusName: EVENT_BUS,
    scimBaseUrl: SCIM_BASE_URL,
    organizations: new CachedOrganizationLookup({ documentClient: f.table.documentClient, tableName: f.table.tableName }),
    publish: { retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 }, sleep: async () => undefined },
  });
}

const idOf = (entry: PutEventsRequestEntry) => (JSON.parse(entry.Detail ?? '{}') as { id: string }).id;
/** Ids of the events EventBridge accepted, in acceptance order. */
const acceptedIds = () => calls.flatMap((call) => call.entries.filter((_, index) => call.accepted[index]).map(idOf));
const sequenceOf = (record: DynamoDBRecord | undefined) => record?.dynamodb?.SequenceNumber ?? '';

/** Records of items with an entity, as the event source mapping's filter lets through (claims and counters are dropped). */
const withEntity = (records: readonly DynamoDBRecord[]) =>
  records.filter((record) => (record.dynamodb?.NewImage ?? record.dynamodb?.OldImage)?.entity?.S !== undefined);

/** Writes `count` users and reads back the real stream records (directory + users). */
async function recordsOfUsers(count: number): Promise<{ records: DynamoDBRecord[]; expected: DirectoryEvent[] }> {
  fixture = await streamFixture({ sink: acceptAll, organizationId: 'org-1' });
  for (let index = 0; index < count; index++) {
    await fixture.service.create(fixture.ctx, 'User', { schemas: [USER_SCHEMA], userName: `person${index}@example.test` });
  }
  await fixture.poller.drain();
  const records = withEntity(fixture.delivered);
  const outcomes = await fixture.fanout.fanOut(records);
  return { records, expected: outcomes.flatMap((outcome) => outcome.events) };
}

describe('StreamFanout with PutEvents', () => {
  it('re-sends only the failed entries of a partial failure, and loses or invents nothing', async () => {
    const { records, expected } = await recordsOfUsers(12);
    expect(records).toHaveLength(13);
    // Fail entries 2 and 5 of the first request only.
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      const call = calls.length;
      const accepted = input.Entries.map((_, index) => !(call === 0 && (index === 2 || index === 5)));
      calls.push({ entries: input.Entries, accepted });
      return {
        FailedEntryCount: accepted.filter((ok) => !ok).length,
        Entries: accepted.map((ok, index) => (ok ? { EventId: `eb-${call}-${index}` } : { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' })),
      };
    });

    const response = await fanoutWithEventBridge(fixture as StreamFixture).handleBatch({ Records: records });

    expect(response.batchItemFailures).toEqual([]);
    expect(calls.map((call) => call.entries.length)).toEqual([10, 2, 3]);
    const firstIds = (calls[0]?.entries ?? []).map(idOf);
    expect((calls[1]?.entries ?? []).map(idOf)).toEqual([firstIds[2], firstIds[5]]);
    expect([...acceptedIds()].sort()).toEqual(expected.map((event) => event.id).sort());
    for (const entry of calls.flatMap((call) => call.entries)) {
      expect(entry).toMatchObject({ Source: EVENT_SOURCE, EventBusName: EVENT_BUS });
      expect(parseDirectoryEvent(JSON.parse(entry.Detail ?? '{}')).type).toBe(entry.DetailType);
    }
  });

  it('reports the whole batch when PutEvents keeps failing, after a bounded number of tries', async () => {
    const { records } = await recordsOfUsers(3);
    respondWith(() => 'InternalFailure');

    const response = await fanoutWithEventBridge(fixture as StreamFixture).handleBatch({ Records: records });

    expect(response.batchItemFailures).toEqual(records.map((record) => ({ itemIdentifier: sequenceOf(record) })));
    expect(calls).toHaveLength(4);
    expect(acceptedIds()).toEqual([]);
  });

  it('treats a PutEvents call that throws like a failure of every entry', async () => {
    const { records } = await recordsOfUsers(2);
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));

    const response = await fanoutWithEventBridge(fixture as StreamFixture).handleBatch({ Records: records });

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(records.map(sequenceOf));
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(4);
  });

  it('fails from the first undelivered record on, and redelivery keeps the ids', async () => {
    const { records, expected } = await recordsOfUsers(14);
    // The 12th event (second request) never gets through.
    const doomed = expected[11]?.id;
    respondWith((entry) => (idOf(entry) === doomed ? 'InternalFailure' : true));
    const fanout = fanoutWithEventBridge(fixture as StreamFixture);

    const response = await fanout.handleBatch({ Records: records });

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(records.slice(11).map(sequenceOf));
    const firstRound = acceptedIds();
    // Its neighbours in the same request went through; only the doomed entry was re-sent.
    expect(firstRound).toEqual(expected.filter((event) => event.id !== doomed).map((event) => event.id));
    expect(calls.map((call) => call.entries.length)).toEqual([10, 5, 1, 1, 1]);

    // The event source mapping retries from the failed record: same records, same ids.
    calls = [];
    eventBridge.reset();
    respondWith(() => true);
    const retry = await fanout.handleBatch({ Records: records.slice(11) });
    expect(retry.batchItemFailures).toEqual([]);
    expect(acceptedIds()).toEqual(expected.slice(11).map((event) => event.id));
    expect(new Set([...firstRound, ...acceptedIds()])).toEqual(new Set(expected.map((event) => event.id)));
  });

  it('without a place to park it, fails a record it cannot understand, delivers those before it and holds back those after it', async () => {
    fixture = await streamFixture({ sink: acceptAll });
    const { service, ctx, table, directoryId } = fixture;
    await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'before@example.test' });
    // A user item without version or attributes: no repository writes this, the stream carries it anyway.
    await table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.user(directoryId, 'broken'), entity: 'user', directoryId, id: 'broken' } }));
    await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'after@example.test' });
    await fixture.poller.drain({ quietPolls: 2 });
    const records = withEntity(fixture.delivered).filter((record, index, all) => all.findIndex((other) => other.eventID === record.eventID) === index);
    respondWith(() => true);

    const response = await fanoutWithEventBridge(fixture).handleBatch({ Records: records });

    const broken = records.findIndex((record) => record.dynamodb?.Keys?.sk?.S === 'USER#broken');
    expect(broken).toBeGreaterThan(0);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(records.slice(broken).map(sequenceOf));
    const types = calls.flatMap((call) => call.entries.map((entry) => entry.DetailType));
    expect(types).toEqual(['directory.created', 'user.created']);
  });

  it('sends an event too large for EventBridge trimmed and flagged, never drops it', async () => {
    fixture = await streamFixture({ sink: acceptAll });
    const { service, ctx } = fixture;
    const big = 'x'.repeat(150_000);
    const user = await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'big@example.test', externalId: 'ext-big', nickName: big, title: 'small' });
    const userId = user.body.id as string;
    await service.patch(ctx, 'User', userId, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'nickName', value: `y${big}` }, { op: 'replace', path: 'title', value: 'smaller' }] });
    await fixture.poller.drain();
    respondWith(() => true);

    const response = await fanoutWithEventBridge(fixture).handleBatch({ Records: fixture.delivered });

    expect(response.batchItemFailures).toEqual([]);
    const entries = calls.flatMap((call) => call.entries);
    expect(entries.map((entry) => entry.DetailType)).toEqual(['directory.created', 'user.created', 'user.updated']);
    for (const call of calls) expect(call.entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.Detail ?? ''), 0)).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    const created = parseDirectoryEvent(JSON.parse(entries[1]?.Detail ?? '{}'));
    // Small enough whole: 150 kB of nickName fits.
    expect(created).toMatchObject({ type: 'user.created', user: { nickName: big } });
    expect(created).not.toHaveProperty('truncated');
    const updated = parseDirectoryEvent(JSON.parse(entries[2]?.Detail ?? '{}'));
    // New value and previous value together exceed 256 KiB: trimmed to ids, version and names.
    expect(updated).toEqual({
      id: expect.any(String),
      type: 'user.updated',
      schemaVersion: SCHEMA_VERSION,
      occurredAt: expect.any(String),
      directoryId: ctx.directoryId,
      organizationId: null,
      user: { schemas: [USER_SCHEMA], id: userId, externalId: 'ext-big', userName: 'big@example.test', meta: expect.objectContaining({ version: 'W/"2"' }) },
      version: 2,
      changedAttributes: ['nickName', 'title'],
      previous: {},
      truncated: true,
    });
  });
});
