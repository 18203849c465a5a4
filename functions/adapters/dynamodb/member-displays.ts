/**
 * Group members' display names, kept on the membership items so that a group's members render
 * with their names at the cost of the membership Query alone. The stream fan-out writes them
 * (a new membership, a member renamed); a membership read before that falls back to one
 * BatchGetItem of the members without a name.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { memberDisplayOf } from '../../core/member-display.ts';
import type { MemberRef } from '../../service/repository.ts';
import { keys, resourceOfSortKey } from './keys.ts';
import { TableWrites } from './table-writes.ts';

/** Display-name updates in flight at once. */
const UPDATE_CONCURRENCY = 16;

/** A display name to write on one membership. */
export interface MembershipDisplay {
  groupId: string;
  memberId: string;
  display: string;
}

/** `${type}#${id}`: members are keyed by both, since a user and a group never share an id but lookups are by type. */
export const memberKey = (member: MemberRef) => `${member.type}#${member.id}`;

/** Reads and writes members' display names in the single table. */
export class DynamoDbMemberDisplays {
  readonly #db: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #writes: TableWrites;

  constructor(options: { documentClient: DynamoDBDocumentClient; tableName: string }) {
    this.#db = options.documentClient;
    this.#tableName = options.tableName;
    this.#writes = new TableWrites(options.documentClient, options.tableName);
  }

  /** The display names of the members that exist and have one, by {@link memberKey}: one BatchGetItem per 100. */
  async displaysOf(directoryId: string, members: readonly MemberRef[]): Promise<Map<string, string>> {
    const unique = new Map(members.map((member) => [memberKey(member), member]));
    if (unique.size === 0) return new Map();
    const found = await this.#writes.batchGet(
      [...unique.values()].map((member) => (member.type === 'User' ? keys.user(directoryId, member.id) : keys.group(directoryId, member.id))),
      ['sk', 'attributes.displayName', 'attributes.userName'],
    );
    const displays = new Map<string, string>();
    for (const item of found) {
      const resource = resourceOfSortKey(item.sk as string);
      if (resource === undefined) continue;
      const display = memberDisplayOf(resource.type, (item.attributes ?? {}) as Record<string, unknown>);
      if (display !== undefined) displays.set(memberKey(resource), display);
    }
    return displays;
  }

  /** Writes each display name on its membership, if the membership still exists. */
  async setDisplays(directoryId: string, entries: readonly MembershipDisplay[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const entry = entries[next++] as MembershipDisplay;
        try {
          await this.#db.send(
            new UpdateCommand({
              TableName: this.#tableName,
              Key: keys.membership(directoryId, entry.groupId, entry.memberId),
              UpdateExpression: 'SET display = :display',
              // A membership removed meanwhile stays removed.
              ConditionExpression: 'attribute_exists(sk)',
              ExpressionAttributeValues: { ':display': entry.display },
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPDATE_CONCURRENCY, entries.length) }, worker));
  }
}
