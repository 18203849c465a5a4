/**
 * The small reads the portal's pages need beyond the directory service's use cases: the names of
 * a page of members (or of a user's groups) and the member counts of a page of groups, in one
 * BatchGetItem, and a bounded count of a group's memberships for groups stored before their
 * `memberCount` was kept.
 */
import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PortalLookups, ResourceSummary } from '../../portal/portal-directories.ts';
import type { MemberRef } from '../../service/repository.ts';
import { sleep } from '../../shared/sleep.ts';
import { keptMemberCount, MEMBER_COUNT_KEPT } from './items.ts';
import { keys, resourceOfSortKey } from './keys.ts';

/** BatchGetItem takes at most 100 keys. */
export const MAX_SUMMARIES = 100;
const MAX_BATCH_ATTEMPTS = 8;

/**
 * DynamoDB implementation of `PortalLookups`.
 *
 * @example
 * const lookups = new DynamoDbPortalLookups(documentClient, tableName);
 * const names = await lookups.summaries(directoryId, page.items);
 */
export class DynamoDbPortalLookups implements PortalLookups {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(documentClient: DynamoDBDocumentClient, tableName: string) {
    this.#db = documentClient;
    this.#table = tableName;
  }

  /**
   * Name (userName or displayName) and, for groups, the kept member count of up to 100 resources,
   * by id: one BatchGetItem reading only those attributes (plus retries of unprocessed keys).
   * Resources that no longer exist are absent from the answer.
   */
  async summaries(directoryId: string, refs: readonly MemberRef[]): Promise<Map<string, ResourceSummary>> {
    if (refs.length > MAX_SUMMARIES) throw new RangeError(`at most ${MAX_SUMMARIES} resources per lookup`);
    const found = new Map<string, ResourceSummary>();
    const unique = [...new Map(refs.map((ref) => [`${ref.type}:${ref.id}`, ref])).values()];
    let requested: Record<string, unknown>[] = unique.map((ref) => (ref.type === 'User' ? keys.user(directoryId, ref.id) : keys.group(directoryId, ref.id)));
    for (let attempt = 0; requested.length > 0; attempt++) {
      if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error('BatchGetItem left keys unprocessed after retries');
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      const output = await this.#db.send(
        new BatchGetCommand({
          RequestItems: {
            [this.#table]: {
              Keys: requested,
              ProjectionExpression: 'sk, #attributes.userName, #attributes.displayName, memberCount, #kept',
              ExpressionAttributeNames: { '#attributes': 'attributes', '#kept': MEMBER_COUNT_KEPT },
            },
          },
        }),
      );
      for (const item of output.Responses?.[this.#table] ?? []) {
        const resource = resourceOfSortKey(String(item.sk));
        if (resource === undefined) continue;
        const attributes = (item.attributes ?? {}) as Record<string, unknown>;
        const name = resource.type === 'User' ? attributes.userName : attributes.displayName;
        const memberCount = keptMemberCount(item);
        found.set(resource.id, {
          ...(typeof name === 'string' ? { display: name } : {}),
          ...(memberCount === undefined ? {} : { memberCount }),
        });
      }
      requested = output.UnprocessedKeys?.[this.#table]?.Keys ?? [];
    }
    return found;
  }

  /**
   * Counts a group's membership items with `Select: 'COUNT'`. It reads every membership item of
   * the group (about 1 MB, some 8,000 memberships, per query, billed as reads of that size), so it
   * is only for groups without a kept `memberCount`, and stops at `max`: the answer is then `max`.
   */
  async countMembers(directoryId: string, groupId: string, max: number): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    // Bounded by `max` and by a page count (each page reads up to 1 MB).
    for (let page = 0; page < 1000 && count < max; page++) {
      const output = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.partition(directoryId), ':prefix': keys.groupMembersPrefix(groupId) },
          Select: 'COUNT',
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      count += output.Count ?? 0;
      startKey = output.LastEvaluatedKey;
      if (startKey === undefined) break;
    }
    return Math.min(count, max);
  }
}
