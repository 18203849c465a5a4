/**
 * Parked stream records in the table: PARKED#<sequence> items in the record's directory partition
 * (so a directory's deletion purges them with the rest of its data), and the FANOUTFAILURES#
 * counters that decide when to park.
 *
 * The record itself is kept gzipped in one binary attribute: its two images may each approach
 * DynamoDB's 400 KB item limit, and SCIM resources compress well. A record still too large is
 * refused with {@link ParkedRecordTooLargeError}, and the fan-out then fails it as before parking
 * existed. Parked items carry no `entity`, so the stream filter keeps their own records away from
 * the fan-out. Both kinds of item expire through the table's TTL.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod';
import type { FailureKind, ParkedRecord, ParkedRecordStore } from '../../fanout/parking.ts';
import { keys, SK } from './keys.ts';
import { TABLE_DEFINITION } from './table-definition.ts';

/** How long a parked record is kept: two weeks, the longest an SQS dead-letter queue could hold it. */
export const PARKED_RECORD_RETENTION_DAYS = 14;
/** Failure counts outlive the stream's 24-hour retention, after which the record is gone anyway. */
const FAILURE_COUNT_RETENTION_SECONDS = 2 * 86_400;
/** Largest compressed record accepted, leaving room under 400 KB for the other attributes. */
const MAX_COMPRESSED_RECORD_BYTES = 380_000;

/** The attributes of a parked item, besides the keys and the TTL (the fan-out's IAM grant lists them). */
export const PARKED_RECORD_FIELDS = ['directoryId', 'sequenceNumber', 'eventID', 'reason', 'detail', 'parkedAt', 'attempts', 'record'] as const;
/** The attribute of a failure counter, besides the keys and the TTL. */
export const FANOUT_FAILURE_FIELDS = ['failures'] as const;

/** A record too large to park even compressed. */
export class ParkedRecordTooLargeError extends Error {
  override readonly name = 'ParkedRecordTooLargeError';
}

const parkedItemSchema = z.object({
  directoryId: z.string(),
  sequenceNumber: z.string(),
  eventID: z.string(),
  reason: z.enum(['unmappable', 'undeliverable']),
  detail: z.string(),
  parkedAt: z.string(),
  attempts: z.number().int(),
  record: z.instanceof(Uint8Array),
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The DynamoDB implementation of {@link ParkedRecordStore}. */
export class DynamoDbParkedRecords implements ParkedRecordStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(documentClient: DynamoDBDocumentClient, tableName: string) {
    this.#db = documentClient;
    this.#table = tableName;
  }

  async park(parked: ParkedRecord): Promise<void> {
    const record = gzipSync(Buffer.from(JSON.stringify(parked.record), 'utf8'));
    if (record.byteLength > MAX_COMPRESSED_RECORD_BYTES) {
      throw new ParkedRecordTooLargeError(`stream record is ${record.byteLength} bytes compressed, more than an item holds`);
    }
    const parkedAtSeconds = Math.floor(Date.parse(parked.parkedAt) / 1000);
    await this.#db.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          ...keys.parkedRecord(parked.directoryId, parked.sequenceNumber),
          directoryId: parked.directoryId,
          sequenceNumber: parked.sequenceNumber,
          eventID: parked.eventID,
          reason: parked.reason,
          detail: parked.detail.slice(0, 1000),
          parkedAt: parked.parkedAt,
          attempts: parked.attempts,
          record: new Uint8Array(record),
          [TABLE_DEFINITION.timeToLiveAttribute]: (Number.isFinite(parkedAtSeconds) ? parkedAtSeconds : nowSeconds()) + PARKED_RECORD_RETENTION_DAYS * 86_400,
        },
      }),
    );
  }

  async countFailure(directoryId: string, eventID: string, kind: FailureKind = 'delivery'): Promise<number> {
    const { Attributes } = await this.#db.send(
      new UpdateCommand({
        TableName: this.#table,
        // Delivery failures keep the key they always had; other kinds get one of their own.
        Key: keys.fanoutFailures(directoryId, kind === 'delivery' ? eventID : `${eventID}#${kind}`),
        UpdateExpression: 'ADD failures :one SET #ttl = :expires',
        ExpressionAttributeNames: { '#ttl': TABLE_DEFINITION.timeToLiveAttribute },
        ExpressionAttributeValues: { ':one': 1, ':expires': nowSeconds() + FAILURE_COUNT_RETENTION_SECONDS },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const failures = Attributes?.failures;
    return typeof failures === 'number' ? failures : 1;
  }

  async list(directoryId: string, options: { limit: number; afterSequenceNumber?: string }): Promise<ParkedRecord[]> {
    const after = options.afterSequenceNumber === undefined ? undefined : keys.parkedRecord(directoryId, options.afterSequenceNumber);
    const { Items } = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: after === undefined ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues:
          after === undefined
            ? { ':pk': keys.partition(directoryId), ':prefix': SK.parkedRecordPrefix }
            : // `~` sorts after every digit: the range ends after the last parked record. BETWEEN is
              // inclusive, so the record at `after` itself is dropped below.
              { ':pk': keys.partition(directoryId), ':from': after.sk, ':to': `${SK.parkedRecordPrefix}~` },
        Limit: options.limit + (after === undefined ? 0 : 1),
        ConsistentRead: true,
      }),
    );
    return (Items ?? [])
      .filter((item) => after === undefined || item.sk !== after.sk)
      .slice(0, options.limit)
      .map((item) => {
        const parsed = parkedItemSchema.parse(item);
        return { ...parsed, record: JSON.parse(gunzipSync(parsed.record).toString('utf8')) as DynamoDBRecord };
      });
  }

  async remove(directoryId: string, sequenceNumber: string): Promise<boolean> {
    try {
      await this.#db.send(
        new DeleteCommand({ TableName: this.#table, Key: keys.parkedRecord(directoryId, sequenceNumber), ConditionExpression: 'attribute_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

