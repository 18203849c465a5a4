/**
 * Two real directories in one local runtime: every SCIM route of directory A, given directory B's
 * ids, filters, cursors, member ids and manager ids, neither reads nor writes B. B's stored items
 * are compared before and after.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimClient, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

let runtime: TestRuntime;
let a: ScimClient;
let b: ScimClient;
/** Ids in B. */
let bUser = '';
let bGroup = '';
let bCursor = '';
/** Ids in A. */
let aUser = '';
let aGroup = '';

async function snapshot(client: ScimClient): Promise<string> {
  const users = await client.get('/Users?count=1000');
  const groups = await client.get('/Groups?count=1000');
  return JSON.stringify([users.body.Resources, groups.body.Resources]);
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  const make = async (name: string) => {
    const created = await runtime.admin.createDirectory({ name, provider: 'entra' });
    return new ScimClient(runtime.admin.tenantUrl(created.directory.id), created.token.token);
  };
  a = await make('Directory A');
  b = await make('Directory B');
  const userIn = async (client: ScimClient, userName: string) => (await client.post('/Users', { schemas: [USER_SCHEMA], userName, externalId: 'shared-ext' })).body.id as string;
  bUser = await userIn(b, 'shared@contoso.test');
  await userIn(b, 'second@contoso.test');
  bGroup = (await b.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Shared', externalId: 'shared-group', members: [{ value: bUser }] })).body.id as string;
  bCursor = (await b.get('/Users?count=1&cursor=')).body.nextCursor as string;
  aUser = await userIn(a, 'someone@contoso.test');
  aGroup = (await a.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Team' })).body.id as string;
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('directory isolation', () => {
  it("answers every route of A with B's ids, filters, cursors, members and managers as if B did not exist, and leaves B as it was", async () => {
    const before = await snapshot(b);
    const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
    const probes: Array<[string, () => Promise<{ status: number; body: any }>, number[]]> = [
      ['GET B user', () => a.get(`/Users/${bUser}`), [404]],
      ['GET B group', () => a.get(`/Groups/${bGroup}`), [404]],
      ['PUT B user', () => a.put(`/Users/${bUser}`, { schemas: [USER_SCHEMA], userName: 'taken-over' }), [404]],
      ['PATCH B user', () => a.patch(`/Users/${bUser}`, patch({ op: 'Replace', path: 'title', value: 'x' })), [404]],
      ['PATCH B group', () => a.patch(`/Groups/${bGroup}`, patch({ op: 'Add', path: 'members', value: [{ value: aUser }] })), [404]],
      ['DELETE B user', () => a.delete(`/Users/${bUser}`), [404]],
      ['DELETE B group', () => a.delete(`/Groups/${bGroup}`), [404]],
      ['add B user to A group', () => a.patch(`/Groups/${aGroup}`, patch({ op: 'Add', path: 'members', value: [{ value: bUser }] })), [400]],
      ['add B group to A group', () => a.patch(`/Groups/${aGroup}`, patch({ op: 'Add', path: 'members', value: [{ value: bGroup, type: 'Group' }] })), [400]],
      ['remove B user from A group', () => a.patch(`/Groups/${aGroup}`, patch({ op: 'Remove', path: `members[value eq "${bUser}"]` })), [204]],
      ['create A group with B member', () => a.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `x-${randomUUID()}`, members: [{ value: bUser }] }), [400]],
      ['B user as A manager', () => a.patch(`/Users/${aUser}`, patch({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: bUser })), [400]],
      ['create A user with B manager', () => a.post('/Users', { schemas: [USER_SCHEMA, ENTERPRISE], userName: `m-${randomUUID()}`, [ENTERPRISE]: { manager: { value: bUser } } }), [400]],
      ['B cursor on A', () => a.get(`/Users?count=1&cursor=${encodeURIComponent(bCursor)}`), [400]],
    ];
    for (const [name, probe, statuses] of probes) {
      const reply = await probe();
      expect(statuses, name).toContain(reply.status);
    }
    const filters: Array<[string, string]> = [
      ['/Users', `id eq "${bUser}"`],
      ['/Users', 'userName eq "second@contoso.test"'],
      ['/Users', 'externalId eq "shared-ext"'],
      ['/Groups', `id eq "${bGroup}"`],
      ['/Groups', 'displayName eq "Shared"'],
      ['/Groups', 'externalId eq "shared-group"'],
      ['/Groups', `members.value eq "${bUser}"`],
    ];
    for (const [path, filter] of filters) {
      const reply = await a.get(`${path}?filter=${encodeURIComponent(filter)}`);
      expect(reply.status, filter).toBe(200);
      // A's own 'someone' shares the externalId; nothing of B may appear.
      const ids = (reply.body.Resources as Array<{ id: string }>).map((resource) => resource.id);
      expect(ids, filter).not.toContain(bUser);
      expect(ids, filter).not.toContain(bGroup);
    }
    expect(await snapshot(b)).toBe(before);
  });
});
