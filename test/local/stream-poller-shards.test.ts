/**
 * How the poller follows shards. DynamoDB Local keeps one shard for a table's life, so shard
 * closing and splitting cannot be provoked there; these cases fake the streams API at the SDK
 * boundary instead. Reading real records is tested against DynamoDB Local in stream-poller.test.ts.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamPoller, toLambdaRecord } from '../../functions/local/stream-poller.ts';

const STREAM_ARN = 'arn:aws:dynamodb:local:000000000000:table/t/stream/2026-01-01T00:00:00.000';
const dynamodb = mockClient(DynamoDBClient);
const streams = mockClient(DynamoDBStreamsClient);

afterEach(() => {
  dynamodb.reset();
  streams.reset();
});

function record(sequenceNumber: string, name: string): _Record {
  return {
    eventID: `ev-${sequenceNumber}`,
    eventName: 'INSERT',
    dynamodb: { SequenceNumber: sequenceNumber, ApproximateCreationDateTime: new Date('2026-01-01T00:00:01.900Z'), NewImage: { name: { S: name } } },
  };
}

/** Pages of records per shard; a shard whose pages run out is closed when `closed` says so. */
function fakeStream(shards: Array<{ id: string; parent?: string; pages: _Record[][]; closed: boolean }>, visibleShards: () => number): void {
  dynamodb.on(DescribeTableCommand).resolves({ Table: { TableName: 't', LatestStreamArn: STREAM_ARN } });
  streams.on(DescribeStreamCommand).callsFake((input: { ExclusiveStartShardId?: string }) => {
    // One shard per page, to exercise paging.
    const visible = shards.slice(0, visibleShards());
    const start = input.ExclusiveStartShardId === undefined ? 0 : visible.findIndex((shard) => shard.id === input.ExclusiveStartShardId) + 1;
    const page = visible.slice(start, start + 1);
    return {
      StreamDescription: {
        Shards: page.map((shard) => ({ ShardId: shard.id, ...(shard.parent === undefined ? {} : { ParentShardId: shard.parent }) })),
        ...(start + 1 < visible.length ? { LastEvaluatedShardId: page[0]?.id } : {}),
      },
    };
  });
  streams.on(GetShardIteratorCommand).callsFake((input: { ShardId: string }) => ({ ShardIterator: `${input.ShardId}|0` }));
  streams.on(GetRecordsCommand).callsFake((input: { ShardIterator: string }) => {
    const [id, position] = input.ShardIterator.split('|');
    const shard = shards.find((candidate) => candidate.id === id);
    const index = Number(position);
    const records = shard?.pages[index] ?? [];
    const more = index + 1 < (shard?.pages.length ?? 0);
    return { Records: records, ...(more || shard?.closed !== true ? { NextShardIterator: `${id}|${more ? index + 1 : index}` } : {}) };
  });
}

describe('StreamPoller shard following', () => {
  it('reads a closed parent to its end before its children, and finds shards that appear later', async () => {
    let visible = 2;
    fakeStream(
      [
        { id: 'shard-1', pages: [[record('1', 'a'), record('2', 'b')], [record('3', 'c')], []], closed: true },
        { id: 'shard-2', parent: 'shard-1', pages: [[record('4', 'd')], []], closed: true },
        { id: 'shard-3', parent: 'shard-2', pages: [[record('5', 'e')], []], closed: false },
      ],
      () => visible,
    );
    const seen: string[] = [];
    const poller = new StreamPoller({
      dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
      streams: new DynamoDBStreamsClient({ region: 'us-east-1' }),
      tableName: 't',
      startingPosition: 'TRIM_HORIZON',
      handle: async (records: DynamoDBRecord[]) => {
        seen.push(...records.map((entry) => entry.dynamodb?.NewImage?.name?.S ?? '?'));
        return { batchItemFailures: [] };
      },
    });
    await poller.open();
    await poller.drain({ quietPolls: 2, pauseMs: 1 });
    expect(seen).toEqual(['a', 'b', 'c', 'd']);

    visible = 3;
    await poller.drain({ quietPolls: 2, pauseMs: 1 });
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    // The parent was never read again once finished.
    const parentReads = streams.commandCalls(GetShardIteratorCommand).filter((call) => call.args[0].input.ShardId === 'shard-1');
    expect(parentReads).toHaveLength(1);
  });
});

describe('toLambdaRecord', () => {
  it('gives streams-API records the shape Lambda delivers', () => {
    const converted = toLambdaRecord(
      {
        eventID: 'e1',
        eventName: 'MODIFY',
        dynamodb: {
          ApproximateCreationDateTime: new Date('2026-01-01T00:00:01.900Z'),
          SequenceNumber: '42',
          Keys: { pk: { S: 'DIR#d' } },
          NewImage: { blob: { B: new Uint8Array([1, 2, 3]) }, tags: { SS: ['x'] }, nested: { M: { list: { L: [{ N: '1' }, { NULL: true }, { BOOL: false }] } } } },
        },
      },
      STREAM_ARN,
    );
    expect(converted).toEqual({
      eventID: 'e1',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'local',
      eventSourceARN: STREAM_ARN,
      dynamodb: {
        ApproximateCreationDateTime: 1767225601,
        SequenceNumber: '42',
        Keys: { pk: { S: 'DIR#d' } },
        NewImage: { blob: { B: 'AQID' }, tags: { SS: ['x'] }, nested: { M: { list: { L: [{ N: '1' }, { NULL: true }, { BOOL: false }] } } } },
      },
    });
  });
});
