/**
 * The fan-out: a batch of DynamoDB stream records in, public events out, and the batch item
 * failures the event source mapping needs to retry exactly what was not delivered.
 *
 * Stream semantics: records of one shard must be handled in order. Once a record fails, every
 * later record of the batch is reported as failed too (without being published), so the
 * mapping retries from the failed record and a resource's events never overtake each other.
 *
 * Nothing is given up silently. A record that cannot be mapped at all is parked (see
 * parking.ts) and the batch goes on; a record whose mapping or delivery failed on
 * `PARK_AFTER_FAILED_ATTEMPTS` invocations is parked too, and the batch is retried after it.
 * Parked records are published again by `scim-admin events redrive`.
 *
 * When the table fails as well (a record's failures cannot be counted, or it cannot be parked),
 * the record is sent whole to the dead-letter queue instead (queued-records.ts), and the batch
 * goes on: retrying would only end, after the mapping's retries, with a pointer to a stream
 * record that is trimmed within a day.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { ActivityLog } from '../activity/activity-log.ts';
import type { DirectoryEvent } from '../events/detail.ts';
import { activityOfRecord } from './activity-records.ts';
import { toOutboundEvent, type OutboundEvent } from './entries.ts';
import { mapStreamRecord, type MapContext } from './map-record.ts';
import { keepMemberDisplays, type MemberDisplayPort } from './member-display-records.ts';
import type { OrganizationLookup } from './organization-lookup.ts';
import { PARK_AFTER_FAILED_ATTEMPTS, PARKED_LOG_MESSAGE, parkingKeyOf, type FailureKind, type ParkedRecordStore, type ParkReason } from './parking.ts';
import { encodeQueuedRecord, type DeadLetterQueue } from './queued-records.ts';
import { OUT_OF_TIME, publishInOrder, type PublishFailure, type PublishOptions } from './publisher.ts';
import type { EventSink } from './sink.ts';
import { StreamRecordError } from './stream-image.ts';

/** The fan-out's view of a logger (the Powertools Logger fits). */
export interface FanoutLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface StreamFanoutOptions {
  sink: EventSink;
  /** EventBridge `source` of every event. */
  source: string;
  /** Bus name, counted in entry sizes. */
  eventBusName?: string;
  /** Tenant URL base (`https://…/scim/v2`). */
  scimBaseUrl: string;
  organizations: OrganizationLookup;
  publish?: PublishOptions;
  logger?: FanoutLogger;
  /** Where the activity entries of stamped writes go; without it, no activity is recorded. */
  activity?: Pick<ActivityLog, 'write'>;
  /** Where group members' display names are kept; without it, they are read when rendered. */
  memberDisplays?: MemberDisplayPort;
  /**
   * Where records given up on are parked. Without it nothing is parked: a failing record fails
   * until the event source mapping's own retries run out.
   */
  parking?: ParkedRecordStore;
  /**
   * Where a record goes whole when it can be neither delivered nor parked (the table failing
   * too). Without it, such a record fails until the mapping's retries run out.
   */
  deadLetters?: DeadLetterQueue;
  /** Turns a record into its events. @default mapStreamRecord (tests inject faults here) */
  mapRecord?: (record: DynamoDBRecord, context: MapContext) => Promise<DirectoryEvent[]>;
  /**
   * Time left in the invocation below which no further PutEvents request is started: a request
   * with its retries must finish before Lambda stops the function. @default 15 s
   */
  reserveMs?: number;
  now?: () => Date;
}

/** How long a PutEvents request with its retries may take, and then some: see `reserveMs`. */
export const DEFAULT_RESERVE_MS = 15_000;

/** What a single run of the fan-out may know of its invocation. */
export interface FanOutRunOptions {
  /** Milliseconds left before Lambda stops the invocation (Lambda's `context.getRemainingTimeInMillis`). */
  remainingTimeMs?: () => number;
}

/** A record that failed itself: it could not be mapped, or its events could not be delivered. */
export class RecordFailedError extends Error {
  override readonly name = 'RecordFailedError';
}

/** A record not attempted because an earlier record of the batch failed. */
export class SkippedAfterFailureError extends Error {
  override readonly name = 'SkippedAfterFailureError';
  constructor() {
    super('an earlier record of this batch failed; this one is retried after it, in order');
  }
}

/** What became of one record. */
export interface RecordOutcome {
  record: DynamoDBRecord;
  events: DirectoryEvent[];
  /** Set when the record must be retried. */
  error?: Error;
  /** Set when the record was parked instead: it is done for the stream, and waits for a redrive. */
  parked?: ParkReason;
  /** Where it was parked: the table, or (when the table failed too) the dead-letter queue. */
  parkedIn?: 'table' | 'queue';
}

/** A failure count: the count, `uncounted` when it could not be written (the table failing), `none` when no store keeps counts. */
type FailureCount = number | 'uncounted' | 'none';

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

function describeFailure(failure: PublishFailure): string {
  if (failure.errorCode === OUT_OF_TIME) return 'event not sent: the invocation was running out of time';
  return `event not delivered (${failure.errorCode}${failure.errorMessage === undefined ? '' : `: ${failure.errorMessage}`})`;
}

/** The log line of a record sent whole to the dead-letter queue. */
export const QUEUED_LOG_MESSAGE = 'stream record sent to the dead-letter queue';

const silentLogger: FanoutLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Identifies a record in logs: never an image, which may hold personal data. */
function describe(record: DynamoDBRecord): Record<string, unknown> {
  return { eventID: record.eventID, eventName: record.eventName, sequenceNumber: record.dynamodb?.SequenceNumber };
}

/**
 * @example
 * const fanout = new StreamFanout({ sink, source: 'scim-directory-sync', scimBaseUrl, organizations });
 * export const handler = (event: DynamoDBStreamEvent) => fanout.handleBatch(event);
 */
export class StreamFanout {
  readonly #options: StreamFanoutOptions;
  readonly #logger: FanoutLogger;

  constructor(options: StreamFanoutOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * Maps the records in order, then publishes all their events in order, in batches. Answers
   * one outcome per record, in the records' order.
   */
  async fanOut(records: readonly DynamoDBRecord[], run: FanOutRunOptions = {}): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = records.map((record) => ({ record, events: [] }));
    const first = records[0];
    if (first === undefined) return outcomes;
    const unrecorded = (await this.#recordActivity(records)) ?? (await this.#keepMemberDisplays(records));
    if (unrecorded !== undefined) {
      // Nothing is published yet: the whole batch is retried, and its entries rewritten in place;
      // but only so often. Activity and member names are kept alongside the changes, the events
      // are the contract: after that many failures the events go out without them.
      const attempts = await this.#countFailure(first, 'activity');
      // Uncounted, the table is failing: the entries cannot be written, and retrying the batch
      // would only hold its events until the mapping gives up on them.
      if (attempts === 'none' || (typeof attempts === 'number' && attempts < PARK_AFTER_FAILED_ATTEMPTS)) {
        outcomes.forEach((outcome, position) => {
          outcome.error = position === 0 ? new RecordFailedError(`activity or member names not recorded: ${unrecorded}`) : new SkippedAfterFailureError();
        });
        this.#logger.error('activity or member names of a stream batch not recorded; the batch will be retried', { ...describe(first), error: unrecorded });
        return outcomes;
      }
      this.#logger.error(
        attempts === 'uncounted'
          ? 'activity or member names of a stream batch not recorded, and its failures not countable; its events are published without them'
          : 'activity or member names of a stream batch not recorded after retries; its events are published without them',
        {
          ...describe(first),
          error: unrecorded,
          attempts,
        },
      );
    }
    const map = this.#options.mapRecord ?? mapStreamRecord;
    const entries: OutboundEvent[] = [];
    const ownerOfEntry: number[] = [];
    // Records from here on are retried by the mapping.
    let retryFrom = records.length;

    for (const [position, outcome] of outcomes.entries()) {
      try {
        outcome.events = await map(outcome.record, this.#options);
      } catch (error) {
        const detail = `could not turn the record into events: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
        // A record the mapper refuses stays refused: retrying it would only hold up the shard.
        const attempts = error instanceof StreamRecordError ? 1 : await this.#countFailure(outcome.record);
        if (await this.#giveUpOn(outcome, 'unmappable', detail, attempts, error instanceof StreamRecordError)) continue;
        outcome.error = new RecordFailedError(detail, { cause: error });
        retryFrom = position;
        break;
      }
      for (const event of outcome.events) {
        entries.push(toOutboundEvent(event, this.#options.source, this.#options.eventBusName));
        ownerOfEntry.push(position);
      }
    }

    const reserveMs = this.#options.reserveMs ?? DEFAULT_RESERVE_MS;
    const remaining = run.remainingTimeMs;
    const failure = await publishInOrder(entries, this.#options.sink, {
      ...this.#options.publish,
      ...(remaining === undefined ? {} : { stopBefore: () => remaining() < reserveMs }),
    });
    if (failure !== undefined) {
      // Entries come only from records before `retryFrom`: this record comes first now.
      const position = ownerOfEntry[failure.index] ?? 0;
      const later = outcomes[retryFrom];
      if (later !== undefined) delete later.error;
      const outcome = outcomes[position] as RecordOutcome;
      const detail = describeFailure(failure);
      // Running out of time is no fault of the record: it is retried without counting.
      const attempts = failure.errorCode === OUT_OF_TIME ? 'none' : await this.#countFailure(outcome.record);
      if (await this.#giveUpOn(outcome, 'undeliverable', detail, attempts, false)) {
        retryFrom = position + 1;
      } else {
        outcome.error = new RecordFailedError(detail);
        retryFrom = position;
      }
    }

    for (const outcome of outcomes.slice(retryFrom)) outcome.error ??= new SkippedAfterFailureError();
    const failed = outcomes[retryFrom];
    if (failed !== undefined) {
      this.#logger.error('stream record failed; it and the rest of the batch will be retried', {
        ...describe(failed.record),
        error: failed.error?.message,
        skippedAfter: outcomes.length - retryFrom - 1,
      });
    }
    return outcomes;
  }

  /**
   * Counts a failed invocation of `record`: the count; `none` without a parking store or for a
   * record without a directory; `uncounted` when the count could not be written.
   */
  async #countFailure(record: DynamoDBRecord, kind: FailureKind = 'delivery'): Promise<FailureCount> {
    const parking = this.#options.parking;
    const key = parkingKeyOf(record);
    if (parking === undefined || key === undefined) return 'none';
    try {
      return await parking.countFailure(key.directoryId, key.eventID, kind);
    } catch (error) {
      this.#logger.error('failure of a stream record not counted', { ...describe(record), error: errorText(error) });
      return 'uncounted';
    }
  }

  /**
   * Parks a failed record once it is due (`poison`: retrying cannot help; `attempts` reached the
   * bound, or could not be counted, which means the table is failing): in the table, or when that
   * fails, in the dead-letter queue. Answers true when the record is kept somewhere and the batch
   * may go on past it.
   */
  async #giveUpOn(outcome: RecordOutcome, reason: ParkReason, detail: string, attempts: FailureCount, poison: boolean): Promise<boolean> {
    if (attempts === 'none' || (typeof attempts === 'number' && attempts < PARK_AFTER_FAILED_ATTEMPTS && !poison)) return false;
    const count = attempts === 'uncounted' ? 1 : attempts;
    if (attempts !== 'uncounted' && (await this.#park(outcome.record, reason, detail, count))) {
      outcome.parked = reason;
      outcome.parkedIn = 'table';
      return true;
    }
    if (await this.#queue(outcome.record, reason, detail, count)) {
      outcome.parked = reason;
      outcome.parkedIn = 'queue';
      return true;
    }
    return false;
  }

  /** Sends a record whole to the dead-letter queue; answers false when it could not. */
  async #queue(record: DynamoDBRecord, reason: ParkReason, detail: string, attempts: number): Promise<boolean> {
    const queue = this.#options.deadLetters;
    const key = parkingKeyOf(record);
    if (queue === undefined || key === undefined) return false;
    try {
      await queue.send(encodeQueuedRecord({ ...key, reason, detail, attempts, parkedAt: (this.#options.now?.() ?? new Date()).toISOString(), record }));
    } catch (error) {
      this.#logger.error('stream record could not be sent to the dead-letter queue', { ...describe(record), reason, error: errorText(error) });
      return false;
    }
    // The queue's depth alarm (DeadLetterQueueDepth) reports it; the line says which record it is.
    this.#logger.error(QUEUED_LOG_MESSAGE, { ...describe(record), directoryId: key.directoryId, reason, attempts, error: detail });
    return true;
  }

  /** Parks a record; answers false when it could not be parked (it then fails as it would have). */
  async #park(record: DynamoDBRecord, reason: ParkReason, detail: string, attempts: number): Promise<boolean> {
    const parking = this.#options.parking;
    const key = parkingKeyOf(record);
    if (parking === undefined || key === undefined) return false;
    try {
      await parking.park({ ...key, reason, detail, attempts, parkedAt: (this.#options.now?.() ?? new Date()).toISOString(), record });
    } catch (error) {
      this.#logger.error('stream record could not be parked', { ...describe(record), reason, error: errorText(error) });
      return false;
    }
    // The alarm on parked records counts this line (lib/monitoring.ts): keep the message as it is.
    this.#logger.error(PARKED_LOG_MESSAGE, { ...describe(record), directoryId: key.directoryId, reason, attempts, error: detail });
    return true;
  }

  /**
   * Writes the activity entries of the batch (one BatchWriteItem per 25) before any event is
   * published. Answers why it failed, or undefined when every entry is written.
   */
  async #recordActivity(records: readonly DynamoDBRecord[]): Promise<string | undefined> {
    const activity = this.#options.activity;
    if (activity === undefined) return undefined;
    const entries = records.flatMap((record) => activityOfRecord(record) ?? []);
    if (entries.length === 0) return undefined;
    try {
      await activity.write(entries);
      return undefined;
    } catch (error) {
      return errorText(error);
    }
  }

  /** Writes the members' display names the batch changes, before any event is published; answers why it failed. */
  async #keepMemberDisplays(records: readonly DynamoDBRecord[]): Promise<string | undefined> {
    const port = this.#options.memberDisplays;
    if (port === undefined) return undefined;
    try {
      await keepMemberDisplays(records, port);
      return undefined;
    } catch (error) {
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }

  /**
   * The Lambda entry point's work: the outcomes, reported through Powertools' batch processor
   * as `batchItemFailures` (the mapping's checkpoint is the lowest failed sequence number).
   */
  async handleBatch(event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> {
    const outcomes = await this.fanOut(event.Records, context === undefined ? {} : { remainingTimeMs: () => context.getRemainingTimeInMillis() });
    const errors = new Map(outcomes.flatMap((outcome) => (outcome.error === undefined ? [] : [[outcome.record, outcome.error] as const])));
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    return processPartialResponse(
      event,
      async (record: DynamoDBRecord) => {
        const error = errors.get(record);
        if (error !== undefined) throw error;
      },
      processor,
      {
        // In order; and a fully failed batch is reported, not thrown, so the mapping retries it
        // from its first record like any other failure.
        processInParallel: false,
        throwOnFullBatchFailure: false,
        ...(context === undefined ? {} : { context }),
      },
    );
  }
}
