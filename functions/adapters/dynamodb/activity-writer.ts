/**
 * Provisioning activity in the table: ACTIVITY#<time>#<requestId> items (expiring through the
 * table's TTL) and the directory's REQUESTSTATUS item (last request, last failure).
 *
 * Item shape, which the activity reader relies on: every `ActivityEntry` field as a top-level
 * attribute, the keys, and the TTL attribute (epoch seconds: the entry's time plus the retention).
 * Activity items carry no `entity`, so the stream's filter keeps them away from the fan-out.
 */
import { BatchWriteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ActivityLog } from '../../activity/activity-log.ts';
import { DEFAULT_ACTIVITY_RETENTION_DAYS, type ActivityEntry } from '../../activity/activity.ts';
import { sleep } from '../../shared/sleep.ts';
import { keys } from './keys.ts';
import { TABLE_DEFINITION } from './table-definition.ts';

/** DynamoDB takes at most 25 writes per BatchWriteItem. */
const BATCH_WRITE_SIZE = 25;
/** Attempts for BatchWriteItem's UnprocessedItems before giving up (the caller retries the batch). */
const MAX_UNPROCESSED_ATTEMPTS = 6;
const SECONDS_PER_DAY = 86_400;

/** The item of an entry, expiring `retentionDays` after the entry's time. */
export function activityItem(entry: ActivityEntry, retentionDays: number): Record<string, unknown> {
  const seconds = Math.floor(Date.parse(entry.at) / 1000);
  if (!Number.isFinite(seconds)) throw new RangeError('an activity entry needs an ISO 8601 time');
  return {
    ...entry,
    ...keys.activity(entry.directoryId, entry.at, entry.requestId),
    [TABLE_DEFINITION.timeToLiveAttribute]: seconds + retentionDays * SECONDS_PER_DAY,
  };
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

export interface DynamoDbActivityLogOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** Days an entry is kept; default 30. */
  retentionDays?: number;
}

/** The DynamoDB implementation of `ActivityLog`. */
export class DynamoDbActivityLog implements ActivityLog {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #retentionDays: number;

  constructor(options: DynamoDbActivityLogOptions) {
    this.#db = options.documentClient;
    this.#table = options.tableName;
    this.#retentionDays = options.retentionDays ?? DEFAULT_ACTIVITY_RETENTION_DAYS;
  }

  async write(entries: readonly ActivityEntry[]): Promise<void> {
    // One BatchWriteItem refuses two writes of one key; the same entry twice is one item anyway.
    const byKey = new Map(entries.map((entry) => [`${entry.directoryId}\n${entry.at}\n${entry.requestId}`, entry]));
    const items = [...byKey.values()].map((entry) => activityItem(entry, this.#retentionDays));
    for (let start = 0; start < items.length; start += BATCH_WRITE_SIZE) {
      let pending = items.slice(start, start + BATCH_WRITE_SIZE).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > MAX_UNPROCESSED_ATTEMPTS) throw new Error('BatchWriteItem left activity items unprocessed after retries');
        if (attempt > 1) await sleep(Math.random() * Math.min(1000, 25 * 2 ** attempt));
        const { UnprocessedItems } = await this.#db.send(new BatchWriteCommand({ RequestItems: { [this.#table]: pending } }));
        pending = (UnprocessedItems?.[this.#table] ?? []) as typeof pending;
      }
    }
  }

  async recordFailure(entry: ActivityEntry): Promise<void> {
    // Two independent writes rather than one transaction: a failure recorded late (its time
    // older than the last one) must still leave its entry, where a transaction would cancel both.
    await Promise.all([
      this.#db.send(new PutCommand({ TableName: this.#table, Item: activityItem(entry, this.#retentionDays) })),
      this.#moveForward(entry.directoryId, 'lastFailureAt', entry.at),
    ]);
  }

  async recordRequest(directoryId: string, at: Date): Promise<void> {
    await this.#moveForward(directoryId, 'lastRequestAt', at.toISOString());
  }

  /** Sets a time on the REQUESTSTATUS item unless it already holds a later one. */
  async #moveForward(directoryId: string, attribute: 'lastRequestAt' | 'lastFailureAt', at: string): Promise<void> {
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: keys.requestStatus(directoryId),
          UpdateExpression: 'SET #time = :at, directoryId = :dir',
          ConditionExpression: 'attribute_not_exists(#time) OR #time < :at',
          ExpressionAttributeNames: { '#time': attribute },
          ExpressionAttributeValues: { ':at': at, ':dir': directoryId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
