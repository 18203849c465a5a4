/**
 * Fills directories with thousands of users and memberships quickly.
 *
 * DynamoDB Local needs tens of milliseconds per TransactWriteItems on a small shared machine, so
 * creating 8,000 users one transaction at a time would take minutes. Instead the first user (and
 * the first membership) of a directory is created through the directory service, the items it
 * wrote are read back, and the rest are written as copies of them with BatchWriteItem: each copy
 * has its own keys (from keys.ts, which also give its id) and attributes (parsed by the same code a
 * POST uses, stored as the repository stores them), and otherwise exactly the shape the repository gives its items. Seeding is set-up; nothing of it
 * is measured.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { keys } from '../functions/adapters/dynamodb/keys.ts';
import { storedAttributes } from '../functions/adapters/dynamodb/scim-items.ts';
import { parseResourceInput } from '../functions/core/resource.ts';
import type { DirectoryService, ScimContext } from '../functions/service/directory-service.ts';
import { entraGroup, entraUser, seedTag } from './fixtures.ts';
import type { Deadline } from './stats.ts';
import { sleep } from '../functions/shared/sleep.ts';

type Item = Record<string, NativeAttributeValue>;

/** DynamoDB's BatchWriteItem limit. */
const BATCH_WRITE_ITEMS = 25;
/** Batches in flight at once. */
const WRITE_CONCURRENCY = 4;
/** Users whose items are built and written at a time, so a 100,000-user seed never holds them all. */
const USERS_PER_CHUNK = 5_000;
/** Attempts for a batch whose items come back unprocessed. */
const MAX_BATCH_ATTEMPTS = 8;

export interface SeedTarget {
  service: DirectoryService;
  documents: DynamoDBDocumentClient;
  tableName: string;
  deadline: Deadline;
}

/** What was seeded into a directory. */
export interface SeededDirectory {
  /** Every user id, in seeding order (the first one was created through the service). */
  userIds: string[];
  /** The group holding the first `groupMembers` users, when some were asked for. */
  groupId?: string;
}

async function getItem(target: SeedTarget, key: { pk: string; sk: string }, what: string): Promise<Item> {
  const { Item } = await target.documents.send(new GetCommand({ TableName: target.tableName, Key: key, ConsistentRead: true }));
  if (Item === undefined) throw new Error(`seeding: the ${what} the service wrote was not found`);
  return Item;
}

/** Writes items in batches of 25, a few batches at a time, re-sending unprocessed items. */
async function writeAll(target: SeedTarget, items: Item[]): Promise<void> {
  const batches: Item[][] = [];
  for (let start = 0; start < items.length; start += BATCH_WRITE_ITEMS) batches.push(items.slice(start, start + BATCH_WRITE_ITEMS));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      target.deadline.check(`seeding (${items.length} items)`);
      let pending = (batches[next++] as Item[]).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > MAX_BATCH_ATTEMPTS) throw new Error('seeding: BatchWriteItem kept leaving items unprocessed');
        const { UnprocessedItems } = await target.documents.send(new BatchWriteCommand({ RequestItems: { [target.tableName]: pending } }));
        pending = (UnprocessedItems?.[target.tableName] ?? []) as typeof pending;
        if (pending.length > 0) await sleep(20 * attempt);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, batches.length) }, worker));
}

/**
 * Seeds `count` users tagged `<kind>000000`.., and when `groupMembers` > 0 one group whose
 * members are the first `groupMembers` users. Counters (totalResults) end at the true totals.
 */
export async function seedDirectory(target: SeedTarget, ctx: ScimContext, kind: string, count: number, groupMembers = 0): Promise<SeededDirectory> {
  const directoryId = ctx.directoryId;
  const first = await target.service.create(ctx, 'User', entraUser(seedTag(kind, 0)));
  const firstId = first.body.id as string;
  const firstBody = entraUser(seedTag(kind, 0));
  let membership: { groupId: string; template: Item } | undefined;
  if (groupMembers > 0) {
    const group = await target.service.create(ctx, 'Group', { ...entraGroup(`${kind}-all`), members: [{ value: firstId, type: 'User' }] });
    const groupId = group.body.id as string;
    membership = { groupId, template: await getItem(target, keys.membership(directoryId, groupId, firstId), 'membership item') };
  }
  // Read after the group exists, so the template carries memberOf as the repository keeps it.
  const memberTemplate = await getItem(target, keys.user(directoryId, firstId), 'user item');
  const { memberOf: _memberOf, ...userTemplate } = memberTemplate;
  const userNameTemplate = await getItem(target, keys.userNameClaim(directoryId, firstBody.userName as string), 'userName claim');
  const externalIdTemplate = await getItem(target, keys.externalIdClaim(directoryId, firstBody.externalId as string), 'externalId claim');

  const userIds = [firstId];
  let items: Item[] = [];
  for (let n = 1; n < count; n++) {
    if (n % USERS_PER_CHUNK === 0) {
      await writeAll(target, items);
      items = [];
    }
    const body = entraUser(seedTag(kind, n));
    const id = randomUUID();
    userIds.push(id);
    const { attributes } = parseResourceInput('User', body);
    const joins = membership !== undefined && n < groupMembers ? membership : undefined;
    items.push({ ...(joins === undefined ? userTemplate : memberTemplate), ...keys.user(directoryId, id), attributes: storedAttributes('User', attributes) });
    items.push({ ...userNameTemplate, ...keys.userNameClaim(directoryId, body.userName as string), resourceId: id });
    items.push({ ...externalIdTemplate, ...keys.externalIdClaim(directoryId, body.externalId as string), resourceId: id });
    if (joins !== undefined) {
      items.push({ ...joins.template, ...keys.membership(directoryId, joins.groupId, id), memberId: id });
    }
  }
  await writeAll(target, items);
  if (count > 1) {
    // The counts the service keeps in its own transactions, for the copies written above: added to the
    // one counters item of earlier versions, which the service still sums with its shards (counters.ts).
    await target.documents.send(
      new UpdateCommand({
        TableName: target.tableName,
        Key: keys.counters(directoryId),
        UpdateExpression: 'ADD #users :n, #active :n',
        ExpressionAttributeNames: { '#users': 'users', '#active': 'activeUsers' },
        ExpressionAttributeValues: { ':n': count - 1 },
      }),
    );
  }
  return membership === undefined ? { userIds } : { userIds, groupId: membership.groupId };
}
