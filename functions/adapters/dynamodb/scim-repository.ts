/**
 * The DynamoDB implementation of the directory service's storage port: the one place that knows
 * the SCIM items' keys, condition expressions and SDK errors.
 *
 * Cost per call is part of the contract (see docs/storage.md): a read by id is one GetItem, a
 * claim lookup one GetItem, a create one TransactWriteItems, a membership change O(members changed).
 *
 * Memberships are written by `memberships.ts`, claim items by `claim-items.ts`, counters by
 * `counters.ts`; the items they share are laid out by `scim-items.ts`, and transactions run
 * through `table-writes.ts`, member journals by `member-journals.ts`, deletes under way by `deletions.ts`.
 *
 * Just over 400 lines because each write's condition expressions stay next to the write they guard;
 * every family of items with logic of its own is in one of the modules above.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import {
  MAX_GROUPS_PER_MEMBER,
  MAX_MEMBERSHIPS_WITH_DELETE,
  MAX_MEMBERS_WITH_RESOURCE,
  MissingReferenceError,
  VersionConflictError,
  type Claim,
  type MemberJournal,
  type AttributeAssignment,
  type CounterDelta,
  type Counters,
  type MemberRef,
  type Page,
  type PageMarker,
  type ResourceType,
  type ScimRepository,
  type StoredResource,
} from '../../service/repository.ts';
import { DEFAULT_ACTIVITY_RETENTION_DAYS } from '../../activity/activity.ts';
import { successEntry, type RequestStamp } from '../../activity/entries.ts';
import { activityItem } from './activity-writer.ts';
import { MEMBER_COUNT_KEPT } from './items.ts';
import { DynamoDbDeletions } from './deletions.ts';
import { DynamoDbMemberJournals, JOURNAL_MARKER } from './member-journals.ts';
import { DynamoDbMemberships } from './memberships.ts';
import { claimKey, deleteClaim, explainClaimFailure, putClaim } from './claim-items.ts';
import { counterUpdate, readCounters } from './counters.ts';
import { ConditionNotMet, DELETION_MARKER, resourceKey, stampAttribute, storedAttributes, toStoredResource } from './scim-items.ts';
import { keys, SK } from './keys.ts';
import { ENTITY, TABLE_DEFINITION } from './table-definition.ts';
import { isItemTooLarge, TableWrites, type ItemRole, type Key, type TaggedItem } from './table-writes.ts';

/** A referenced user that is not there. */
function explainReferenceFailure(failed: ItemRole[]): Error {
  return new MissingReferenceError(failed.flatMap((role) => (role.kind === 'reference' ? [role.id] : [])));
}

export interface DynamoDbScimRepositoryOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** Clock for paging-marker expiry; injectable in tests. */
  now?: () => number;
  /** Days a delete's activity entry is kept (the fan-out keeps the others as long); default 30. */
  activityRetentionDays?: number;
  /** Most groups one member may be in; default {@link MAX_GROUPS_PER_MEMBER} (lower only in tests). */
  maxGroupsPerMember?: number;
}

/** SCIM users, groups and memberships in the single table. */
export class DynamoDbScimRepository implements ScimRepository {
  private readonly db: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly activityRetentionDays: number;
  private readonly writes: TableWrites;
  private readonly memberships: DynamoDbMemberships;
  private readonly journals: DynamoDbMemberJournals;
  private readonly deletions: DynamoDbDeletions;

  constructor(options: DynamoDbScimRepositoryOptions) {
    this.db = options.documentClient;
    this.tableName = options.tableName;
    this.writes = new TableWrites(options.documentClient, options.tableName);
    this.memberships = new DynamoDbMemberships({
      documentClient: options.documentClient,
      tableName: options.tableName,
      writes: this.writes,
      maxGroupsPerMember: options.maxGroupsPerMember ?? MAX_GROUPS_PER_MEMBER,
    });
    this.journals = new DynamoDbMemberJournals({ documentClient: options.documentClient, tableName: options.tableName, writes: this.writes });
    this.deletions = new DynamoDbDeletions({ documentClient: options.documentClient, tableName: options.tableName });
    this.now = options.now ?? Date.now;
    this.activityRetentionDays = options.activityRetentionDays ?? DEFAULT_ACTIVITY_RETENTION_DAYS;
  }

  async getResource(directoryId: string, type: ResourceType, id: string): Promise<StoredResource | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: resourceKey(directoryId, type, id), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : toStoredResource(Item);
  }

  async findIdsByClaim(directoryId: string, claim: Claim): Promise<string[]> {
    // Strongly consistent: Entra ID looks a user up right before creating it, and retries a
    // create whose response it lost; a stale answer here would create a duplicate.
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: claimKey(directoryId, claim), ConsistentRead: true }),
    );
    if (Item === undefined) return [];
    // An externalId item lists its holders in `resourceIds`; one written while externalId was
    // still unique names its holder in `resourceId`, which may since have let it go. The caller
    // evaluates the filter on each resource it reads, so such a stale id matches nothing.
    const ids = new Set<string>(Item.resourceIds instanceof Set ? (Item.resourceIds as Set<string>) : []);
    if (typeof Item.resourceId === 'string') ids.add(Item.resourceId);
    return [...ids];
  }

  async createResource(
    directoryId: string,
    type: ResourceType,
    resource: StoredResource,
    claims: Claim[],
    counters: CounterDelta,
    stamp?: RequestStamp,
    members: MemberRef[] = [],
    references: string[] = [],
    journal?: MemberJournal,
  ): Promise<void> {
    if (members.length > MAX_MEMBERS_WITH_RESOURCE) throw new RangeError(`at most ${MAX_MEMBERS_WITH_RESOURCE} members are written with a create`);
    const items: TaggedItem[] = [
      {
        role: { kind: 'resource' },
        item: {
          Put: {
            TableName: this.tableName,
            Item: {
              ...resourceKey(directoryId, type, resource.id),
              // No id, directoryId or canonical schemas: the keys and attributes say them (scim-items.ts).
              [TABLE_DEFINITION.entityAttribute]: type === 'User' ? ENTITY.user : ENTITY.group,
              version: resource.version,
              created: resource.created,
              lastModified: resource.lastModified,
              attributes: storedAttributes(type, resource.attributes),
              ...(resource.memberCount === undefined ? {} : { memberCount: resource.memberCount, [MEMBER_COUNT_KEPT]: true }),
              ...(stamp === undefined ? {} : { lastRequest: stampAttribute(stamp) }),
              ...(journal === undefined ? {} : { [JOURNAL_MARKER]: journal.id }),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      },
      ...claims.map((claim) => putClaim(this.tableName, directoryId, claim, resource.id)),
    ];
    const counter = counterUpdate(directoryId, this.tableName, counters);
    if (counter !== undefined) items.push(counter);
    if (members.length > 0) {
      // A group's first members go in its create's transaction: all of it is stored, or none.
      items.push(...this.memberships.membershipWork(directoryId, resource.id, { add: members, remove: [] }, resource.created).flatMap((entry) => entry.items));
    }
    // A group with more members than fit here is stored with their journal: the members follow.
    if (journal !== undefined) items.push(this.journals.journalPut(directoryId, journal));
    items.push(...this.referenceChecks(directoryId, references));
    await this.writes.transact(items, (failed) => {
      if (failed.some((role) => role.kind === 'reference')) return explainReferenceFailure(failed);
      return failed.some((role) => role.kind === 'member') ? this.memberships.explainMemberFailure(directoryId, failed) : explainClaimFailure(failed);
    });
  }

  async updateResource(
    directoryId: string,
    type: ResourceType,
    before: StoredResource,
    after: StoredResource,
    claims: { add: Claim[]; remove: Claim[] },
    counters: CounterDelta,
    stamp?: RequestStamp,
    members?: { add: MemberRef[]; remove: MemberRef[] },
    references: string[] = [],
    journal?: MemberJournal,
  ): Promise<void> {
    const memberWork = members === undefined ? [] : this.memberships.membershipWork(directoryId, before.id, members, after.lastModified);
    if (memberWork.length > MAX_MEMBERS_WITH_RESOURCE) throw new RangeError(`at most ${MAX_MEMBERS_WITH_RESOURCE} member changes are written with a resource`);
    const delta = memberWork.reduce((sum, entry) => sum + entry.delta, 0);
    // UpdateItem rather than Put: `memberOf` is changed by membership transactions without a
    // version bump, and a Put would overwrite it.
    const items: TaggedItem[] = [
      {
        role: { kind: 'resource' },
        item: {
          Update: {
            TableName: this.tableName,
            Key: resourceKey(directoryId, type, before.id),
            UpdateExpression: `SET #attributes = :attributes, #version = :version, lastModified = :lastModified${stamp === undefined ? '' : ', lastRequest = :stamp'}${journal === undefined ? '' : ', #journal = :journal'}${delta === 0 ? '' : ' ADD memberCount :delta'}`,
            // No group write lands while a journal is open: its reader completes the journal first.
            ConditionExpression: type === 'Group' ? '#version = :expected AND attribute_not_exists(#journal)' : '#version = :expected',
            ExpressionAttributeNames: { '#attributes': 'attributes', '#version': 'version', ...(type === 'Group' ? { '#journal': JOURNAL_MARKER } : {}) },
            ExpressionAttributeValues: {
              ...(journal === undefined ? {} : { ':journal': journal.id }),
              ':attributes': storedAttributes(type, after.attributes),
              ':version': after.version,
              ':lastModified': after.lastModified,
              ':expected': before.version,
              ...(stamp === undefined ? {} : { ':stamp': stampAttribute(stamp) }),
              ...(delta === 0 ? {} : { ':delta': delta }),
            },
          },
        },
      },
      ...claims.add.map((claim) => putClaim(this.tableName, directoryId, claim, before.id)),
      ...claims.remove.map((claim) => deleteClaim(this.tableName, directoryId, claim, before.id)),
      ...memberWork.flatMap((entry) => entry.items),
    ];
    if (journal !== undefined) items.push(this.journals.journalPut(directoryId, journal));
    const counter = counterUpdate(directoryId, this.tableName, counters);
    if (counter !== undefined) items.push(counter);
    items.push(...this.referenceChecks(directoryId, references));
    await this.writes.transact(items, (failed) => {
      if (failed.some((role) => role.kind === 'reference')) return explainReferenceFailure(failed);
      // A membership that appeared or went since the plan was read is a concurrent change too.
      if (failed.some((role) => role.kind === 'resource' || role.kind === 'membership' || role.kind === 'journal')) return new VersionConflictError();
      if (failed.some((role) => role.kind === 'member')) return this.memberships.explainMemberFailure(directoryId, failed);
      return explainClaimFailure(failed);
    });
  }

  async assignAttributes(
    directoryId: string,
    type: ResourceType,
    id: string,
    change: { assignments: AttributeAssignment[]; expectedVersion?: number; activeTo?: boolean; now: string; stamp?: RequestStamp },
  ): Promise<StoredResource | undefined> {
    const names: Record<string, string> = { '#attributes': 'attributes', '#version': 'version' };
    const values: Record<string, NativeAttributeValue> = { ':one': 1, ':now': change.now };
    const nameOf = (segment: string) => {
      const existing = Object.entries(names).find(([, name]) => name === segment)?.[0];
      if (existing !== undefined) return existing;
      const placeholder = `#n${Object.keys(names).length}`;
      names[placeholder] = segment;
      return placeholder;
    };
    const pathOf = (segments: readonly string[]) => ['#attributes', ...segments.map(nameOf)].join('.');
    const sets = change.assignments.map((assignment, i) => {
      values[`:v${i}`] = assignment.value;
      return `${pathOf(assignment.path)} = :v${i}`;
    });
    // A write that would change nothing is not made (no new version, no change event).
    const differs = change.assignments.map((assignment, i) => `attribute_not_exists(${pathOf(assignment.path)}) OR ${pathOf(assignment.path)} <> :v${i}`);
    sets.push('lastModified = :now');
    if (change.stamp !== undefined) {
      values[':stamp'] = stampAttribute(change.stamp);
      sets.push('lastRequest = :stamp');
    }
    names['#deletion'] = DELETION_MARKER;
    const conditions = ['attribute_exists(pk)', 'attribute_not_exists(#deletion)', `(${differs.join(' OR ')})`];
    if (change.expectedVersion !== undefined) {
      values[':expected'] = change.expectedVersion;
      conditions.push('#version = :expected');
    }
    // Each assignment's parent must be there already: DynamoDB cannot set a path inside a missing map.
    const parents = new Set(change.assignments.filter((assignment) => assignment.path.length > 1).map((assignment) => pathOf(assignment.path.slice(0, -1))));
    for (const parent of parents) conditions.push(`attribute_exists(${parent})`);
    if (change.activeTo !== undefined) {
      // Only a change of `active` moves the counter: the write applies only when it flips.
      const active = pathOf(['active']);
      values[':false'] = false;
      conditions.push(change.activeTo ? `${active} = :false` : `(attribute_not_exists(${active}) OR ${active} <> :false)`);
    }
    const update = {
      TableName: this.tableName,
      Key: resourceKey(directoryId, type, id),
      UpdateExpression: `SET ${sets.join(', ')} ADD #version :one`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
    try {
      if (change.activeTo === undefined) {
        const { Attributes } = await this.db.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW' }));
        return Attributes === undefined ? undefined : toStoredResource(Attributes);
      }
      const counter = counterUpdate(directoryId, this.tableName, { activeUsers: change.activeTo ? 1 : -1 }) as TaggedItem;
      await this.writes.transact([{ role: { kind: 'resource' }, item: { Update: update } }, counter], () => new ConditionNotMet());
      // A transaction returns no item: the response is read back (strongly consistent).
      return await this.getResource(directoryId, type, id);
    } catch (error) {
      if (error instanceof ConditionNotMet || error instanceof ConditionalCheckFailedException || isItemTooLarge(error)) return undefined;
      throw error;
    }
  }

  async deleteResource(
    directoryId: string,
    type: ResourceType,
    resource: StoredResource,
    claims: Claim[],
    counters: CounterDelta,
    stamp?: RequestStamp,
    deletionId?: string,
    memberships: { groups: string[]; members: MemberRef[] } = { groups: [], members: [] },
  ): Promise<void> {
    const { groups, members } = memberships;
    if (groups.length + members.length > MAX_MEMBERSHIPS_WITH_DELETE) throw new RangeError(`at most ${MAX_MEMBERSHIPS_WITH_DELETE} memberships end with a delete`);
    // Its groups are exactly those it leaves: each membership ended is there (its Delete's
    // condition), and `memberOf` holds no more of them. A group's members are exactly those ended:
    // each is there, and the count says there are no more (a member added since moved the version).
    const conditions = [
      deletionId === undefined ? '#version = :expected' : '#deletion.id = :expected',
      groups.length === 0 ? 'attribute_not_exists(memberOf)' : 'size(memberOf) = :groups',
    ];
    // A group: no journal may be adding members (opening one does not move the version).
    if (type === 'Group') conditions.push('attribute_not_exists(#journal)');
    if (type === 'Group' && members.length > 0) conditions.push('memberCount = :members');
    const items: TaggedItem[] = [
      {
        role: { kind: 'resource' },
        item: {
          Delete: {
            TableName: this.tableName,
            Key: resourceKey(directoryId, type, resource.id),
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: {
              ...(deletionId === undefined ? { '#version': 'version' } : { '#deletion': DELETION_MARKER }),
              ...(type === 'Group' ? { '#journal': JOURNAL_MARKER } : {}),
            },
            ExpressionAttributeValues: {
              ':expected': deletionId ?? resource.version,
              ...(groups.length === 0 ? {} : { ':groups': groups.length }),
              ...(type === 'Group' && members.length > 0 ? { ':members': members.length } : {}),
            },
          },
        },
      },
      ...claims.map((claim) => deleteClaim(this.tableName, directoryId, claim, resource.id)),
      ...this.memberships.endedWithDelete(directoryId, resource.id, memberships, stamp?.at ?? new Date(this.now()).toISOString()),
    ];
    const counter = counterUpdate(directoryId, this.tableName, counters);
    if (counter !== undefined) items.push(counter);
    if (stamp !== undefined) {
      // A deleted item leaves no stamp for the stream to read: its activity entry is written in
      // the delete's own transaction (which it already is: resource, claims and counters).
      const entry = successEntry(directoryId, type, resource, stamp);
      items.push({ role: { kind: 'activity' }, item: { Put: { TableName: this.tableName, Item: activityItem(entry, this.activityRetentionDays) } } });
    }
    await this.writes.transact(items, () => new VersionConflictError());
  }

  openDeletion(...args: Parameters<ScimRepository['openDeletion']>): ReturnType<ScimRepository['openDeletion']> {
    return this.deletions.openDeletion(...args);
  }

  async listResources(directoryId: string, type: ResourceType, options: { limit: number; startAfter?: string }): Promise<Page<StoredResource>> {
    const prefix = type === 'User' ? SK.userPrefix : SK.groupPrefix;
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.partition(directoryId), ':prefix': prefix },
        Limit: options.limit,
        ...(options.startAfter === undefined
          ? {}
          : { ExclusiveStartKey: { pk: keys.partition(directoryId), sk: prefix + options.startAfter } }),
      }),
    );
    const items = Items.map(toStoredResource).filter((resource) => resource.deletion === undefined);
    const last = LastEvaluatedKey?.sk as string | undefined;
    return last === undefined ? { items } : { items, lastKey: last.slice(prefix.length) };
  }

  async getResources(directoryId: string, type: ResourceType, ids: string[]): Promise<StoredResource[]> {
    const found = await this.writes.batchGet([...new Set(ids)].map((id) => resourceKey(directoryId, type, id)));
    const byId = new Map(
      found
        .map((item) => toStoredResource(item))
        .filter((resource) => resource.deletion === undefined)
        .map((resource) => [resource.id, resource]),
    );
    return ids.flatMap((id) => {
      const resource = byId.get(id);
      return resource === undefined ? [] : [resource];
    });
  }

  async getCounters(directoryId: string): Promise<Counters> {
    return readCounters(this.db, this.tableName, directoryId, { consistent: true });
  }

  inspectMembers(...args: Parameters<ScimRepository['inspectMembers']>): ReturnType<ScimRepository['inspectMembers']> {
    return this.memberships.inspectMembers(...args);
  }

  listMembers(...args: Parameters<ScimRepository['listMembers']>): ReturnType<ScimRepository['listMembers']> {
    return this.memberships.listMembers(...args);
  }

  changeMemberships(...args: Parameters<ScimRepository['changeMemberships']>): ReturnType<ScimRepository['changeMemberships']> {
    return this.memberships.changeMemberships(...args);
  }

  changeMembershipsAtOnce(...args: Parameters<ScimRepository['changeMembershipsAtOnce']>): ReturnType<ScimRepository['changeMembershipsAtOnce']> {
    return this.memberships.changeMembershipsAtOnce(...args);
  }

  openMemberJournal(...args: Parameters<ScimRepository['openMemberJournal']>): ReturnType<ScimRepository['openMemberJournal']> {
    return this.journals.openMemberJournal(...args);
  }

  getMemberJournal(...args: Parameters<ScimRepository['getMemberJournal']>): ReturnType<ScimRepository['getMemberJournal']> {
    return this.journals.getMemberJournal(...args);
  }

  closeMemberJournal(...args: Parameters<ScimRepository['closeMemberJournal']>): ReturnType<ScimRepository['closeMemberJournal']> {
    return this.journals.closeMemberJournal(...args);
  }

  listOpenJournals(...args: Parameters<ScimRepository['listOpenJournals']>): ReturnType<ScimRepository['listOpenJournals']> {
    return this.journals.listOpenJournals(...args);
  }

  async getPageMarker(directoryId: string, marker: string): Promise<PageMarker | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.pageMarker(directoryId, marker) }));
    if (Item === undefined) return undefined;
    // TTL deletion lags by up to days; expiry is checked here too.
    if ((Item[TABLE_DEFINITION.timeToLiveAttribute] as number) * 1000 < this.now()) return undefined;
    return { lastKey: Item.lastKey as string, total: Item.total as number };
  }

  async putPageMarker(directoryId: string, marker: string, position: PageMarker, ttlSeconds: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.pageMarker(directoryId, marker),
          lastKey: position.lastKey,
          total: position.total,
          [TABLE_DEFINITION.timeToLiveAttribute]: Math.floor(this.now() / 1000) + ttlSeconds,
        },
      }),
    );
  }

  /** A condition that each referenced user exists in the directory (no write). */
  private referenceChecks(directoryId: string, userIds: string[]): TaggedItem[] {
    return [...new Set(userIds)].map((id) => ({
      role: { kind: 'reference', id },
      item: {
        ConditionCheck: {
          TableName: this.tableName,
          Key: keys.user(directoryId, id),
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#deletion)',
          ExpressionAttributeNames: { '#deletion': DELETION_MARKER },
        },
      },
    }));
  }
}
