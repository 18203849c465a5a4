/**
 * The last place a stream record can go: the stream's dead-letter queue, with the record itself.
 *
 * The fan-out parks the records it gives up on in the table (parking.ts). When the table fails
 * too (it cannot count the record's failures, or cannot park it), the record would otherwise
 * fail until the event source mapping gives up, and the mapping sends the dead-letter queue only a
 * pointer into the stream, which trims the record after 24 hours. So the fan-out sends the record
 * to the queue itself, gzipped and base64-encoded: SCIM JSON shrinks several-fold, so nearly every
 * record fits in SQS's 256 KiB. One that does not still goes, as its keys without its images: the
 * redrive reports it `tooLarge` and leaves it in the queue, and its resource can be read again
 * through the Directory API (the change it stood for is not in the message).
 *
 * `scim-admin events redrive --from-queue` publishes these messages as it publishes parked
 * records (redrive.ts), and leaves the mapping's own pointer messages where they are.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import { z } from 'zod';
import type { ParkedRecord } from './parking.ts';

/** SQS's limit for one message (256 KiB; queues may allow more, none allows less). */
export const MAX_QUEUED_MESSAGE_BYTES = 256 * 1024;

/** Marks a message as a whole record sent by the fan-out, unlike the mapping's pointers. */
export const QUEUED_RECORD_KIND = 'scim-directory-sync.stream-record';

/** The dead-letter queue as the fan-out sees it: one message per record it cannot keep elsewhere. */
export interface DeadLetterQueue {
  send(body: string): Promise<void>;
}

/** A message received from the dead-letter queue. */
export interface ReceivedMessage {
  body: string;
  /** What removes the message, or makes it visible again. */
  receipt: string;
}

/** The dead-letter queue as a redrive reads it. */
export interface DeadLetterReader {
  /** Up to `max` (at most 10) messages, hidden from other readers until released or removed. */
  receive(max: number): Promise<ReceivedMessage[]>;
  remove(receipt: string): Promise<void>;
  /** Makes messages visible again at once, for the next redrive. */
  release(receipts: string[]): Promise<void>;
}

const header = {
  kind: z.literal(QUEUED_RECORD_KIND),
  directoryId: z.string().min(1),
  sequenceNumber: z.string().regex(/^\d{1,40}$/),
  eventID: z.string().min(1),
  reason: z.enum(['unmappable', 'undeliverable']),
  detail: z.string(),
  parkedAt: z.string(),
  attempts: z.number().int().min(0),
};

const messageSchema = z.union([
  z.object({ ...header, record: z.string().min(1) }),
  z.object({ ...header, tooLarge: z.literal(true), keys: z.record(z.string(), z.unknown()) }),
]);

/** What a dead-letter message holds. */
export type QueuedMessage =
  | { kind: 'record'; parked: ParkedRecord }
  | { kind: 'tooLarge'; parked: Omit<ParkedRecord, 'record'> }
  /** Not the fan-out's: the mapping's pointer into the stream, or anything else. */
  | { kind: 'other' };

/**
 * The body of the message that keeps `parked`: the record gzipped, or, past the size limit, its
 * keys alone.
 */
export function encodeQueuedRecord(parked: ParkedRecord): string {
  const { record, ...rest } = parked;
  const body = JSON.stringify({ kind: QUEUED_RECORD_KIND, ...rest, record: gzipSync(JSON.stringify(record)).toString('base64') });
  if (Buffer.byteLength(body) <= MAX_QUEUED_MESSAGE_BYTES) return body;
  return JSON.stringify({ kind: QUEUED_RECORD_KIND, ...rest, tooLarge: true, keys: record.dynamodb?.Keys ?? {} });
}

/** Reads a dead-letter message; anything not written by {@link encodeQueuedRecord} is `other`. */
export function decodeQueuedRecord(body: string): QueuedMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'other' };
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) return { kind: 'other' };
  const message = parsed.data;
  const base = {
    directoryId: message.directoryId,
    sequenceNumber: message.sequenceNumber,
    eventID: message.eventID,
    reason: message.reason,
    detail: message.detail,
    parkedAt: message.parkedAt,
    attempts: message.attempts,
  };
  if (!('record' in message)) return { kind: 'tooLarge', parked: base };
  try {
    const record = JSON.parse(gunzipSync(Buffer.from(message.record, 'base64')).toString('utf8')) as DynamoDBRecord;
    return { kind: 'record', parked: { ...base, record } };
  } catch {
    return { kind: 'other' };
  }
}
