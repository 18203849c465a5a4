/**
 * Member journals in the single table: a group member change too large for one transaction,
 * written down whole (in the group's directory partition) before any of it is applied, and named
 * by the group item (`journal`) while it is open, so that every reader of the group sees it at no
 * extra cost. Part of the SCIM repository, which delegates its journal methods here.
 *
 * The change is kept as gzipped JSON: 5,000 member ids take about 200 KB as text and well under
 * half of that compressed, far below DynamoDB's 400 KB item limit. The item carries no `entity`,
 * so the stream's filter keeps it (and the group's `journal` marker, which changes no attribute)
 * away from the change events.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RequestStamp } from '../../activity/entries.ts';
import { JournalClosedError, MissingReferenceError, VersionConflictError, type MemberJournal, type MemberRef, type OpenJournal } from '../../service/repository.ts';
import { directoryIdOfPartition, JOURNALS_INDEX_PK, keys, resourceOfSortKey, SK } from './keys.ts';
import { stampAttribute } from './scim-items.ts';
import { TABLE_DEFINITION } from './table-definition.ts';
import type { TableWrites, TaggedItem } from './table-writes.ts';

/** The group item's attribute naming its open journal. */
export const JOURNAL_MARKER = 'journal';

type PackedMember = [string, 'U' | 'G'];

/** The journal's changes as stored; checked by hand, since zod would weigh on every SCIM handler's bundle. */
interface Payload {
  add: PackedMember[];
  remove: PackedMember[];
  stamp?: RequestStamp;
}

const isPackedMember = (value: unknown): value is PackedMember =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && (value[1] === 'U' || value[1] === 'G');

function parsePayload(value: unknown): Payload {
  const payload = value as Partial<Payload> | null;
  const valid =
    typeof payload === 'object' &&
    payload !== null &&
    Array.isArray(payload.add) &&
    payload.add.every(isPackedMember) &&
    Array.isArray(payload.remove) &&
    payload.remove.every(isPackedMember) &&
    (payload.stamp === undefined || (typeof payload.stamp === 'object' && typeof payload.stamp.requestId === 'string' && typeof payload.stamp.at === 'string'));
  if (!valid) throw new Error('member journal item does not have the expected shape');
  return payload as Payload;
}

const packMember = (member: MemberRef): PackedMember => [member.id, member.type === 'User' ? 'U' : 'G'];
const unpackMember = ([id, type]: PackedMember): MemberRef => ({ id, type: type === 'U' ? 'User' : 'Group' });

/** The change of a journal, compressed for its item. */
function pack(journal: MemberJournal): Uint8Array {
  const payload: Payload = { add: journal.add.map(packMember), remove: journal.remove.map(packMember), ...(journal.stamp === undefined ? {} : { stamp: journal.stamp }) };
  return gzipSync(JSON.stringify(payload));
}

/** A journal item read back; a malformed one is a defect, not a client error. */
function toJournal(item: Record<string, unknown>): MemberJournal {
  const payload = parsePayload(JSON.parse(gunzipSync(item.changes as Uint8Array).toString('utf8')));
  return {
    id: item.journalId as string,
    groupId: item.groupId as string,
    opened: item.opened as string,
    add: payload.add.map(unpackMember),
    remove: payload.remove.map(unpackMember),
    ...(payload.stamp === undefined ? {} : { stamp: payload.stamp }),
  };
}

/** Member journals of the SCIM repository. */
export class DynamoDbMemberJournals {
  private readonly db: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly writes: TableWrites;

  constructor(options: { documentClient: DynamoDBDocumentClient; tableName: string; writes: TableWrites }) {
    this.db = options.documentClient;
    this.tableName = options.tableName;
    this.writes = options.writes;
  }

  /** The Put of a new journal, for the transaction that opens it (one journal per group at a time). */
  journalPut(directoryId: string, journal: MemberJournal): TaggedItem {
    return {
      role: { kind: 'journal' },
      item: {
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.memberJournal(directoryId, journal.groupId),
            ...keys.journalIndex(directoryId, journal.groupId, journal.opened),
            directoryId,
            groupId: journal.groupId,
            journalId: journal.id,
            opened: journal.opened,
            changes: pack(journal),
          },
          ConditionExpression: 'attribute_not_exists(sk)',
        },
      },
    };
  }

  async openMemberJournal(directoryId: string, journal: MemberJournal, options: { expectedVersion: number }): Promise<void> {
    const group: TaggedItem = {
      role: { kind: 'group' },
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.group(directoryId, journal.groupId),
          UpdateExpression: 'SET #journal = :journal',
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected AND attribute_not_exists(#journal)',
          ExpressionAttributeNames: { '#journal': JOURNAL_MARKER, '#version': 'version' },
          ExpressionAttributeValues: { ':journal': journal.id, ':expected': options.expectedVersion },
        },
      },
    };
    await this.writes.transact([group, this.journalPut(directoryId, journal)], async (failed) => {
      if (failed.some((role) => role.kind === 'journal')) return new VersionConflictError();
      // Tell a deleted group from a changed one: only on this failure path.
      const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.group(directoryId, journal.groupId), ProjectionExpression: 'pk', ConsistentRead: true }));
      return Item === undefined ? new MissingReferenceError([journal.groupId]) : new VersionConflictError();
    });
  }

  async getMemberJournal(directoryId: string, groupId: string): Promise<MemberJournal | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.memberJournal(directoryId, groupId), ConsistentRead: true }));
    return Item === undefined ? undefined : toJournal(Item);
  }

  async closeMemberJournal(directoryId: string, journal: MemberJournal, now: string): Promise<boolean> {
    const { stamp } = journal;
    const items: TaggedItem[] = [
      {
        role: { kind: 'journal' },
        item: {
          Delete: {
            TableName: this.tableName,
            Key: keys.memberJournal(directoryId, journal.groupId),
            ConditionExpression: 'journalId = :journal',
            ExpressionAttributeValues: { ':journal': journal.id },
          },
        },
      },
      {
        role: { kind: 'group' },
        item: {
          Update: {
            TableName: this.tableName,
            Key: keys.group(directoryId, journal.groupId),
            // The version moves once for the whole change, so the group's ETag changes with it.
            UpdateExpression: `REMOVE #journal ADD #version :one SET lastModified = :now${stamp === undefined ? '' : ', lastRequest = :stamp'}`,
            ConditionExpression: '#journal = :journal',
            ExpressionAttributeNames: { '#journal': JOURNAL_MARKER, '#version': 'version' },
            ExpressionAttributeValues: { ':journal': journal.id, ':one': 1, ':now': now, ...(stamp === undefined ? {} : { ':stamp': stampAttribute(stamp) }) },
          },
        },
      },
    ];
    try {
      await this.writes.transact(items, () => new JournalClosedError());
      return true;
    } catch (error) {
      if (error instanceof JournalClosedError) return false;
      throw error;
    }
  }

  /** Member journals and deletes under way (users and groups in the same index partition), by their keys. */
  async listOpenJournals(openedBefore: string, limit: number): Promise<OpenJournal[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TABLE_DEFINITION.directoryIndex.name,
        KeyConditionExpression: '#pk = :pk AND #sk < :before',
        ExpressionAttributeNames: { '#pk': TABLE_DEFINITION.directoryIndex.partitionKey, '#sk': TABLE_DEFINITION.directoryIndex.sortKey },
        ExpressionAttributeValues: { ':pk': JOURNALS_INDEX_PK, ':before': openedBefore },
        ProjectionExpression: 'pk, sk',
        Limit: limit,
      }),
    );
    return Items.flatMap((item): OpenJournal[] => {
      const directoryId = directoryIdOfPartition(item.pk as string);
      const sk = item.sk as string;
      if (directoryId === undefined) return [];
      if (sk.startsWith(SK.journalPrefix)) return [{ kind: 'members', directoryId, groupId: sk.slice(SK.journalPrefix.length) }];
      const resource = resourceOfSortKey(sk);
      return resource === undefined ? [] : [{ kind: 'deletion', directoryId, type: resource.type, id: resource.id }];
    });
  }
}
