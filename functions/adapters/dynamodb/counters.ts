/**
 * A directory's counters (users, active users, groups: `totalResults` and the portal's counts),
 * kept exact by the transactions that create, delete and (de)activate resources.
 *
 * One counters item would be written by every such transaction of the directory, so parallel
 * provisioning would conflict on it (DynamoDB cancels a transaction that meets another one on the
 * same item). The counters are therefore spread over {@link COUNTER_SHARDS} items: each write
 * moves one shard chosen at random, and a read sums them with one Query of a few hundred bytes
 * (the same one read unit as a GetItem of one item). The unsharded item of earlier versions is
 * summed with them.
 */
import { randomInt } from 'node:crypto';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CounterDelta, Counters } from '../../service/repository.ts';
import { keys, SK } from './keys.ts';
import type { TaggedItem } from './table-writes.ts';

/** Counter items per directory. */
export const COUNTER_SHARDS = 16;

/** The counters' part of a transaction (one shard, at random), or undefined when nothing moves. */
export function counterUpdate(directoryId: string, tableName: string, delta: CounterDelta, shard = randomInt(COUNTER_SHARDS)): TaggedItem | undefined {
  const entries = Object.entries(delta).filter(([, value]) => value !== undefined && value !== 0) as [string, number][];
  if (entries.length === 0) return undefined;
  return {
    role: { kind: 'counters' },
    item: {
      Update: {
        TableName: tableName,
        Key: keys.counterShard(directoryId, shard),
        UpdateExpression: `ADD ${entries.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#c${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:c${i}`, value])),
      },
    },
  };
}

/** The sum of counter items; anything that is not a finite number counts as zero. */
export function sumCounters(items: ReadonlyArray<Record<string, unknown>>): Counters {
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const total: Counters = { users: 0, activeUsers: 0, groups: 0 };
  for (const item of items) {
    total.users += number(item.users);
    total.activeUsers += number(item.activeUsers);
    total.groups += number(item.groups);
  }
  return total;
}

/** A directory's counters: one Query of its counter items. */
export async function readCounters(db: DynamoDBDocumentClient, tableName: string, directoryId: string, options: { consistent: boolean }): Promise<Counters> {
  const { Items = [] } = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :counters)',
      ExpressionAttributeValues: { ':pk': keys.partition(directoryId), ':counters': SK.counters },
      ProjectionExpression: '#users, #activeUsers, #groups',
      ExpressionAttributeNames: { '#users': 'users', '#activeUsers': 'activeUsers', '#groups': 'groups' },
      ConsistentRead: options.consistent,
    }),
  );
  return sumCounters(Items);
}
