/**
 * Reads provisioning activity (`ActivityReader`): the ACTIVITY# entries of one directory, newest
 * first, and its REQUESTSTATUS item. The entries are written with the requests they describe
 * (each holds every `ActivityEntry` field as a top-level attribute, plus its keys and TTL).
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ActivityQueryError, type ActivityEntry, type ActivityOutcome, type ActivityPage, type ActivityReader, type RequestStatus } from '../../activity/activity.ts';
import { DirectoryRepository } from './directory-repository.ts';
import { keys, SK } from './keys.ts';

/**
 * Queries one page of an outcome-filtered listing may take. A filter applies after DynamoDB's
 * Limit, so a page of failures among many successes needs several reads to fill; past this bound
 * the page ends short, with a cursor to go on.
 */
export const MAX_QUERIES_PER_PAGE = 8;
/** Entries read per query when a filter drops some (each query reads at most 1 MB anyway). */
const FILTERED_QUERY_LIMIT = 200;

interface CursorState {
  /** Sort key of the last entry of the page. */
  sk: string;
  outcome?: ActivityOutcome;
  since?: string;
}

function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify([state.sk, state.outcome ?? '', state.since ?? ''])).toString('base64url');
}

function decodeCursor(cursor: string, expected: { outcome?: ActivityOutcome; since?: string }): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ActivityQueryError('The cursor is not one this service issued');
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || !decoded.every((part) => typeof part === 'string')) {
    throw new ActivityQueryError('The cursor is not one this service issued');
  }
  const [sk, outcome, since] = decoded as [string, string, string];
  if (!sk.startsWith(SK.activityPrefix) || sk.length > 400) throw new ActivityQueryError('The cursor is not one this service issued');
  if (outcome !== (expected.outcome ?? '') || since !== (expected.since ?? '')) throw new ActivityQueryError('The cursor belongs to a different listing');
  return sk;
}

const OPTIONAL_TEXT = ['resourceId', 'resourceName', 'scimType', 'detail'] as const;

function toEntry(item: Record<string, unknown>): ActivityEntry {
  const entry: ActivityEntry = {
    directoryId: String(item.directoryId),
    at: String(item.at),
    requestId: String(item.requestId),
    method: String(item.method),
    status: Number(item.status),
    outcome: item.outcome === 'failure' ? 'failure' : 'success',
    client: (['entra', 'okta', 'onelogin', 'jumpcloud'] as const).find((client) => client === item.client) ?? 'other',
  };
  if (item.resourceType === 'User' || item.resourceType === 'Group') entry.resourceType = item.resourceType;
  for (const field of OPTIONAL_TEXT) {
    const value = item[field];
    if (typeof value === 'string') entry[field] = value;
  }
  return entry;
}

/**
 * Activity from DynamoDB.
 *
 * @example
 * const activity = new DynamoDbActivityReader(documentClient, tableName);
 * const { items, nextCursor } = await activity.list(directoryId, { limit: 50, outcome: 'failure' });
 */
export class DynamoDbActivityReader implements ActivityReader {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #directories: DirectoryRepository;

  constructor(documentClient: DynamoDBDocumentClient, tableName: string) {
    this.#db = documentClient;
    this.#table = tableName;
    this.#directories = new DirectoryRepository(documentClient, tableName);
  }

  /**
   * A page of entries, newest first. `since` (ISO time) keeps entries answered at or after it;
   * `outcome` keeps successes or failures only, and still fills the page (up to
   * MAX_QUERIES_PER_PAGE reads). Throws ActivityQueryError for a foreign cursor or a `since` that is no time.
   */
  async list(directoryId: string, options: { limit: number; cursor?: string; outcome?: ActivityOutcome; since?: string }): Promise<ActivityPage> {
    const limit = Math.max(1, Math.min(1000, Math.floor(options.limit)));
    const since = options.since === undefined ? undefined : normaliseSince(options.since);
    const listing = { ...(options.outcome === undefined ? {} : { outcome: options.outcome }), ...(since === undefined ? {} : { since }) };
    const range = keys.activityRange(since);
    let startSk = options.cursor === undefined ? undefined : decodeCursor(options.cursor, listing);
    const items: Array<{ sk: string; entry: ActivityEntry }> = [];
    for (let query = 0; query < MAX_QUERIES_PER_PAGE; query++) {
      const output = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ...(options.outcome === undefined
            ? {}
            : { FilterExpression: '#outcome = :outcome', ExpressionAttributeNames: { '#outcome': 'outcome' } }),
          ExpressionAttributeValues: {
            ':pk': keys.partition(directoryId),
            ':from': range.from,
            ':to': range.to,
            ...(options.outcome === undefined ? {} : { ':outcome': options.outcome }),
          },
          ScanIndexForward: false,
          Limit: options.outcome === undefined ? limit - items.length : Math.max(limit - items.length, FILTERED_QUERY_LIMIT),
          ...(startSk === undefined ? {} : { ExclusiveStartKey: { pk: keys.partition(directoryId), sk: startSk } }),
        }),
      );
      for (const item of output.Items ?? []) items.push({ sk: String(item.sk), entry: toEntry(item) });
      const lastKey = output.LastEvaluatedKey?.sk;
      if (items.length >= limit) {
        const page = items.slice(0, limit);
        // More may follow if this query stopped early or returned more than the page holds.
        const more = items.length > limit || typeof lastKey === 'string';
        const last = page[page.length - 1];
        return { items: page.map((item) => item.entry), ...(more && last !== undefined ? { nextCursor: encodeCursor({ sk: last.sk, ...listing }) } : {}) };
      }
      if (typeof lastKey !== 'string') return { items: items.map((item) => item.entry) };
      startSk = lastKey;
    }
    // The read bound was reached before the page filled: a short page, and where to go on.
    return { items: items.map((item) => item.entry), ...(startSk === undefined ? {} : { nextCursor: encodeCursor({ sk: startSk, ...listing }) }) };
  }

  /** The directory's last request and last failure; without a recorded request, the newest token use. */
  async requestStatus(directoryId: string): Promise<RequestStatus> {
    const { Item } = await this.#db.send(new GetCommand({ TableName: this.#table, Key: keys.requestStatus(directoryId) }));
    const status: RequestStatus = {};
    if (typeof Item?.lastRequestAt === 'string') status.lastRequestAt = Item.lastRequestAt;
    if (typeof Item?.lastFailureAt === 'string') status.lastFailureAt = Item.lastFailureAt;
    if (status.lastRequestAt === undefined) {
      // Directories that served requests before request status was recorded still show when.
      const uses = [...(await this.#directories.listTokenUses(directoryId)).values()].sort();
      const newest = uses[uses.length - 1];
      if (newest !== undefined) status.lastRequestAt = newest;
    }
    return status;
  }
}

/** `since` as an ISO time in the form entries are keyed by (`toISOString`). */
function normaliseSince(since: string): string {
  const ms = Date.parse(since);
  if (!Number.isFinite(ms)) throw new ActivityQueryError('since must be an ISO 8601 time');
  return new Date(ms).toISOString();
}
