/**
 * The table's write and batch-read mechanics, shared by the SCIM repository's item families:
 * transactions whose items carry a role (so that a cancelled transaction is explained by the
 * items whose condition failed, not by their positions), single writes that need no
 * transaction, and BatchGetItem with its unprocessed keys retried.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import type { Claim } from '../../service/repository.ts';
import { sleep } from '../../shared/sleep.ts';

export type Key = { pk: string; sk: string };
export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** What an item of a transaction stands for. */
export type ItemRole =
  | { kind: 'resource' }
  | { kind: 'claim'; claim: Claim }
  | { kind: 'counters' }
  | { kind: 'activity' }
  | { kind: 'membership'; memberId: string }
  | { kind: 'member'; memberId: string }
  | { kind: 'group' }
  | { kind: 'journal' }
  | { kind: 'reference'; id: string };

/** A transaction item with its role. */
export interface TaggedItem {
  role: ItemRole;
  item: TransactItem;
}

/** Turns the roles of the items whose condition failed into a domain error. */
export type Explain = (failed: ItemRole[]) => Error | Promise<Error>;

/** DynamoDB allows 100 items per TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;
/** DynamoDB allows 100 keys per BatchGetItem. */
const MAX_BATCH_GET_KEYS = 100;
/**
 * Time a transaction cancelled only by TransactionConflict (another transaction on the same item)
 * keeps being retried, from its first attempt. A group's item is in every member change of that
 * group, so clients adding members to one group at once meet there and go through one at a time:
 * a budget in time, not in attempts, lets each wait its turn however many others are ahead. Ten
 * seconds stay inside the SCIM functions' timeouts (15 s, 25 s for Groups).
 */
const CONFLICT_BUDGET_MS = 10_000;
/**
 * Longest pause between two attempts on a conflict. Contenders for one item behave like senders
 * on a shared channel: when many retry within a short pause, most attempts collide again and the
 * item serves fewer writers, not more; pauses that are long from the start keep a lone retry
 * waiting. Pauses doubling up to 800 ms spread 40 to 200 contenders out while a single conflict
 * still retries within tens of milliseconds (measured in test/service/hot-items.test.ts and
 * docs/reliability.md).
 */
const MAX_CONFLICT_PAUSE_MS = 800;
/** Attempts for BatchGetItem's UnprocessedKeys. */
const MAX_UNPROCESSED_ATTEMPTS = 6;

/** Full-jitter exponential backoff, capped at 400 ms a pause. */
const backoff = (attempt: number) => sleep(Math.random() * Math.min(400, 15 * 2 ** attempt));

/** Sets `error.cause`, keeping the SDK error that explains a domain error. */
export function withCause(error: Error, cause: unknown): Error {
  (error as { cause?: unknown }).cause = cause;
  return error;
}

/** The reasons DynamoDB gave for cancelling a transaction, one per item. */
function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/**
 * True when DynamoDB refused a write because the item would pass its 400 KB limit: a plain
 * write's ValidationException, or a transaction cancelled with ValidationError.
 */
export function isItemTooLarge(error: unknown): boolean {
  if (error instanceof TransactionCanceledException) return (cancellationCodes(error) ?? []).includes('ValidationError');
  return error instanceof Error && error.name === 'ValidationException' && /item size/i.test(error.message);
}

/** Writes and batch reads of one table. */
export class TableWrites {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Runs one TransactWriteItems. A cancellation caused only by TransactionConflict is retried
   * with backoff for up to CONFLICT_BUDGET_MS; one with a failed condition is turned into a domain error by `explain`, given
   * the roles of the items whose condition failed.
   */
  async transact(tagged: TaggedItem[], explain: Explain): Promise<void> {
    const [only] = tagged;
    if (tagged.length === 1 && only !== undefined) {
      // A single write needs no transaction, which would cost twice the write capacity.
      try {
        await this.sendSingleWrite(only.item);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        throw withCause(await explain([only.role]), error);
      }
      return;
    }
    const items = tagged.map(({ item }) => item);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return;
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes === undefined) throw error;
        // DynamoDB answers one reason per item, in the order they were sent.
        const failed = tagged.filter((_, i) => codes[i] === 'ConditionalCheckFailed').map(({ role }) => role);
        if (failed.length > 0) throw withCause(await explain(failed), error);
        const left = CONFLICT_BUDGET_MS - (Date.now() - started);
        if (!codes.includes('TransactionConflict') || left <= 0) throw error;
        // Full jitter, and never past the budget: the last attempt comes as the budget ends.
        await sleep(Math.min(left, Math.random() * Math.min(MAX_CONFLICT_PAUSE_MS, 15 * 2 ** attempt)));
      }
    }
  }

  /** The plain write equivalent to a one-item transaction. */
  private async sendSingleWrite(item: TransactItem): Promise<void> {
    if (item.Put !== undefined) await this.db.send(new PutCommand(item.Put));
    else if (item.Update !== undefined) await this.db.send(new UpdateCommand(item.Update));
    else if (item.Delete !== undefined) await this.db.send(new DeleteCommand(item.Delete));
    else throw new Error('a condition check alone is not a write');
  }

  /** Strongly consistent BatchGetItem of any number of keys (in requests of 100), optionally projected (dotted names are paths into maps). */
  async batchGet(wanted: Key[], projection?: string[]): Promise<Record<string, NativeAttributeValue>[]> {
    const found: Record<string, NativeAttributeValue>[] = [];
    for (let start = 0; start < wanted.length; start += MAX_BATCH_GET_KEYS) {
      let pending: Key[] = wanted.slice(start, start + MAX_BATCH_GET_KEYS);
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > MAX_UNPROCESSED_ATTEMPTS) throw new Error('BatchGetItem left keys unprocessed after retries');
        const { Responses, UnprocessedKeys } = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pending,
                ConsistentRead: true,
                ...(projection === undefined
                  ? {}
                  : {
                      ProjectionExpression: projection.map((path, i) => path.split('.').map((_, j) => `#p${i}_${j}`).join('.')).join(', '),
                      ExpressionAttributeNames: Object.fromEntries(projection.flatMap((path, i) => path.split('.').map((name, j) => [`#p${i}_${j}`, name]))),
                    }),
              },
            },
          }),
        );
        found.push(...(Responses?.[this.tableName] ?? []));
        pending = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
        if (pending.length > 0) await backoff(attempt);
      }
    }
    return found;
  }
}
