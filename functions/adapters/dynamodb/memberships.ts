/**
 * Group memberships in the single table: one item per member (never inside the group item), the
 * member's `memberOf` changed in the same transaction, and the group's version and count moved
 * with them. Part of the SCIM repository, which delegates its membership methods here.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RequestStamp } from '../../activity/entries.ts';
import { JournalClosedError, MissingReferenceError, TooManyGroupsError, VersionConflictError, type MemberRef, type Page, type ResourceType } from '../../service/repository.ts';
import { keys, resourceOfSortKey, SK } from './keys.ts';
import { DynamoDbMemberDisplays, memberKey } from './member-displays.ts';
import { JOURNAL_MARKER } from './member-journals.ts';
import { ConditionNotMet, DELETION_MARKER, resourceKey, stampAttribute } from './scim-items.ts';
import { ENTITY, TABLE_DEFINITION } from './table-definition.ts';
import { MAX_TRANSACTION_ITEMS, type ItemRole, type Key, type TaggedItem, type TableWrites } from './table-writes.ts';

/** Membership-purge transactions run at once when a group is deleted. */
const PURGE_CONCURRENCY = 8;

/** Runs `task` over `items` with at most `limit` in flight; rejects with the first failure. */
async function mapConcurrently<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}

/** Memberships of the SCIM repository. */
export class DynamoDbMemberships {
  private readonly db: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly writes: TableWrites;
  private readonly maxGroupsPerMember: number;
  private readonly displays: DynamoDbMemberDisplays;

  constructor(options: { documentClient: DynamoDBDocumentClient; tableName: string; writes: TableWrites; maxGroupsPerMember: number }) {
    this.db = options.documentClient;
    this.tableName = options.tableName;
    this.writes = options.writes;
    this.maxGroupsPerMember = options.maxGroupsPerMember;
    this.displays = new DynamoDbMemberDisplays(options);
  }

  async inspectMembers(
    directoryId: string,
    groupId: string,
    request: { candidates: string[]; typeHints: Map<string, ResourceType>; memberIds: string[] },
  ): Promise<{ resolved: Map<string, ResourceType>; full: { ids: Set<string>; limit: number }; memberships: Map<string, ResourceType> }> {
    const wanted: Key[] = [];
    for (const id of new Set(request.candidates)) {
      const hint = request.typeHints.get(id);
      if (hint !== 'Group') wanted.push(keys.user(directoryId, id));
      if (hint !== 'User') wanted.push(keys.group(directoryId, id));
    }
    for (const memberId of new Set(request.memberIds)) wanted.push(keys.membership(directoryId, groupId, memberId));
    // A read costs the same capacity whatever it projects: `memberOf` tells, before anything is
    // written, which candidates are in as many groups as a member may be.
    const found = await this.writes.batchGet(wanted, ['sk', 'memberId', 'memberType', 'memberOf', `${DELETION_MARKER}.id`]);
    const resolved = new Map<string, ResourceType>();
    const full = new Set<string>();
    const memberships = new Map<string, ResourceType>();
    for (const item of found) {
      const sk = item.sk as string;
      const resource = resourceOfSortKey(sk);
      if (resource !== undefined) {
        // One being deleted is gone to clients: it cannot become a member.
        if (item[DELETION_MARKER] !== undefined) continue;
        resolved.set(resource.id, resource.type);
        if (item.memberOf instanceof Set && item.memberOf.size >= this.maxGroupsPerMember) full.add(resource.id);
      } else if (sk.startsWith(SK.memberPrefix)) memberships.set(item.memberId as string, item.memberType as ResourceType);
    }
    return { resolved, full: { ids: full, limit: this.maxGroupsPerMember }, memberships };
  }

  async listMembers(directoryId: string, groupId: string, options: { limit: number; startAfter?: string; withDisplay?: boolean }): Promise<Page<MemberRef>> {
    const prefix = keys.groupMembersPrefix(groupId);
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.partition(directoryId), ':prefix': prefix },
        ProjectionExpression: options.withDisplay === true ? 'memberId, memberType, #display' : 'memberId, memberType',
        ...(options.withDisplay === true ? { ExpressionAttributeNames: { '#display': 'display' } } : {}),
        ConsistentRead: true,
        Limit: options.limit,
        ...(options.startAfter === undefined
          ? {}
          : { ExclusiveStartKey: keys.membership(directoryId, groupId, options.startAfter) }),
      }),
    );
    const items: MemberRef[] = Items.map((item) => ({
      id: item.memberId as string,
      type: item.memberType as ResourceType,
      ...(typeof item.display === 'string' ? { display: item.display } : {}),
    }));
    if (options.withDisplay === true) {
      // Memberships the stream fan-out has not named yet: one batched read for all of them.
      const unnamed = items.filter((member) => member.display === undefined);
      const displays = await this.displays.displaysOf(directoryId, unnamed);
      for (const member of unnamed) {
        const display = displays.get(memberKey(member));
        if (display !== undefined) member.display = display;
      }
    }
    const last = LastEvaluatedKey?.sk as string | undefined;
    return last === undefined ? { items } : { items, lastKey: last.slice(prefix.length) };
  }

  async changeMemberships(
    directoryId: string,
    groupId: string,
    changes: { add: MemberRef[]; remove: MemberRef[] },
    options: { now: string; bumpGroupVersion: boolean; expectedVersion?: number; stamp?: RequestStamp; journalId?: string; evenIfJournalOpen?: boolean },
  ): Promise<void> {
    const work = this.membershipWork(directoryId, groupId, changes, options.now);
    const perChunk = Math.floor((MAX_TRANSACTION_ITEMS - 1) / 2);
    const chunks: Array<{ delta: number; items: TaggedItem[] }> = [];
    for (let start = 0; start < work.length; start += perChunk) {
      const slice = work.slice(start, start + perChunk);
      chunks.push({ delta: slice.reduce((sum, entry) => sum + entry.delta, 0), items: slice.flatMap((entry) => entry.items) });
    }
    const explainMembers = (failed: ItemRole[]) => this.explainMemberFailure(directoryId, failed);
    if (!options.bumpGroupVersion) {
      // Purging a group about to be deleted, or filling one just created (whose count was written
      // with it): no version to keep, so chunks may run side by side.
      await mapConcurrently(chunks, PURGE_CONCURRENCY, (chunk) => this.writes.transact(chunk.items, explainMembers));
      return;
    }
    const { stamp, now, journalId, evenIfJournalOpen = false } = options;
    for (const [index, { delta, items }] of chunks.entries()) {
      if (journalId !== undefined) {
        // A journal's chunk: applies only while the journal is open, and moves the count alone
        // (the transaction that closes the journal moves the version, once).
        items.push(this.journalChunkItem(directoryId, groupId, delta, journalId));
        await this.writes.transact(items, (failed) => (failed.some((role) => role.kind === 'group') ? new JournalClosedError() : explainMembers(failed)));
        continue;
      }
      // With an expected version, each chunk expects the version the one before it left.
      const expectedVersion = options.expectedVersion === undefined ? undefined : options.expectedVersion + index;
      items.push(this.groupVersionItem(directoryId, groupId, delta, { now, evenIfJournalOpen, ...(stamp === undefined ? {} : { stamp }), ...(expectedVersion === undefined ? {} : { expectedVersion }) }));
      await this.writes.transact(items, (failed) => {
        if (failed.some((role) => role.kind === 'group')) return expectedVersion === undefined ? this.explainGroupFailure(directoryId, groupId) : new VersionConflictError();
        return explainMembers(failed);
      });
    }
  }

  async changeMembershipsAtOnce(
    directoryId: string,
    groupId: string,
    changes: { add: MemberRef[]; remove: MemberRef[] },
    options: { now: string; expectedVersion?: number; stamp?: RequestStamp },
  ): Promise<boolean> {
    const work = this.membershipWork(directoryId, groupId, changes, options.now);
    const items = work.flatMap((entry) => entry.items);
    if (items.length + 1 > MAX_TRANSACTION_ITEMS) return false;
    items.push(this.groupVersionItem(directoryId, groupId, work.reduce((sum, entry) => sum + entry.delta, 0), options));
    try {
      await this.writes.transact(items, () => new ConditionNotMet());
      return true;
    } catch (error) {
      if (error instanceof ConditionNotMet) return false;
      throw error;
    }
  }

  /**
   * The memberships a user or group ends in the transaction that deletes it: for each group it
   * leaves, the membership and the group's count and version; for each member of a group, the
   * membership and the member's `memberOf`. Each membership must be there.
   */
  endedWithDelete(directoryId: string, id: string, memberships: { groups: string[]; members: MemberRef[] }, now: string): TaggedItem[] {
    return [
      ...memberships.groups.flatMap((groupId): TaggedItem[] => [
        {
          role: { kind: 'membership', memberId: id },
          item: { Delete: { TableName: this.tableName, Key: keys.membership(directoryId, groupId, id), ConditionExpression: 'attribute_exists(sk)' } },
        },
        {
          role: { kind: 'group' },
          item: {
            Update: {
              TableName: this.tableName,
              Key: keys.group(directoryId, groupId),
              // The group keeps its stamp: the request is recorded once, with the delete.
              UpdateExpression: 'ADD #version :one, memberCount :minusOne SET lastModified = :now',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':one': 1, ':minusOne': -1, ':now': now },
            },
          },
        },
      ]),
      // A group's members: as any removal, each membership and the member's `memberOf`.
      ...this.membershipWork(directoryId, id, { add: [], remove: memberships.members }, now).flatMap((entry) => entry.items),
    ];
  }

  /** Per member: its membership item and its `memberOf`, changed together; and the count's move. */
  membershipWork(
    directoryId: string,
    groupId: string,
    changes: { add: MemberRef[]; remove: MemberRef[] },
    now: string,
  ): Array<{ delta: number; items: TaggedItem[] }> {
    const groupSet = new Set([groupId]);
    return [
      ...changes.add.map((member) => ({
        delta: 1,
        items: [
          {
            role: { kind: 'membership', memberId: member.id },
            item: {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.membership(directoryId, groupId, member.id),
                  [TABLE_DEFINITION.entityAttribute]: ENTITY.membership,
                  directoryId,
                  groupId,
                  memberId: member.id,
                  memberType: member.type,
                  created: now,
                },
                ConditionExpression: 'attribute_not_exists(sk)',
              },
            },
          },
          {
            role: { kind: 'member', memberId: member.id },
            item: {
              Update: {
                TableName: this.tableName,
                Key: resourceKey(directoryId, member.type, member.id),
                UpdateExpression: 'ADD memberOf :group',
                // A member's item holds its groups; past MAX_GROUPS_PER_MEMBER it would near
                // DynamoDB's 400 KB item limit.
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#deletion) AND (attribute_not_exists(memberOf) OR size(memberOf) < :most)',
                ExpressionAttributeNames: { '#deletion': DELETION_MARKER },
                ExpressionAttributeValues: { ':group': groupSet, ':most': this.maxGroupsPerMember },
              },
            },
          },
        ] satisfies TaggedItem[],
      })),
      ...changes.remove.map((member) => ({
        delta: -1,
        items: [
          {
            role: { kind: 'membership', memberId: member.id },
            item: {
              Delete: {
                TableName: this.tableName,
                Key: keys.membership(directoryId, groupId, member.id),
                ConditionExpression: 'attribute_exists(sk)',
              },
            },
          },
          {
            role: { kind: 'member', memberId: member.id },
            item: {
              Update: {
                TableName: this.tableName,
                Key: resourceKey(directoryId, member.type, member.id),
                UpdateExpression: 'DELETE memberOf :group',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: { ':group': groupSet },
              },
            },
          },
        ] satisfies TaggedItem[],
      })),
    ];
  }

  /**
   * A group gone (or being deleted) is a missing reference; one that is there had a journal open
   * (a conflict: read it again).
   */
  private async explainGroupFailure(directoryId: string, groupId: string): Promise<Error> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keys.group(directoryId, groupId),
        ProjectionExpression: 'pk, #deletion',
        ExpressionAttributeNames: { '#deletion': DELETION_MARKER },
        ConsistentRead: true,
      }),
    );
    return Item === undefined || Item[DELETION_MARKER] !== undefined ? new MissingReferenceError([groupId]) : new VersionConflictError();
  }

  /** The group's side of a journal's chunk: the journal is still open; the count moves. */
  private journalChunkItem(directoryId: string, groupId: string, delta: number, journalId: string): TaggedItem {
    return {
      role: { kind: 'group' },
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.group(directoryId, groupId),
          UpdateExpression: 'ADD memberCount :delta',
          ConditionExpression: '#journal = :journal',
          ExpressionAttributeNames: { '#journal': JOURNAL_MARKER },
          ExpressionAttributeValues: { ':delta': delta, ':journal': journalId },
        },
      },
    };
  }

  /**
   * The group's side of a membership transaction: its version moves with its member list (so its
   * ETag changes too), its member count by exactly the memberships the transaction changes. With
   * `expectedVersion` the transaction applies only to that version (If-Match). It applies only
   * while no journal is open on the group (a later change must not land between a journal's
   * chunks) and the group is not being deleted, unless `evenIfJournalOpen` (a member leaving it).
   */
  private groupVersionItem(directoryId: string, groupId: string, delta: number, options: { now: string; expectedVersion?: number; stamp?: RequestStamp; evenIfJournalOpen?: boolean }): TaggedItem {
    const { now, stamp, expectedVersion, evenIfJournalOpen = false } = options;
    const exists = expectedVersion === undefined ? 'attribute_exists(pk)' : '#version = :expected';
    return {
      role: { kind: 'group' },
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.group(directoryId, groupId),
          UpdateExpression: `ADD #version :one, memberCount :delta SET lastModified = :now${stamp === undefined ? '' : ', lastRequest = :stamp'}`,
          ConditionExpression: evenIfJournalOpen ? exists : `${exists} AND attribute_not_exists(#journal) AND attribute_not_exists(#deletion)`,
          ExpressionAttributeNames: { '#version': 'version', ...(evenIfJournalOpen ? {} : { '#journal': JOURNAL_MARKER, '#deletion': DELETION_MARKER }) },
          ExpressionAttributeValues: {
            ':one': 1,
            ':delta': delta,
            ':now': now,
            ...(stamp === undefined ? {} : { ':stamp': stampAttribute(stamp) }),
            ...(expectedVersion === undefined ? {} : { ':expected': expectedVersion }),
          },
        },
      },
    };
  }

  /**
   * A member whose item is gone is a missing reference; one whose item is there refused the
   * membership because it is in as many groups as one member may be; a membership that changed
   * under us is a conflict. Telling the first two apart takes a read, made only on this path.
   */
  async explainMemberFailure(directoryId: string, failed: ItemRole[]): Promise<Error> {
    const members = failed.flatMap((role) => (role.kind === 'member' ? [role.memberId] : []));
    if (members.length === 0) return new VersionConflictError();
    const found = await this.writes.batchGet(
      members.flatMap((id) => [keys.user(directoryId, id), keys.group(directoryId, id)]),
      ['sk', `${DELETION_MARKER}.id`],
    );
    // One being deleted is as good as gone.
    const present = new Set(found.flatMap((item) => (item[DELETION_MARKER] === undefined ? (resourceOfSortKey(item.sk as string)?.id ?? []) : [])));
    const full = members.filter((id) => present.has(id));
    if (full.length > 0) return new TooManyGroupsError(full, this.maxGroupsPerMember);
    return new MissingReferenceError(members);
  }
}
