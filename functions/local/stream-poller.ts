/**
 * Reads DynamoDB Local's stream the way the Lambda event source mapping reads the real one, and
 * hands the records, in order, to the same fan-out code: DescribeTable → DescribeStream →
 * GetShardIterator → GetRecords, following new shards and finishing closed ones.
 *
 * As with the mapping, a record reported as failed is read again (from that record) on the next
 * poll; after a few attempts it is skipped with a log line, the local stand-in for the mapping's
 * on-failure destination. The fan-out parks a record before that (after three failures), so a
 * record is skipped only when parking it failed too.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
  type AttributeValue as StreamsAttributeValue,
  type DynamoDBStreamsClient,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { sleep } from '../shared/sleep.ts';

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

export interface StreamPollerOptions {
  /** Client of the table (DescribeTable finds the stream). */
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  tableName: string;
  /** Handles one batch of one shard; failures are retried from the first failed record. */
  handle(records: DynamoDBRecord[]): Promise<DynamoDBBatchResponse>;
  /** Where to start in the shards that exist when the poller opens. @default 'LATEST' */
  startingPosition?: StartingPosition;
  /** Pause between polls. @default 500 ms */
  intervalMs?: number;
  /** GetRecords page size (1–1000). @default 100 */
  batchSize?: number;
  /** Deliveries of one record before it is skipped: more than the fan-out's parking bound. @default 5 */
  maxRecordAttempts?: number;
  /** Receives operational lines (never record contents). */
  log?: (line: string) => void;
}

type Position =
  | { type: 'TRIM_HORIZON' | 'LATEST' }
  | { type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

interface ShardState {
  shardId: string;
  parentShardId?: string;
  position: Position;
  iterator?: string;
  finished: boolean;
}

/** Pages of DescribeStream and GetRecords per poll: a poll always ends. */
const MAX_DESCRIBE_PAGES = 100;
const MAX_PAGES_PER_SHARD_AND_POLL = 20;
/** Shards are re-listed every this many polls (and whenever one closes or none is open). */
const REFRESH_EVERY_POLLS = 10;

/** A streams-API attribute value in the shape Lambda delivers (binary as base64). */
export function toLambdaAttributeValue(value: StreamsAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttributeValue) };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((entry) => Buffer.from(entry).toString('base64')) };
  throw new Error('stream record holds an attribute value of no known type');
}

function toLambdaImage(image: Record<string, StreamsAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaAttributeValue(value)]));
}

/** A GetRecords record in the shape of a Lambda DynamoDB stream event record. */
export function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  return {
    ...(record.eventID === undefined ? {} : { eventID: record.eventID }),
    ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'local',
    eventSourceARN: streamArn,
    dynamodb: {
      // Lambda delivers whole seconds since the epoch.
      ...(stream.ApproximateCreationDateTime === undefined ? {} : { ApproximateCreationDateTime: Math.floor(stream.ApproximateCreationDateTime.getTime() / 1000) }),
      ...(stream.Keys === undefined ? {} : { Keys: toLambdaImage(stream.Keys) }),
      ...(stream.NewImage === undefined ? {} : { NewImage: toLambdaImage(stream.NewImage) }),
      ...(stream.OldImage === undefined ? {} : { OldImage: toLambdaImage(stream.OldImage) }),
      ...(stream.SequenceNumber === undefined ? {} : { SequenceNumber: stream.SequenceNumber }),
      ...(stream.SizeBytes === undefined ? {} : { SizeBytes: stream.SizeBytes }),
      ...(stream.StreamViewType === undefined ? {} : { StreamViewType: stream.StreamViewType }),
    },
  };
}

const errorName = (error: unknown) => (error as { name?: string } | undefined)?.name ?? 'Error';

/**
 * @example
 * const poller = new StreamPoller({ dynamodb, streams, tableName, handle: (records) => fanout.handleBatch({ Records: records }) });
 * await poller.start();
 * // …
 * await poller.stop();
 */
export class StreamPoller {
  readonly #options: Required<Omit<StreamPollerOptions, 'log'>> & { log: (line: string) => void };
  readonly #shards = new Map<string, ShardState>();
  readonly #attempts = new Map<string, number>();
  #streamArn: string | undefined;
  #polls = 0;
  #refreshNeeded = true;
  #lastError: string | undefined;
  /** Serializes polls: the loop and explicit `pollOnce`/`drain` calls never overlap. */
  #queue: Promise<unknown> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(options: StreamPollerOptions) {
    this.#options = {
      startingPosition: 'LATEST',
      intervalMs: 500,
      batchSize: 100,
      maxRecordAttempts: 5,
      log: () => undefined,
      ...options,
    };
  }

  /** The stream's ARN once opened. */
  get streamArn(): string | undefined {
    return this.#streamArn;
  }

  /** Finds the table's stream and positions every existing shard at the starting position. */
  async open(): Promise<void> {
    if (this.#streamArn !== undefined) return;
    const { Table } = await this.#options.dynamodb.send(new DescribeTableCommand({ TableName: this.#options.tableName }));
    const arn = Table?.LatestStreamArn;
    if (arn === undefined) throw new Error(`table ${this.#options.tableName} has no stream`);
    this.#streamArn = arn;
    await this.#refreshShards(this.#options.startingPosition);
  }

  /** Opens the stream and polls every `intervalMs` until `stop()`. */
  async start(): Promise<void> {
    await this.open();
    if (this.#loop !== undefined) return;
    this.#loop = (async () => {
      while (!this.#stopped) {
        await this.pollOnce().catch((error: unknown) => this.#reportError(error));
        if (this.#stopped) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#options.intervalMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      }
    })();
  }

  /** Reads what the shards hold now and delivers it; answers how many records were handled. */
  pollOnce(): Promise<number> {
    const run = this.#queue.then(() => this.#poll());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Polls until `quietPolls` polls in a row find nothing (or `timeoutMs` passes): every record
   * written before the call has then been handled. Answers how many were handled.
   */
  async drain(options: { quietPolls?: number; timeoutMs?: number; pauseMs?: number } = {}): Promise<number> {
    const quietPolls = options.quietPolls ?? 3;
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    let handled = 0;
    let quiet = 0;
    while (quiet < quietPolls && Date.now() < deadline) {
      const count = await this.pollOnce();
      handled += count;
      quiet = count === 0 ? quiet + 1 : 0;
      if (quiet < quietPolls) await sleep(options.pauseMs ?? 100);
    }
    return handled;
  }

  /** Stops polling and waits for the poll in progress to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await this.#queue;
  }

  async #poll(): Promise<number> {
    if (this.#stopped) return 0;
    await this.open();
    this.#polls += 1;
    // With nothing left to read, the next shard is all there is to wait for: look every poll.
    const idle = this.#readableShards().length === 0;
    if (this.#refreshNeeded || idle || this.#polls % REFRESH_EVERY_POLLS === 0) await this.#refreshShards('TRIM_HORIZON');
    let handled = 0;
    for (const shard of this.#readableShards()) {
      if (this.#stopped) break;
      handled += await this.#readShard(shard);
    }
    this.#lastError = undefined;
    return handled;
  }

  /** Learns of shards; those not seen before start at `position`. */
  async #refreshShards(position: StartingPosition): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    for (let page = 0; page < MAX_DESCRIBE_PAGES; page++) {
      const { StreamDescription } = await this.#options.streams.send(
        new DescribeStreamCommand({ StreamArn: this.#streamArn, ...(exclusiveStartShardId === undefined ? {} : { ExclusiveStartShardId: exclusiveStartShardId }) }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId === undefined || this.#shards.has(shard.ShardId)) continue;
        const state: ShardState = {
          shardId: shard.ShardId,
          ...(shard.ParentShardId === undefined ? {} : { parentShardId: shard.ParentShardId }),
          position: { type: position },
          finished: false,
        };
        // LATEST means "from now": pin it now, not at the first read, or records written in between are lost.
        if (position === 'LATEST') {
          const iterator = await this.#iteratorFor(state);
          if (iterator !== undefined) state.iterator = iterator;
        }
        this.#shards.set(shard.ShardId, state);
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
      if (exclusiveStartShardId === undefined) break;
    }
    this.#refreshNeeded = false;
  }

  /** Open shards whose parent is done (or unknown): a child's records come after its parent's. */
  #readableShards(): ShardState[] {
    return [...this.#shards.values()].filter((shard) => {
      if (shard.finished) return false;
      const parent = shard.parentShardId === undefined ? undefined : this.#shards.get(shard.parentShardId);
      return parent === undefined || parent.finished;
    });
  }

  async #iteratorFor(shard: ShardState): Promise<string | undefined> {
    const { position } = shard;
    const { ShardIterator } = await this.#options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.#streamArn,
        ShardId: shard.shardId,
        ShardIteratorType: position.type,
        ...('sequenceNumber' in position ? { SequenceNumber: position.sequenceNumber } : {}),
      }),
    );
    return ShardIterator;
  }

  async #readShard(shard: ShardState): Promise<number> {
    let handled = 0;
    for (let page = 0; page < MAX_PAGES_PER_SHARD_AND_POLL && !this.#stopped; page++) {
      shard.iterator ??= await this.#iteratorFor(shard);
      if (shard.iterator === undefined) {
        this.#finish(shard);
        return handled;
      }
      let output;
      try {
        output = await this.#options.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: this.#options.batchSize }));
      } catch (error) {
        if (errorName(error) !== 'ExpiredIteratorException') throw error;
        delete shard.iterator;
        continue;
      }
      const records = (output.Records ?? []).map((record) => toLambdaRecord(record, this.#streamArn ?? ''));
      const next = output.NextShardIterator;
      if (records.length === 0) {
        if (next === undefined) this.#finish(shard);
        else shard.iterator = next;
        return handled;
      }
      const accepted = await this.#deliver(records);
      handled += accepted.handled;
      if (accepted.retryFrom !== undefined) {
        // Read again from the failed record on the next poll, as the mapping would.
        shard.position = accepted.retryFrom;
        delete shard.iterator;
        return handled;
      }
      const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
      if (last !== undefined) shard.position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
      if (next === undefined) {
        this.#finish(shard);
        return handled;
      }
      shard.iterator = next;
    }
    return handled;
  }

  /** Hands records to the handler; answers how many it took and where to resume if some failed. */
  async #deliver(records: DynamoDBRecord[]): Promise<{ handled: number; retryFrom?: Position }> {
    let failedSequences: Set<string>;
    try {
      const response = await this.#options.handle(records);
      failedSequences = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch (error) {
      this.#reportError(error);
      failedSequences = new Set(records.flatMap((record) => (record.dynamodb?.SequenceNumber === undefined ? [] : [record.dynamodb.SequenceNumber])));
    }
    const firstFailed = records.findIndex((record) => failedSequences.has(record.dynamodb?.SequenceNumber ?? ''));
    if (firstFailed < 0) return { handled: records.length };
    const sequenceNumber = records[firstFailed]?.dynamodb?.SequenceNumber ?? '';
    const attempts = (this.#attempts.get(sequenceNumber) ?? 0) + 1;
    if (attempts >= this.#options.maxRecordAttempts) {
      this.#attempts.delete(sequenceNumber);
      this.#options.log(`stream record ${sequenceNumber} failed ${attempts} times; skipped`);
      return { handled: firstFailed + 1, retryFrom: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber } };
    }
    this.#attempts.set(sequenceNumber, attempts);
    return { handled: firstFailed, retryFrom: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber } };
  }

  #finish(shard: ShardState): void {
    shard.finished = true;
    delete shard.iterator;
    // A closed shard has children to find.
    this.#refreshNeeded = true;
  }

  #reportError(error: unknown): void {
    const line = `stream poll failed: ${errorName(error)}: ${error instanceof Error ? error.message : String(error)}`;
    // Once per distinct error, so an outage does not flood the console twice a second.
    if (line !== this.#lastError) this.#options.log(line);
    this.#lastError = line;
  }
}
