/**
 * The fan-out: a batch of DynamoDB stream records in, public events out, and the batch item
 * failures the event source mapping needs to retry exactly what was not delivered.
 *
 * Stream semantics: records of one shard must be handled in order. Once a record fails, every
 * later record of the batch is reported as failed too (without being published), so the
 * mapping retries from the failed record and a resource's events never overtake each other.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { ActivityLog } from '../activity/activity-log.ts';
import type { DirectoryEvent } from '../events/detail.ts';
import { activityOfRecord } from './activity-records.ts';
import { toOutboundEvent, type OutboundEvent } from './entries.ts';
import { mapStreamRecord } from './map-record.ts';
import { keepMemberDisplays, type MemberDisplayPort } from './member-display-records.ts';
import type { OrganizationLookup } from './organization-lookup.ts';
import { publishInOrder, type PublishOptions } from './publisher.ts';
import type { EventSink } from './sink.ts';

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
}

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
  async fanOut(records: readonly DynamoDBRecord[]): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = records.map((record) => ({ record, events: [] }));
    const unrecorded = (await this.#recordActivity(records)) ?? (await this.#keepMemberDisplays(records));
    if (unrecorded !== undefined) {
      // Nothing is published yet: the whole batch is retried, and its entries rewritten in place.
      outcomes.forEach((outcome, position) => {
        outcome.error = position === 0 ? new RecordFailedError(`activity or member names not recorded: ${unrecorded}`) : new SkippedAfterFailureError();
      });
      if (records[0] !== undefined) this.#logger.error('activity or member names of a stream batch not recorded; the batch will be retried', { ...describe(records[0]), error: unrecorded });
      return outcomes;
    }
    const entries: OutboundEvent[] = [];
    const ownerOfEntry: number[] = [];
    let firstFailure = records.length;

    for (const [position, outcome] of outcomes.entries()) {
      try {
        outcome.events = await mapStreamRecord(outcome.record, this.#options);
      } catch (error) {
        outcome.error = new RecordFailedError(`could not turn the record into events: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        firstFailure = position;
        break;
      }
      for (const event of outcome.events) {
        entries.push(toOutboundEvent(event, this.#options.source, this.#options.eventBusName));
        ownerOfEntry.push(position);
      }
    }

    const failure = await publishInOrder(entries, this.#options.sink, this.#options.publish);
    if (failure !== undefined) {
      const position = ownerOfEntry[failure.index] ?? firstFailure;
      if (position <= firstFailure) {
        // The mapping failure (if any) lies later: this record is now the first to retry.
        if (firstFailure < outcomes.length) delete (outcomes[firstFailure] as RecordOutcome).error;
        firstFailure = position;
        (outcomes[position] as RecordOutcome).error = new RecordFailedError(
          `event not delivered (${failure.errorCode}${failure.errorMessage === undefined ? '' : `: ${failure.errorMessage}`})`,
        );
      }
    }

    for (const outcome of outcomes.slice(firstFailure + 1)) outcome.error = new SkippedAfterFailureError();
    const failed = outcomes[firstFailure];
    if (failed?.error !== undefined) {
      this.#logger.error('stream record failed; it and the rest of the batch will be retried', {
        ...describe(failed.record),
        error: failed.error.message,
        skippedAfter: outcomes.length - firstFailure - 1,
      });
    }
    return outcomes;
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
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
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
    const outcomes = await this.fanOut(event.Records);
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
