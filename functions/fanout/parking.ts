/**
 * Parking: where the fan-out puts a stream record it gives up on, whole, so that nothing it
 * stands for is lost and `scim-admin events redrive` can publish it later (see
 * docs/decisions/parked-stream-records.md for why the table and not a queue).
 *
 * A record is parked when it cannot be mapped at all (a `StreamRecordError`: retrying cannot
 * help), or when mapping or delivering it failed on {@link PARK_AFTER_FAILED_ATTEMPTS}
 * invocations in a row. The event source mapping's own retry bound lies above that count. When
 * parking itself fails, the fan-out sends the record whole to the mapping's dead-letter queue
 * (queued-records.ts); the mapping's own pointers reach that queue only when that fails too, or
 * the fan-out crashes on a record.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { directoryIdOfPartition } from '../adapters/dynamodb/keys.ts';

/** Failed invocations of one record before it is parked instead of failed again. */
export const PARK_AFTER_FAILED_ATTEMPTS = 3;

/** The log line of a parked record, which the construct's metric filter counts into an alarm. */
export const PARKED_LOG_MESSAGE = 'stream record parked';

/**
 * What failed in an invocation, counted apart for each record: its mapping or delivery, or the
 * activity entries and member names written for its batch before any event is published. One
 * kind of failure never brings the other's bound closer.
 */
export type FailureKind = 'delivery' | 'activity';

/** Why a record was parked. */
export type ParkReason = 'unmappable' | 'undeliverable';

/** A parked stream record, with what a redrive needs: the record itself (keys and both images). */
export interface ParkedRecord {
  directoryId: string;
  /** The stream sequence number: parked records of a directory are listed in this order. */
  sequenceNumber: string;
  /** The stream record's id, which the ids of its events derive from. */
  eventID: string;
  reason: ParkReason;
  /** Why it failed, in the fan-out's words: error names and field names, never values. */
  detail: string;
  parkedAt: string;
  /** Failed invocations before it was parked (1 for a record that could not be mapped). */
  attempts: number;
  record: DynamoDBRecord;
}

/** Where parked records are kept, and the failure counts that decide when to park. */
export interface ParkedRecordStore {
  /** Parks a record; parking the same record again overwrites it. */
  park(parked: ParkedRecord): Promise<void>;
  /** Counts one more failed invocation of a record, of one kind (default `delivery`); answers that count, this one included. */
  countFailure(directoryId: string, eventID: string, kind?: FailureKind): Promise<number>;
  /** Parked records of a directory, in stream order, after `afterSequenceNumber` when given. */
  list(directoryId: string, options: { limit: number; afterSequenceNumber?: string }): Promise<ParkedRecord[]>;
  /** Removes a parked record; answers false when it was already gone. */
  remove(directoryId: string, sequenceNumber: string): Promise<boolean>;
}

/**
 * The directory a record belongs to, from its keys (or, failing that, its images' partition key),
 * and its sequence number and id: what parking needs. Undefined when the record lacks any of
 * them; the event source mapping's filter lets only directory items through, so that is a
 * record no table write produced.
 */
export function parkingKeyOf(record: DynamoDBRecord): { directoryId: string; sequenceNumber: string; eventID: string } | undefined {
  const stream = record.dynamodb;
  const pk = stream?.Keys?.pk?.S ?? stream?.NewImage?.pk?.S ?? stream?.OldImage?.pk?.S;
  const directoryId = pk === undefined ? undefined : directoryIdOfPartition(pk);
  const sequenceNumber = stream?.SequenceNumber;
  const eventID = record.eventID;
  if (directoryId === undefined || directoryId === '' || sequenceNumber === undefined || !/^\d{1,40}$/.test(sequenceNumber) || eventID === undefined || eventID === '') {
    return undefined;
  }
  return { directoryId, sequenceNumber, eventID };
}
