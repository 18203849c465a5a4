/**
 * Connected tests of the directory service on DynamoDB Local: behaviour, stored state, and the
 * cost of each SCIM operation in DynamoDB round trips.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { DirectoryService, type ListResult, type ScimContext } from '../../functions/service/directory-service.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';
import { commandsOf, isCounterRead, RequestCounter } from '../support/request-counter.ts';
import { USER_SCHEMA, GROUP_SCHEMA, PATCH_OP } from '../support/urns.ts';
import { scimRejectionOf } from '../support/scim-errors.ts';


/**
 * Tests that first create hundreds of users: their round-trip counts do not depend on time, but
 * creating the users takes well over the default 30 s on a busy two-core machine, and a test cut
 * off by its timeout keeps sending requests into the next test's count.
 */
const SEEDING_TIMEOUT_MS = 180_000;

/** A list answer with the attributes a test reads typed. */
type Listed<T> = Omit<ListResult, 'Resources'> & { Resources: T[] };

let table: TestTable;
let counter: RequestCounter;
let service: DirectoryService;

beforeAll(async () => {
  table = await createTestTable('service');
  counter = new RequestCounter(table.client);
  service = new DirectoryService(new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName }));
});

function newDirectory(): ScimContext {
  const directoryId = `dir-${randomUUID().slice(0, 8)}`;
  return { directoryId, baseUrl: `https://scim.example.test/scim/v2/${directoryId}` };
}

async function createUser(ctx: ScimContext, userName = `user-${randomUUID()}`, extra: Record<string, unknown> = {}) {
  const { body } = await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName, active: true, ...extra });
  return body as { id: string; userName: string };
}

/** Creates `n` users, a few at a time (the SDK's socket pool is 50). */
async function createUsers(ctx: ScimContext, n: number) {
  const users: Array<{ id: string; userName: string }> = [];
  for (let start = 0; start < n; start += 20) {
    users.push(...(await Promise.all(Array.from({ length: Math.min(20, n - start) }, () => createUser(ctx)))));
  }
  return users;
}

async function createGroup(ctx: ScimContext, displayName = `group-${randomUUID()}`) {
  const { body } = await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName });
  return body as { id: string };
}

async function addMembers(ctx: ScimContext, groupId: string, memberIds: string[]) {
  await service.patch(ctx, 'Group', groupId, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'add', path: 'members', value: memberIds.map((value) => ({ value })) }],
  });
}

/** Every item of a directory's partition, to prove a rejected request changed nothing. */
async function partition(ctx: ScimContext): Promise<unknown[]> {
  const { Items = [] } = await table.documentClient.send(
    new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.partition(ctx.directoryId) } }),
  );
  return Items;
}

describe('cost per SCIM operation (DynamoDB round trips)', () => {
  it('GET by id is one read', async () => {
    const ctx = newDirectory();
    const user = await createUser(ctx);
    const { requests } = await counter.during(() => service.get(ctx, 'User', user.id));
    expect(commandsOf(requests)).toEqual(['GetItem']);
  });

  it('userName, externalId, id and displayName equality filters take at most 2 strongly consistent reads, never a Query or Scan', async () => {
    const ctx = newDirectory();
    const externalId = randomUUID();
    const user = await createUser(ctx, `Alice-${randomUUID()}`, { externalId });
    const group = await createGroup(ctx, 'Engineering');
    for (const [type, filter, expectedId] of [
      ['User', `userName eq "${user.userName.toUpperCase()}"`, user.id],
      ['User', `externalId eq "${externalId}"`, user.id],
      ['User', `id eq "${user.id}"`, user.id],
      ['Group', 'displayName eq "engineering"', group.id],
    ] as const) {
      // Entra ID reads groups with excludedAttributes=members; members would cost a Query more.
      const { result, requests } = await counter.during(() => service.list(ctx, type, { filter, ...(type === 'Group' ? { excludedAttributes: ['members'] } : {}) }));
      expect(result.totalResults, filter).toBe(1);
      expect(result.Resources.map((resource) => resource.id), filter).toEqual([expectedId]);
      expect(requests.length, filter).toBeLessThanOrEqual(2);
      expect(commandsOf(requests).every((command) => command === 'GetItem'), filter).toBe(true);
      expect(requests.every((request) => request.input.ConsistentRead === true), filter).toBe(true);
    }
  });

  it('externalId eq on groups is a key lookup that finds every group holding it, and follows changes', async () => {
    const ctx = newDirectory();
    const objectId = randomUUID();
    const make = async (name: string) =>
      (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: `${name}-${randomUUID()}`, externalId: objectId })).body.id as string;
    const [first, second] = [await make('a'), await make('b')];
    await createGroup(ctx);
    const find = () => counter.during(() => service.list(ctx, 'Group', { filter: `externalId eq "${objectId}"`, excludedAttributes: ['members'] }));
    const { result, requests } = await find();
    expect(result.Resources.map((resource) => resource.id).sort()).toEqual([first, second].sort());
    // The index item, then the groups it names: no Query, no Scan.
    expect(commandsOf(requests).every((command) => command === 'GetItem' || command === 'BatchGetItem')).toBe(true);
    await service.patch(ctx, 'Group', second, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'externalId', value: 'other' }] });
    await service.delete(ctx, 'Group', first);
    expect((await find()).result.totalResults).toBe(0);
  });

  it('POST is one transaction', async () => {
    const ctx = newDirectory();
    const { requests } = await counter.during(() => createUser(ctx));
    expect(commandsOf(requests)).toEqual(['TransactWriteItems']);
    const groupCreate = await counter.during(() => createGroup(ctx));
    expect(commandsOf(groupCreate.requests)).toEqual(['TransactWriteItems']);
  });

  it('a user PATCH of plain attributes is one conditional write; a no-op PATCH writes nothing', async () => {
    const ctx = newDirectory();
    const user = await createUser(ctx);
    const title = (value: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'title', value }] });
    const { requests, result } = await counter.during(() => service.patch(ctx, 'User', user.id, title('Engineer'), undefined, {}));
    expect(commandsOf(requests)).toEqual(['UpdateItem']);
    expect(requests[0]?.input.ConditionExpression).toContain('attribute_exists(pk)');
    expect(result?.etag).toBe('W/"2"');
    // The same value again: the write's condition fails, the read finds nothing to change.
    const again = await counter.during(() => service.patch(ctx, 'User', user.id, title('Engineer'), undefined, {}));
    expect(commandsOf(again.requests)).toEqual(['UpdateItem', 'GetItem']);
    expect(again.result?.etag).toBe('W/"2"');
    const deactivate = await counter.during(() =>
      service.patch(ctx, 'User', user.id, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }, undefined, {}),
    );
    // The active-user count moves in the same transaction; a transaction returns no item, so the answer is read.
    expect(commandsOf(deactivate.requests)).toEqual(['TransactWriteItems', 'GetItem']);
    expect(deactivate.result?.body.active).toBe(false);
    // A value filter needs the resource: read, apply, write.
    const email = await counter.during(() =>
      service.patch(ctx, 'User', user.id, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'a@example.com' }] }, undefined, {}),
    );
    expect(commandsOf(email.requests)).toEqual(['GetItem', 'UpdateItem']);
    expect(email.requests[1]?.input.ConditionExpression).toBe('#version = :expected');
  });

  it('a group PATCH adding or removing k members costs the same for a group of 300 as for an empty one', async () => {
    const ctx = newDirectory();
    const users = await createUsers(ctx, 310);
    const big = await createGroup(ctx);
    const small = await createGroup(ctx);
    await addMembers(ctx, big.id, users.slice(10).map((user) => user.id));
    const newcomers = users.slice(0, 5).map((user) => user.id);
    const bigAdd = await counter.during(() => addMembers(ctx, big.id, newcomers));
    const smallAdd = await counter.during(() => addMembers(ctx, small.id, newcomers));
    expect(commandsOf(bigAdd.requests)).toEqual(commandsOf(smallAdd.requests));
    expect(commandsOf(bigAdd.requests)).toEqual(['TransactWriteItems']);
    const remove = (groupId: string) =>
      service.patch(ctx, 'Group', groupId, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${newcomers[0]}"]` }] });
    const bigRemove = await counter.during(() => remove(big.id));
    const smallRemove = await counter.during(() => remove(small.id));
    expect(commandsOf(bigRemove.requests)).toEqual(commandsOf(smallRemove.requests));
  }, SEEDING_TIMEOUT_MS);

  it('GET group with excludedAttributes=members is one read whatever the group size', async () => {
    const ctx = newDirectory();
    const users = await createUsers(ctx, 120);
    const big = await createGroup(ctx);
    const empty = await createGroup(ctx);
    await addMembers(ctx, big.id, users.map((user) => user.id));
    const bigRead = await counter.during(() => service.get(ctx, 'Group', big.id, { excludedAttributes: ['members'] }));
    const emptyRead = await counter.during(() => service.get(ctx, 'Group', empty.id, { excludedAttributes: ['members'] }));
    expect(commandsOf(bigRead.requests)).toEqual(['GetItem']);
    expect(commandsOf(emptyRead.requests)).toEqual(['GetItem']);
    const full = await service.get(ctx, 'Group', big.id);
    expect((full.body.members as unknown[]).length).toBe(120);
  }, SEEDING_TIMEOUT_MS);

  it('a sequential startIndex page costs O(count), not O(startIndex)', async () => {
    const ctx = newDirectory();
    await createUsers(ctx, 25);
    const seen = new Set<string>();
    for (let startIndex = 1; startIndex <= 25; startIndex += 5) {
      const { result, requests } = await counter.during(() => service.list(ctx, 'User', { startIndex: String(startIndex), count: '5' }));
      const page = result as Listed<{ id: string }>;
      expect(page.totalResults).toBe(25);
      expect(page.startIndex).toBe(startIndex);
      for (const resource of page.Resources) seen.add(resource.id);
      const queries = requests.filter((request) => request.command === 'Query' && !isCounterRead(request));
      expect(queries).toHaveLength(1);
      expect(queries[0]?.input.Limit).toBe(5);
      // Counter read (one Query of its shards), then (after the first page) the marker the previous
      // page left, then one Query.
      const reads = requests.filter((request) => request.command !== 'PutItem').map((request) => (isCounterRead(request) ? 'counters' : request.command));
      expect(reads).toEqual(startIndex === 1 ? ['counters', 'Query'] : ['counters', 'GetItem', 'Query']);
    }
    expect(seen.size).toBe(25);
  });

  it('cursor paging (RFC 9865) walks every resource once', async () => {
    const ctx = newDirectory();
    await createUsers(ctx, 7);
    const seen: string[] = [];
    let cursor = '';
    for (let guard = 0; guard < 10; guard++) {
      const page = (await service.list(ctx, 'User', { cursor, count: '3' })) as Listed<{ id: string }>;
      expect(page.totalResults).toBe(7);
      seen.push(...page.Resources.map((resource) => resource.id));
      if (page.nextCursor === undefined) break;
      cursor = page.nextCursor;
    }
    expect(new Set(seen).size).toBe(7);
    expect(seen).toHaveLength(7);
    const bad = await scimRejectionOf(() => service.list(ctx, 'User', { cursor: 'not-a-cursor' }));
    expect(bad).toMatchObject({ status: 400, scimType: 'invalidCursor' });
  });
});

describe('integrity', () => {
  it('userName is unique case-insensitively and group displayName too', async () => {
    const ctx = newDirectory();
    await createUser(ctx, 'Bob@Example.com');
    expect(await scimRejectionOf(() => createUser(ctx, 'bob@example.COM'))).toMatchObject({ status: 409, scimType: 'uniqueness' });
    await createGroup(ctx, 'Sales');
    expect(await scimRejectionOf(() => createGroup(ctx, 'sales'))).toMatchObject({ status: 409, scimType: 'uniqueness' });
  });

  it('lets several users hold one externalId (RFC 7643 §3.1), and externalId eq finds each, case-sensitively', async () => {
    const ctx = newDirectory();
    const externalIdEq = async (value: string) =>
      (await service.list(ctx, 'User', { filter: `externalId eq "${value}"` })).Resources.map((user) => user.id).sort();
    const bob = await createUser(ctx, 'bob@contoso.example', { externalId: 'john' });
    const carol = await createUser(ctx, 'john@fabrikam.example', { externalId: 'john' });
    const dave = await createUser(ctx, 'dave', { externalId: 'JOHN' });
    expect(await externalIdEq('john')).toEqual([bob.id, carol.id].sort());
    expect(await externalIdEq('JOHN')).toEqual([dave.id]);

    // A holder that lets the value go, or is deleted, is found by it no more.
    await service.patch(ctx, 'User', carol.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'externalId', value: 'jane' }] });
    await service.delete(ctx, 'User', bob.id);
    expect(await externalIdEq('john')).toEqual([]);
    expect(await externalIdEq('jane')).toEqual([carol.id]);
    expect(await externalIdEq('nobody')).toEqual([]);
  });

  it('still finds a user by an externalId index item written while externalId was unique', async () => {
    const ctx = newDirectory();
    const first = await createUser(ctx, 'first', { externalId: 'legacy' });
    // The shape such items have: the one holder in `resourceId`.
    await table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.externalIdClaim(ctx.directoryId, 'legacy'), resourceId: first.id } }));
    const second = await createUser(ctx, 'second', { externalId: 'legacy' });
    const found = await service.list(ctx, 'User', { filter: 'externalId eq "legacy"' });
    expect(found.Resources.map((user) => user.id).sort()).toEqual([first.id, second.id].sort());
  });

  it('renaming frees the old userName and claims the new one', async () => {
    const ctx = newDirectory();
    const erin = await createUser(ctx, 'erin');
    await service.patch(ctx, 'User', erin.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'erin.new' }] });
    await createUser(ctx, 'erin');
    expect(await scimRejectionOf(() => createUser(ctx, 'ERIN.NEW'))).toMatchObject({ status: 409 });
  });

  it('a rejected PATCH leaves the stored items exactly as they were', async () => {
    const ctx = newDirectory();
    const frank = await createUser(ctx, 'frank');
    await createUser(ctx, 'grace');
    const before = await partition(ctx);
    const attempts = [
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Frank' }, { op: 'replace', path: 'userName', value: 'grace' }] },
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'nickName', value: 'f' }, { op: 'explode', path: 'title', value: 'x' }] },
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'name.givenName', value: 'F' }, { op: 'replace', path: 'emails[type eq', value: 'x' }] },
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'id', value: 'mine' }] },
      { Operations: [] },
    ];
    for (const body of attempts) {
      const error = await scimRejectionOf(() => service.patch(ctx, 'User', frank.id, body));
      expect(error.status).toBeGreaterThanOrEqual(400);
      expect(error.status).toBeLessThan(500);
    }
    expect(await partition(ctx)).toEqual(before);
  });

  it('If-Match with a stale version answers 412 and changes nothing', async () => {
    const ctx = newDirectory();
    const henry = await createUser(ctx, 'henry');
    await service.patch(ctx, 'User', henry.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Dr' }] });
    const error = await scimRejectionOf(() =>
      service.patch(ctx, 'User', henry.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Prof' }] }, 'W/"1"'),
    );
    expect(error.status).toBe(412);
    expect((await service.get(ctx, 'User', henry.id)).body.title).toBe('Dr');
    await service.patch(ctx, 'User', henry.id, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Prof' }] }, 'W/"2"');
  });

  it('members must be users or groups of the same directory', async () => {
    const ctx = newDirectory();
    const other = newDirectory();
    const stranger = await createUser(other, 'stranger');
    const group = await createGroup(ctx);
    const error = await scimRejectionOf(() => addMembers(ctx, group.id, [stranger.id]));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
    const self = await scimRejectionOf(() => addMembers(ctx, group.id, [group.id]));
    expect(self).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });

  it('deleting a group removes its memberships from its members', async () => {
    const ctx = newDirectory();
    const ivy = await createUser(ctx, 'ivy');
    const g1 = await createGroup(ctx);
    const g2 = await createGroup(ctx);
    await addMembers(ctx, g1.id, [ivy.id]);
    await addMembers(ctx, g2.id, [ivy.id]);
    expect(((await service.get(ctx, 'User', ivy.id)).body.groups as unknown[]).length).toBe(2);
    await service.delete(ctx, 'Group', g1.id);
    expect((await service.get(ctx, 'User', ivy.id)).body.groups).toEqual([
      { value: g2.id, $ref: `${ctx.baseUrl}/Groups/${g2.id}`, type: 'direct' },
    ]);
  });

  it('counts users, active users and groups for totalResults', async () => {
    const ctx = newDirectory();
    const jack = await createUser(ctx, 'jack');
    await createUser(ctx, 'kate');
    await createGroup(ctx);
    await service.patch(ctx, 'User', jack.id, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    const users = (await service.list(ctx, 'User', {})) as { totalResults: number };
    expect(users.totalResults).toBe(2);
    await service.delete(ctx, 'User', jack.id);
    expect(((await service.list(ctx, 'User', {})) as { totalResults: number }).totalResults).toBe(1);
    expect(((await service.list(ctx, 'Group', {})) as { totalResults: number }).totalResults).toBe(1);
  });

  it('a filter no index serves reads the directory, and says tooMany past its cap', async () => {
    const ctx = newDirectory();
    await createUser(ctx, 'leo', { title: 'Engineer' });
    await createUser(ctx, 'mia', { title: 'Designer' });
    const found = (await service.list(ctx, 'User', { filter: 'title co "sign"' })) as Listed<{ userName: string }>;
    expect(found.Resources.map((user) => user.userName)).toEqual(['mia']);
    const capped = new DirectoryService(new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName }), { maxFilterScan: 1 });
    expect(await scimRejectionOf(() => capped.list(ctx, 'User', { filter: 'title pr' }))).toMatchObject({ status: 400, scimType: 'tooMany' });
  });
});

describe('review findings', () => {
  it('lists groups with their members unless excluded, and filters groups by member', async () => {
    const ctx = newDirectory();
    const ada = await createUser(ctx, 'ada');
    const bob = await createUser(ctx, 'bob');
    const eng = await createGroup(ctx, 'eng');
    await createGroup(ctx, 'ops');
    await addMembers(ctx, eng.id, [ada.id, bob.id]);
    const list = (await service.list(ctx, 'Group', { filter: 'displayName eq "eng"' })) as { Resources: Array<{ members?: Array<{ value: string }> }> };
    expect(list.Resources[0]?.members?.map((member) => member.value).sort()).toEqual([ada.id, bob.id].sort());
    for (const filter of [`members.value eq "${bob.id}"`, `members eq "${bob.id}"`, `members[value eq "${bob.id}"]`, `id eq "${eng.id}" and members eq "${ada.id}"`]) {
      const found = (await service.list(ctx, 'Group', { filter, excludedAttributes: ['members'] })) as Listed<{ id: string }>;
      expect(found.totalResults, filter).toBe(1);
      expect(found.Resources[0]?.id, filter).toBe(eng.id);
    }
  });

  it('does not trust a paging marker once users were created or deleted since', async () => {
    const ctx = newDirectory();
    const users = await createUsers(ctx, 8);
    await service.list(ctx, 'User', { startIndex: '1', count: '3' });
    await service.list(ctx, 'User', { startIndex: '4', count: '3' });
    const sorted = users.map((user) => user.id).sort();
    await service.delete(ctx, 'User', sorted[0] as string);
    await service.delete(ctx, 'User', sorted[1] as string);
    const page = (await service.list(ctx, 'User', { startIndex: '7', count: '3' })) as { totalResults: number; Resources: unknown[] };
    expect(page.totalResults).toBe(6);
    expect(page.Resources).toHaveLength(0);
    const middle = (await service.list(ctx, 'User', { startIndex: '4', count: '3' })) as Listed<{ id: string }>;
    expect(middle.Resources.map((user) => user.id)).toEqual(sorted.slice(5, 8));
  });

  it('answers 400 or not-found, never a storage error, for values too long to key', async () => {
    const ctx = newDirectory();
    const long = 'x'.repeat(1100);
    expect(await scimRejectionOf(() => createUser(ctx, long))).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(await scimRejectionOf(() => createUser(ctx, 'ok', { externalId: long }))).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(await scimRejectionOf(() => createUser(ctx, 'big', { title: 'y'.repeat(300_000) }))).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(await scimRejectionOf(() => service.get(ctx, 'User', long))).toMatchObject({ status: 404 });
    const found = (await service.list(ctx, 'User', { filter: `userName eq "${long}"` })) as { totalResults: number };
    expect(found.totalResults).toBe(0);
    const group = await createGroup(ctx);
    expect(await scimRejectionOf(() => addMembers(ctx, group.id, [long]))).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });

  it('treats an empty externalId as not set', async () => {
    const ctx = newDirectory();
    const first = await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'e1', externalId: '' });
    expect(first.body.externalId).toBeUndefined();
  });
});

describe('group lists with members', () => {
  it('end a page early when its groups hold more members than one response carries, and resume after it', async () => {
    const small = new DirectoryService(new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName }), { maxInlineMembers: 3 });
    const ctx = newDirectory();
    const users = await createUsers(ctx, 3);
    const groups = [];
    for (const size of [2, 2, 1, 0, 2]) {
      const group = await createGroup(ctx);
      if (size > 0) await addMembers(ctx, group.id, users.slice(0, size).map((user) => user.id));
      groups.push(group.id);
    }
    for (const mode of ['index', 'cursor'] as const) {
      const seen: string[] = [];
      let startIndex = 1;
      let cursor = '';
      let shortPages = 0;
      for (let guard = 0; guard < 10; guard++) {
        const page = (await small.list(ctx, 'Group', mode === 'index' ? { startIndex: String(startIndex), count: '10' } : { cursor, count: '10' })) as Listed<{ id: string; members?: unknown[] }>;
        expect(page.totalResults).toBe(5);
        expect(page.Resources.reduce((sum, group) => sum + (group.members?.length ?? 0), 0)).toBeLessThanOrEqual(3);
        if (page.itemsPerPage < 10 && page.itemsPerPage > 0 && seen.length + page.itemsPerPage < 5) shortPages += 1;
        seen.push(...page.Resources.map((group) => group.id));
        if (mode === 'index') {
          startIndex += page.itemsPerPage;
          if (startIndex > page.totalResults || page.itemsPerPage === 0) break;
        } else {
          if (page.nextCursor === undefined) break;
          cursor = page.nextCursor;
        }
      }
      expect(seen.sort(), mode).toEqual([...groups].sort());
      expect(shortPages, mode).toBeGreaterThan(0);
    }
    const big = await createGroup(ctx);
    const more = await createUsers(ctx, 4);
    await addMembers(ctx, big.id, more.map((user) => user.id));
    expect(await scimRejectionOf(() => small.get(ctx, 'Group', big.id))).toMatchObject({ status: 400, scimType: 'tooMany' });
  });
});
