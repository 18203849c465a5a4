/**
 * The portal's organization-scoped use cases on DynamoDB Local, with the real admin service,
 * directory service and activity reader behind them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryRepository } from '../../functions/adapters/dynamodb/directory-repository.ts';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { FileSecretStore } from '../../functions/adapters/secrets/secret-store.ts';
import { AdminService } from '../../functions/admin/admin-service.ts';
import { isWellFormedToken } from '../../functions/auth/token-format.ts';
import { PortalError, type PortalDirectories } from '../../functions/portal/ports.ts';
import { dynamoDbPortal } from '../../functions/portal/wiring.ts';
import { DirectoryService, type ScimContext } from '../../functions/service/directory-service.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';
import { commandsOf, isCounterRead, RequestCounter } from '../support/request-counter.ts';
import { GROUP_SCHEMA, USER_SCHEMA, PATCH_OP } from '../support/urns.ts';

const BASE_URL = 'https://scim.example.test/scim/v2';
let table: TestTable;
let dataDir: string;
let admin: AdminService;
let secretStore: FileSecretStore;
let scim: DirectoryService;
let counter: RequestCounter;
let portal: PortalDirectories;
const continued: string[] = [];

async function refusal(promise: Promise<unknown>): Promise<PortalError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(PortalError);
  return error as PortalError;
}

const ctxOf = (directoryId: string): ScimContext => ({ directoryId, baseUrl: `${BASE_URL}/${directoryId}` });

async function createUser(directoryId: string, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const { body } = await scim.create(ctxOf(directoryId), 'User', { schemas: [USER_SCHEMA], userName, ...extra });
  return String(body.id);
}

async function createGroup(directoryId: string, displayName: string, memberIds: string[] = []): Promise<string> {
  const { body } = await scim.create(ctxOf(directoryId), 'Group', { schemas: [GROUP_SCHEMA], displayName });
  const id = String(body.id);
  for (let start = 0; start < memberIds.length; start += 1000) {
    const value = memberIds.slice(start, start + 1000).map((member) => ({ value: member }));
    await scim.patch(ctxOf(directoryId), 'Group', id, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value }] });
  }
  return id;
}

beforeAll(async () => {
  table = await createTestTable('portal');
  counter = new RequestCounter(table.client);
  dataDir = await mkdtemp(join(tmpdir(), 'scim-portal-'));
  secretStore = new FileSecretStore(join(dataDir, 'secrets.json'));
  admin = new AdminService({
    directories: new DirectoryRepository(table.documentClient, table.tableName),
    secretStore,
    secretPrefix: 'test/tokens/',
    baseUrl: BASE_URL,
    deletionDrainMs: 0,
  });
  const repository = new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName });
  scim = new DirectoryService(repository);
  // Wired as the portal's edges wire it.
  portal = dynamoDbPortal({
    documentClient: table.documentClient,
    tableName: table.tableName,
    admin,
    portalBaseUrl: 'https://portal.example.test/v1/portal',
    continueDeletion: async (directoryId) => {
      continued.push(directoryId);
      for (let pass = 0; pass < 20; pass++) if ((await admin.deleteDirectory(directoryId, { budgetMs: 5_000 })).done) return;
    },
  }).directories;
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('directories and tokens', () => {
  it('configures, rotates, revokes, disables, enables and deletes, masking every token', async () => {
    const configured = await portal.configure('org-a', { provider: 'entra' });
    const directory = configured.directory;
    expect(directory).toMatchObject({ name: 'Microsoft Entra ID', provider: 'entra', status: 'active', tenantUrl: `${BASE_URL}/${directory.id}` });
    expect(directory.counts).toEqual({ users: 0, activeUsers: 0, groups: 0 });
    expect(directory.requests).toEqual({});
    expect(isWellFormedToken(configured.token?.token ?? '')).toBe(true);
    expect(directory.tokens).toHaveLength(1);
    expect(directory.tokens[0]?.masked).toMatch(/^scimds_•+$/);
    expect(JSON.stringify(directory)).not.toContain(configured.token?.token);

    // A live token exists: configuring again mints nothing.
    expect((await portal.configure('org-a', { provider: 'entra', directoryId: directory.id })).token).toBeUndefined();

    const rotated = await portal.rotateToken('org-a', directory.id);
    expect(isWellFormedToken(rotated.token)).toBe(true);
    const tokens = (await portal.getDirectory('org-a', directory.id)).tokens;
    expect(tokens.map((token) => token.state).sort()).toEqual(['active', 'expiring']);

    for (const token of tokens) expect((await portal.revokeToken('org-a', directory.id, token.tokenId)).state).toBe('revoked');
    expect((await refusal(portal.revokeToken('org-a', directory.id, 'tok_unknown'))).code).toBe('notFound');
    // No live token left: configuring mints one again.
    const again = await portal.configure('org-a', { provider: 'entra', directoryId: directory.id });
    expect(isWellFormedToken(again.token?.token ?? '')).toBe(true);

    expect((await portal.disableDirectory('org-a', directory.id)).status).toBe('disabled');
    expect((await portal.enableDirectory('org-a', directory.id)).status).toBe('active');

    expect(await refusal(portal.deleteDirectory('org-a', directory.id, 'Microsoft Entra'))).toMatchObject({ code: 'invalidInput' });
    expect((await portal.getDirectory('org-a', directory.id)).status).toBe('active');
    await portal.deleteDirectory('org-a', directory.id, 'Microsoft Entra ID');
    expect(await refusal(portal.getDirectory('org-a', directory.id))).toMatchObject({ code: 'notFound', message: `Directory ${directory.id} not found` });
  });

  it('names a directory after its provider unless told otherwise, and shows a deletion under way', async () => {
    const okta = await portal.configure('org-names', { provider: 'okta', name: 'Staff' });
    expect(okta.directory).toMatchObject({ name: 'Staff', provider: 'okta' });
    const generic = await portal.configure('org-names', { provider: 'generic' });
    expect(generic.directory.name).toBe('SCIM 2.0 client');
    expect((await refusal(portal.configure('org-names', { provider: 'myspace' as 'okta' }))).code).toBe('invalidInput');

    // A deletion that has to wait for cached tokens to expire is handed on after its first pass.
    const patient = dynamoDbPortal({
      documentClient: table.documentClient,
      tableName: table.tableName,
      admin: new AdminService({ directories: new DirectoryRepository(table.documentClient, table.tableName), secretStore, secretPrefix: 'test/tokens/', baseUrl: BASE_URL, deletionDrainMs: 60_000 }),
      portalBaseUrl: 'https://portal.example.test/v1/portal',
      continueDeletion: async (directoryId) => {
        continued.push(directoryId);
      },
    }).directories;
    await patient.deleteDirectory('org-names', okta.directory.id, 'Staff');
    expect(continued).toContain(okta.directory.id);
    const listed = await portal.listDirectories('org-names');
    expect(listed.map((d) => [d.name, d.status]).sort()).toEqual([
      ['SCIM 2.0 client', 'active'],
      ['Staff', 'deleting'],
    ]);
  });
});

describe('organization scoping', () => {
  it('answers notFound, in the words of an unknown id, for everything of another organization', async () => {
    const b = (await portal.configure('org-b', { provider: 'okta' })).directory;
    const userId = await createUser(b.id, 'bob@b.example');
    const groupId = await createGroup(b.id, 'B team', [userId]);
    const tokenId = b.tokens[0]?.tokenId ?? '';
    await portal.configure('org-a2', { provider: 'entra' });

    const unknown = await refusal(portal.getDirectory('org-a2', 'nosuchdirectory'));
    expect(unknown).toMatchObject({ code: 'notFound', message: 'Directory nosuchdirectory not found' });
    const attempts: Array<() => Promise<unknown>> = [
      () => portal.getDirectory('org-a2', b.id),
      () => portal.configure('org-a2', { provider: 'okta', directoryId: b.id }),
      () => portal.rotateToken('org-a2', b.id),
      () => portal.revokeToken('org-a2', b.id, tokenId),
      () => portal.disableDirectory('org-a2', b.id),
      () => portal.enableDirectory('org-a2', b.id),
      () => portal.deleteDirectory('org-a2', b.id, b.name),
      () => portal.listUsers('org-a2', b.id, { limit: 10 }),
      () => portal.getUser('org-a2', b.id, userId),
      () => portal.listGroups('org-a2', b.id, { limit: 10 }),
      () => portal.getGroup('org-a2', b.id, groupId),
      () => portal.listMembers('org-a2', b.id, groupId, { limit: 10 }),
      () => portal.listActivity('org-a2', b.id, { limit: 10 }),
    ];
    for (const attempt of attempts) expect(await refusal(attempt())).toMatchObject({ code: 'notFound', message: `Directory ${b.id} not found` });
    expect(await portal.listDirectories('org-a2')).toHaveLength(1);

    // Nothing changed in B.
    const after = await portal.getDirectory('org-b', b.id);
    expect(after.status).toBe('active');
    expect(after.tokens.map((token) => token.state)).toEqual(['active']);
    expect((await portal.getUser('org-b', b.id, userId)).groups).toEqual([{ id: groupId, display: 'B team' }]);

    // A user or group of another directory of the same organization is not reachable either.
    const b2 = (await portal.configure('org-b', { provider: 'generic' })).directory;
    expect(await refusal(portal.getUser('org-b', b2.id, userId))).toMatchObject({ code: 'notFound' });
    expect(await refusal(portal.getGroup('org-b', b2.id, groupId))).toMatchObject({ code: 'notFound' });
    expect(await refusal(portal.listMembers('org-b', b2.id, groupId, { limit: 10 }))).toMatchObject({ code: 'notFound' });
  });
});

describe('users', () => {
  let directoryId: string;

  beforeAll(async () => {
    directoryId = (await portal.configure('org-users', { provider: 'entra' })).directory.id;
    for (let i = 0; i < 9; i++) await createUser(directoryId, `user${i}@contoso.example`, { active: i !== 3 });
    await createUser(directoryId, 'ada@contoso.example', { name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: 'countess@analytical.example', primary: true }] });
    await createUser(directoryId, 'grace@contoso.example', { displayName: 'Grace Hopper', emails: [{ value: 'grace@navy.example' }] });
    await createUser(directoryId, 'conan@contoso.example', { displayName: 'Conan "the" O\'Brien' });
  });

  it('pages with a cursor and says how many there are', async () => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await portal.listUsers('org-users', directoryId, { limit: 5, ...(cursor === undefined ? {} : { cursor }) });
      expect(page.totalResults).toBe(12);
      page.items.forEach((user) => seen.add(user.userName));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(seen.size).toBe(12);
    expect(pages).toBe(3);
    const directory = await portal.getDirectory('org-users', directoryId);
    expect(directory.counts).toEqual({ users: 12, activeUsers: 11, groups: 0 });
  });

  it('searches userName, displayName and emails, with quotes taken literally', async () => {
    const byEmail = await portal.listUsers('org-users', directoryId, { limit: 10, search: 'analytical' });
    expect(byEmail.items).toEqual([expect.objectContaining({ userName: 'ada@contoso.example', name: 'Ada Lovelace', email: 'countess@analytical.example', active: true })]);
    expect((await portal.listUsers('org-users', directoryId, { limit: 10, search: 'hopper' })).items.map((u) => u.userName)).toEqual(['grace@contoso.example']);
    expect((await portal.listUsers('org-users', directoryId, { limit: 10, search: '"the" O\'Brien' })).items.map((u) => u.userName)).toEqual(['conan@contoso.example']);
    expect((await portal.listUsers('org-users', directoryId, { limit: 10, search: '" or userName pr or "' })).items).toEqual([]);
    const many = await portal.listUsers('org-users', directoryId, { limit: 4, search: 'USER' });
    expect(many.totalResults).toBe(9);
    expect(many.items).toHaveLength(4);
    const next = await portal.listUsers('org-users', directoryId, { limit: 4, search: 'USER', cursor: many.nextCursor ?? '' });
    expect(next.items.map((u) => u.id).filter((id) => many.items.some((u) => u.id === id))).toEqual([]);
    expect((await refusal(portal.listUsers('org-users', directoryId, { limit: 4, cursor: 'not-a-cursor' }))).code).toBe('invalidInput');
  });
});

describe('groups and members', () => {
  let directoryId: string;
  let bigGroup: string;
  let smallGroup: string;
  const userIds: string[] = [];

  beforeAll(async () => {
    directoryId = (await portal.configure('org-groups', { provider: 'okta' })).directory.id;
    for (let i = 0; i < 230; i++) userIds.push(await createUser(directoryId, `member${String(i).padStart(3, '0')}@example.test`));
    bigGroup = await createGroup(directoryId, 'Everyone', userIds);
    smallGroup = await createGroup(directoryId, 'Admins', userIds.slice(0, 3));
  }, 120_000);

  it('shows member counts, kept or counted', async () => {
    // Groups written before the count was kept: counted with a bounded COUNT query.
    // (A count moved by membership writes on such a group is partial, and ignored.)
    await table.documentClient.send(new UpdateCommand({ TableName: table.tableName, Key: keys.group(directoryId, smallGroup), UpdateExpression: 'REMOVE memberCount, memberCountKept' }));
    await table.documentClient.send(new UpdateCommand({ TableName: table.tableName, Key: keys.group(directoryId, bigGroup), UpdateExpression: 'SET memberCount = :partial REMOVE memberCountKept', ExpressionAttributeValues: { ':partial': 7 } }));
    let page = await portal.listGroups('org-groups', directoryId, { limit: 10 });
    expect(Object.fromEntries(page.items.map((g) => [g.displayName, g.memberCount]))).toEqual({ Everyone: 230, Admins: 3 });
    expect(page.totalResults).toBe(2);

    // A kept count is read from the group item, with no COUNT query.
    for (const [groupId, count] of [[bigGroup, 230], [smallGroup, 3]] as const) {
      await table.documentClient.send(
        new UpdateCommand({ TableName: table.tableName, Key: keys.group(directoryId, groupId), UpdateExpression: 'SET memberCount = :n, memberCountKept = :kept', ExpressionAttributeValues: { ':n': count, ':kept': true } }),
      );
    }
    const { result, requests } = await counter.during(() => portal.listGroups('org-groups', directoryId, { limit: 10, search: 'every' }));
    page = result;
    expect(page.items.map((g) => [g.displayName, g.memberCount])).toEqual([['Everyone', 230]]);
    expect(requests.filter((r) => r.command === 'Query' && r.input.Select === 'COUNT')).toEqual([]);
    expect((await portal.getGroup('org-groups', directoryId, smallGroup)).memberCount).toBe(3);
  });

  it('pages members with their names at one Query and one BatchGetItem per page', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const { result, requests } = await counter.during(() => portal.listMembers('org-groups', directoryId, bigGroup, { limit: 100, ...(cursor === undefined ? {} : { cursor }) }));
      const commands = commandsOf(requests.filter((request) => !isCounterRead(request)));
      expect(commands.filter((c) => c === 'Query')).toHaveLength(1);
      expect(commands.filter((c) => c === 'BatchGetItem')).toHaveLength(1);
      expect(result.items.every((m) => m.type === 'User' && m.display?.startsWith('member'))).toBe(true);
      seen.push(...result.items.map((m) => m.id));
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    expect(new Set(seen).size).toBe(230);
    expect(await refusal(portal.listMembers('org-groups', directoryId, smallGroup, { limit: 5, cursor: 'bogus' }))).toMatchObject({ code: 'invalidInput' });
    expect(await refusal(portal.listMembers('org-groups', directoryId, 'no-such-group', { limit: 5 }))).toMatchObject({ code: 'notFound' });
  });

  it('shows a user with the names of their groups', async () => {
    const user = await portal.getUser('org-groups', directoryId, userIds[0] ?? '');
    expect(user.groups.map((g) => g.display).sort()).toEqual(['Admins', 'Everyone']);
    expect(user.resource).toMatchObject({ id: userIds[0], userName: 'member000@example.test' });
  });
});

describe('activity', () => {
  it('lists a directory activity newest first, with an outcome filter', async () => {
    const directoryId = (await portal.configure('org-activity', { provider: 'entra' })).directory.id;
    for (let i = 0; i < 6; i++) {
      const at = new Date(Date.UTC(2026, 2, 1, 10, i)).toISOString();
      await table.documentClient.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...keys.activity(directoryId, at, `r${i}`), directoryId, at, requestId: `r${i}`, method: 'PATCH', status: i % 2 === 0 ? 204 : 400, outcome: i % 2 === 0 ? 'success' : 'failure', client: 'entra', expiresAt: 4_102_444_800 },
        }),
      );
    }
    const failures = await portal.listActivity('org-activity', directoryId, { limit: 2, outcome: 'failure' });
    expect(failures.items.map((e) => e.requestId)).toEqual(['r5', 'r3']);
    const rest = await portal.listActivity('org-activity', directoryId, { limit: 2, outcome: 'failure', cursor: failures.nextCursor ?? '' });
    expect(rest.items.map((e) => e.requestId)).toEqual(['r1']);
    expect((await refusal(portal.listActivity('org-activity', directoryId, { limit: 2, cursor: failures.nextCursor ?? '' }))).code).toBe('invalidInput');
  });
});
