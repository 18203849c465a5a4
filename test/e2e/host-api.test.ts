/**
 * The host Directory API end to end: the typed client against the local runtime (unsigned on
 * loopback), over DynamoDB Local, with change events from the runtime's stream fan-out.
 */
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillDirectory, DirectoryApiClient, DirectoryApiError, type DirectoryUser, type MemberRef } from '../../functions/client/index.ts';
import { runCli } from '../../functions/cli/program.ts';
import { parseDirectoryEvent, resourceOfEvent, type DirectoryEvent, type DirectoryGroup } from '../../functions/events/index.ts';
import { ScimClient, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

let runtime: TestRuntime;
let api: DirectoryApiClient;
/** A directory of organization A with a SCIM client, and one of organization B. */
let directoryA: { id: string; scim: ScimClient };
let directoryB: { id: string; scim: ScimClient };
const orgA = `org-a-${randomUUID().slice(0, 6)}`;
const orgB = `org-b-${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = new DirectoryApiClient({ baseUrl: runtime.apiBaseUrl, signing: 'none', retryBaseDelayMs: 10 });
  const make = async (organizationId: string) => {
    const created = await runtime.admin.createDirectory({ name: `Directory of ${organizationId}`, provider: 'entra', organizationId });
    return { id: created.directory.id, scim: new ScimClient(runtime.admin.tenantUrl(created.directory.id), created.token.token) };
  };
  directoryA = await make(orgA);
  directoryB = await make(orgB);
});

afterAll(async () => {
  await runtime?.stop();
});

async function createUser(scim: ScimClient, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const reply = await scim.post('/Users', { schemas: [USER_SCHEMA], userName, active: true, emails: [{ value: userName, type: 'work', primary: true }], ...extra });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

async function createGroup(scim: ScimClient, displayName: string, memberIds: string[]): Promise<string> {
  const reply = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName, members: memberIds.map((value) => ({ value })) });
  expect(reply.status).toBe(201);
  return reply.body.id as string;
}

async function patchMembers(scim: ScimClient, groupId: string, op: 'add' | 'remove', memberId: string): Promise<void> {
  const operation = op === 'add' ? { op, path: 'members', value: [{ value: memberId }] } : { op, path: `members[value eq "${memberId}"]` };
  const reply = await scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [operation] });
  expect(reply.status).toBe(204);
}

async function events(directoryId: string): Promise<DirectoryEvent[]> {
  const text = await readFile(runtime.eventsFile, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { detail: unknown; 'replay-name'?: string })
    .filter((envelope) => envelope['replay-name'] === undefined)
    .map((envelope) => parseDirectoryEvent(envelope.detail))
    .filter((event) => event.directoryId === directoryId);
}

async function expectRefusal(promise: Promise<unknown>, status: number): Promise<DirectoryApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DirectoryApiError);
  expect((error as DirectoryApiError).status).toBe(status);
  return error as DirectoryApiError;
}

describe('Directory API routes', () => {
  let alice: string;
  let bob: string;
  let carol: string;
  let engineering: string;

  beforeAll(async () => {
    alice = await createUser(directoryA.scim, 'alice@a.example', {
      name: { givenName: 'Alice', familyName: 'Adams' },
      externalId: 'ext-alice',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D', employeeNumber: '7' },
    });
    bob = await createUser(directoryA.scim, 'bob@a.example');
    carol = await createUser(directoryA.scim, 'carol@a.example', { active: false });
    engineering = await createGroup(directoryA.scim, 'Engineering', [alice, bob]);
    await createUser(directoryB.scim, 'mallory@b.example');
  });

  it('lists the directories of one organization, never another organization\'s', async () => {
    const listed = await api.listDirectories({ organizationId: orgA });
    expect(listed.items.map((directory) => directory.id)).toEqual([directoryA.id]);
    expect(listed.items[0]).toMatchObject({ organizationId: orgA, provider: 'entra', status: 'active', counts: { users: 3, activeUsers: 2, groups: 1 } });
    await expectRefusal(api.getDirectory(directoryB.id, { organizationId: orgA }), 404);
    await expectRefusal(api.listUsers(directoryB.id, { organizationId: orgA }), 404);
    expect((await api.getDirectory(directoryB.id, { organizationId: orgB })).id).toBe(directoryB.id);
  });

  it('returns users in the normalised shape that the change events give too', async () => {
    const detail = await api.getUser(directoryA.id, alice);
    expect(detail.groupIds).toEqual([engineering]);
    expect(detail.user).toMatchObject({
      id: alice,
      directoryId: directoryA.id,
      organizationId: orgA,
      userName: 'alice@a.example',
      name: { givenName: 'Alice', familyName: 'Adams' },
      emails: [{ value: 'alice@a.example', type: 'work', primary: true }],
      active: true,
      externalId: 'ext-alice',
      enterprise: { department: 'R&D', employeeNumber: '7' },
      version: 1,
    });
    expect(detail.user.raw).toMatchObject({ id: alice, userName: 'alice@a.example', meta: { version: 'W/"1"' } });
    // The user.created event, normalised by the events package, is the same object but for the
    // groups the user joined afterwards (the event is the state at creation).
    const created = (await waitFor(async () => (await events(directoryA.id)).find((event) => event.type === 'user.created' && event.user.id === alice)))!;
    const fromEvent = resourceOfEvent(created);
    expect(fromEvent?.kind).toBe('user');
    const { raw: eventRaw, ...eventShape } = (fromEvent as { user: DirectoryUser }).user;
    const { raw: apiRaw, ...apiShape } = detail.user;
    expect(eventShape).toEqual(apiShape);
    expect({ ...eventRaw, groups: undefined }).toEqual({ ...apiRaw, groups: undefined });
  });

  it('filters users by group, active and updatedSince, and groups by user', async () => {
    const ids = async (filter: Parameters<DirectoryApiClient['users']>[1]) => {
      const found: string[] = [];
      for await (const user of api.users(directoryA.id, filter)) found.push(user.id);
      return found.sort();
    };
    expect(await ids({})).toEqual([alice, bob, carol].sort());
    expect(await ids({ group: engineering })).toEqual([alice, bob].sort());
    expect(await ids({ active: false })).toEqual([carol]);
    expect(await ids({ active: true, limit: 1 })).toEqual([alice, bob].sort());
    expect(await ids({ updatedSince: new Date(Date.now() + 60_000) })).toEqual([]);
    const groups: DirectoryGroup[] = [];
    for await (const group of api.groups(directoryA.id, { user: bob })) groups.push(group);
    expect(groups.map((group) => group.displayName)).toEqual(['Engineering']);
    expect(await api.listGroups(directoryA.id, { user: carol })).toMatchObject({ items: [] });
    expect(await api.getGroup(directoryA.id, engineering)).toMatchObject({ id: engineering, displayName: 'Engineering', directoryId: directoryA.id, organizationId: orgA });
  });

  it('pages a group\'s members and a user\'s group ids by cursor', async () => {
    const first = await api.listMembers(directoryA.id, engineering, { limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toBeDefined();
    const second = await api.listMembers(directoryA.id, engineering, { limit: 1, cursor: first.nextCursor! });
    // The cursor keeps the watermark of the listing's first page.
    expect(second.watermark).toBe(first.watermark);
    const members: MemberRef[] = [];
    for await (const member of api.members(directoryA.id, engineering, { limit: 1 })) members.push(member);
    expect(members.map((member) => member.id).sort()).toEqual([alice, bob].sort());
    expect(members.every((member) => member.type === 'User')).toBe(true);
    const groupIds: string[] = [];
    for await (const id of api.userGroupIds(directoryA.id, alice, { limit: 1 })) groupIds.push(id);
    expect(groupIds).toEqual([engineering]);
  });

  it('refuses bad input with an RFC 7644 error body and a 4xx, never a 5xx', async () => {
    const limit = await expectRefusal(api.listUsers(directoryA.id, { limit: 101 }), 400);
    expect(limit.scimType).toBe('invalidValue');
    await expectRefusal(api.listUsers(directoryA.id, { limit: 0 }), 400);
    const cursor = await expectRefusal(api.listUsers(directoryA.id, { cursor: 'bm90LWEtY3Vyc29y' }), 400);
    expect(cursor.scimType).toBe('invalidCursor');
    const first = await api.listUsers(directoryA.id, { limit: 1 });
    // A cursor of one listing does not position another (here: another filter).
    await expectRefusal(api.listUsers(directoryA.id, { limit: 1, active: true, cursor: first.nextCursor! }), 400);
    await expectRefusal(api.getUser(directoryA.id, 'no-such-user'), 404);
    await expectRefusal(api.getUser(directoryB.id, alice), 404);
    await expectRefusal(api.listMembers(directoryA.id, 'no-such-group'), 404);
    await expectRefusal(api.getDirectory('no-such-directory'), 404);
    await expectRefusal(api.startReplay(directoryA.id, { from: 'yesterday' }), 400);
    await expectRefusal(api.startReplay(directoryA.id, { from: new Date(Date.now() + 60_000) }), 400);
    const raw = await fetch(`${runtime.apiBaseUrl}/directories/${directoryA.id}/users?updatedSince=soon`);
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    const badJson = await fetch(`${runtime.apiBaseUrl}/portal-links`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(badJson.status).toBe(400);
  });

  it('makes single-use Admin Portal links for an organization, and refuses another organization\'s directory', async () => {
    const link = await api.createPortalLink({ organizationId: orgA, directoryId: directoryA.id, returnUrl: 'https://app.example/settings' });
    expect(link).toMatchObject({ organizationId: orgA, directoryId: directoryA.id });
    expect(link.url.startsWith(`${new URL(runtime.apiBaseUrl).origin}/portal/`)).toBe(true);
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    await expectRefusal(api.createPortalLink({ organizationId: orgB, directoryId: directoryA.id }), 404);
    await expectRefusal(api.createPortalLink({ organizationId: '' }), 400);
    await expectRefusal(api.createPortalLink({ organizationId: orgA, returnUrl: 'javascript:alert(1)' }), 400);
  });

  it('replays one directory\'s events from the local archive, marked with the replay name', async () => {
    const replay = await api.startReplay(directoryA.id, { from: new Date(Date.now() - 3_600_000) });
    expect(replay).toMatchObject({ directoryId: directoryA.id, state: 'COMPLETED' });
    expect(replay.replayedEvents).toBeGreaterThan(0);
    const lines = (await readFile(runtime.eventsFile, 'utf8')).split('\n').filter((line) => line !== '');
    const replayed = lines.map((line) => JSON.parse(line) as { 'replay-name'?: string; detail: { directoryId: string } }).filter((event) => event['replay-name'] === replay.replayName);
    expect(replayed).toHaveLength(replay.replayedEvents!);
    expect(replayed.every((event) => event.detail.directoryId === directoryA.id)).toBe(true);
  });
});

/** Polls `probe` until it returns a value, for at most `ms` (the fan-out polls the stream twice a second). */
async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (let attempt = 0; attempt < ms / 100 && Date.now() < deadline; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

/** A host app's copy of a directory, kept by the recipe of docs/host-api.md. */
class Replica {
  readonly users = new Map<string, { version: number; deleted: boolean; userName: string; active: boolean }>();
  readonly groups = new Map<string, { version: number; deleted: boolean; displayName: string }>();
  /** `<groupId> <memberId>` → present, and the sequence of the event that said so (none: from the backfill). */
  readonly members = new Map<string, { present: boolean; sequence?: bigint }>();

  upsertUser(user: DirectoryUser, deleted = false): void {
    const known = this.users.get(user.id);
    // Highest version wins; a deletion carries the last version and wins a tie.
    if (known !== undefined && (deleted ? user.version < known.version : user.version <= known.version)) return;
    if (known?.deleted === true && user.version <= known.version) return;
    this.users.set(user.id, { version: user.version, deleted, userName: user.userName, active: user.active });
  }

  upsertGroup(group: DirectoryGroup, deleted = false): void {
    const known = this.groups.get(group.id);
    if (known !== undefined && (deleted ? group.version < known.version : group.version <= known.version)) return;
    if (known?.deleted === true && group.version <= known.version) return;
    this.groups.set(group.id, { version: group.version, deleted, displayName: group.displayName });
  }

  setMember(groupId: string, memberId: string, present: boolean, sequence?: bigint): void {
    const key = `${groupId} ${memberId}`;
    const known = this.members.get(key);
    if (sequence !== undefined && known?.sequence !== undefined && sequence <= known.sequence) return;
    this.members.set(key, { present, ...(sequence === undefined ? {} : { sequence }) });
  }

  apply(event: DirectoryEvent): void {
    const resource = resourceOfEvent(event);
    if (resource?.kind === 'user') this.upsertUser(resource.user, resource.deleted);
    else if (resource?.kind === 'group') this.upsertGroup(resource.group, resource.deleted);
    else if (event.type === 'group.member_added' || event.type === 'group.member_removed') {
      this.setMember(event.groupId, event.member.id, event.type === 'group.member_added', BigInt(event.sequence));
    }
  }

  /** What the copy holds: live users and groups, and present memberships of live groups. */
  view() {
    const liveGroups = [...this.groups].filter(([, group]) => !group.deleted);
    const liveGroupIds = new Set(liveGroups.map(([id]) => id));
    return {
      users: Object.fromEntries([...this.users].filter(([, user]) => !user.deleted).map(([id, user]) => [id, `${user.userName} ${user.active} v${user.version}`])),
      groups: Object.fromEntries(liveGroups.map(([id, group]) => [id, group.displayName])),
      members: [...this.members].filter(([key, member]) => member.present && liveGroupIds.has(key.split(' ')[0]!)).map(([key]) => key).sort(),
    };
  }
}

describe('scim-admin events replay', () => {
  it('replays a directory through the Directory API of the local runtime, and refuses a bad window with exit code 1', async () => {
    const run = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(['--local', '--data-dir', runtime.dataDir, '--json', ...args], {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        env: {},
      });
      return { code, stdout, stderr };
    };
    const ok = await run(['events', 'replay', '--directory', directoryA.id, '--from', new Date(Date.now() - 3_600_000).toISOString()]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ directoryId: directoryA.id, state: 'COMPLETED', replayName: expect.stringMatching(/^scimds-/) });
    const refused = await run(['events', 'replay', '--directory', directoryA.id, '--from', 'last week']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: 'invalidValue' } });
  });
});

describe('backfill while the directory changes', () => {
  it('loses nothing and applies nothing out of order when events at or after the watermark are applied by version', async () => {
    const directory = await runtime.admin.createDirectory({ name: 'Backfill', provider: 'entra', organizationId: orgA });
    const scim = new ScimClient(runtime.admin.tenantUrl(directory.directory.id), directory.token.token);
    const directoryId = directory.directory.id;
    const userIds: string[] = [];
    for (let i = 0; i < 24; i++) userIds.push(await createUser(scim, `user${String(i).padStart(2, '0')}@backfill.example`));
    const groupA = await createGroup(scim, 'Group A', userIds.slice(0, 8));
    const groupB = await createGroup(scim, 'Group B', userIds.slice(8, 12));

    // Changes made while the backfill pages, at fixed points of its progress: to users already
    // read and not yet read, a delete, a create, memberships added and removed, a group renamed.
    let seenUsers = 0;
    const changes: Record<number, () => Promise<void>> = {
      3: async () => {
        await scim.patch(`/Users/${userIds[1]}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
        await scim.patch(`/Users/${userIds[20]}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Renamed' }] });
      },
      8: async () => {
        await patchMembers(scim, groupA, 'remove', userIds[0]!);
        await patchMembers(scim, groupB, 'add', userIds[0]!);
        expect((await scim.delete(`/Users/${userIds[22]}`)).status).toBe(204);
        userIds.push(await createUser(scim, 'late@backfill.example'));
      },
      15: async () => {
        await scim.patch(`/Users/${userIds[2]}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'renamed2@backfill.example' }] });
        await scim.patch(`/Groups/${groupA}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Group A2' }] });
        await patchMembers(scim, groupB, 'remove', userIds[9]!);
        await patchMembers(scim, groupB, 'add', userIds[9]!);
      },
    };

    const replica = new Replica();
    const reversedReplica = new Replica();
    const result = await backfillDirectory(
      api,
      directoryId,
      {
        user: async (user) => {
          replica.upsertUser(user);
          reversedReplica.upsertUser(user);
          await changes[++seenUsers]?.();
        },
        group: (group) => {
          replica.upsertGroup(group);
          reversedReplica.upsertGroup(group);
        },
        member: async (groupId, member) => {
          replica.setMember(groupId, member.id, true);
          reversedReplica.setMember(groupId, member.id, true);
          // One more change while the member listing pages.
          if (groupId === groupB && member.id === userIds[8]) await patchMembers(scim, groupB, 'remove', userIds[10]!);
        },
      },
      { limit: 5, organizationId: orgA },
    );
    expect(result.users).toBeGreaterThanOrEqual(23);
    expect(Date.parse(result.watermark)).toBeLessThan(Date.now());

    // The truth, read when nothing changes any more.
    const truth = new Replica();
    for await (const user of api.users(directoryId)) truth.upsertUser(user);
    for await (const group of api.groups(directoryId)) {
      truth.upsertGroup(group);
      for await (const member of api.members(directoryId, group.id)) truth.setMember(group.id, member.id, true);
    }
    expect(truth.view().users[userIds[22]!]).toBeUndefined();

    // Apply the events at or after the watermark, in order to one copy and in reverse order to the
    // other (EventBridge does not promise order); wait until the fan-out has delivered them all.
    // The local fan-out polls the stream; on a busy machine the last events can take a while.
    let converged = await waitFor(async () => {
      const recent = (await events(directoryId)).filter((event) => event.occurredAt >= result.watermark);
      const forward = cloneReplica(replica);
      const backward = cloneReplica(reversedReplica);
      for (const event of recent) forward.apply(event);
      for (const event of [...recent].reverse()) backward.apply(event);
      const same = JSON.stringify(forward.view()) === JSON.stringify(truth.view()) && JSON.stringify(backward.view()) === JSON.stringify(truth.view());
      return same ? { forward, backward } : undefined;
    }, 90_000);
    if (converged === undefined) {
      // One last look, failing with the difference if the copies still do not match.
      const recent = (await events(directoryId)).filter((event) => event.occurredAt >= result.watermark);
      const forward = cloneReplica(replica);
      for (const event of recent) forward.apply(event);
      expect(forward.view()).toEqual(truth.view());
      const backward = cloneReplica(reversedReplica);
      for (const event of [...recent].reverse()) backward.apply(event);
      expect(backward.view()).toEqual(truth.view());
      converged = { forward, backward };
    }
    expect(converged.forward.view()).toEqual(truth.view());
    expect(converged.backward.view()).toEqual(truth.view());
    // And the changes made during the backfill are really in the copy.
    const view = converged.forward.view();
    expect(view.users[userIds[1]!]).toMatch(/ false v2$/);
    expect(view.users[userIds[2]!]).toMatch(/^renamed2@backfill\.example /);
    expect(view.groups[groupA]).toBe('Group A2');
    expect(view.members).toContain(`${groupB} ${userIds[0]}`);
    expect(view.members).not.toContain(`${groupA} ${userIds[0]}`);
    expect(view.members).not.toContain(`${groupB} ${userIds[10]}`);
    expect(view.members).toContain(`${groupB} ${userIds[9]}`);
  }, 240_000);
});

function cloneReplica(source: Replica): Replica {
  const copy = new Replica();
  for (const [id, user] of source.users) copy.users.set(id, { ...user });
  for (const [id, group] of source.groups) copy.groups.set(id, { ...group });
  for (const [key, member] of source.members) copy.members.set(key, { ...member });
  return copy;
}
