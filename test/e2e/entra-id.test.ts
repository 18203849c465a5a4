/**
 * The request/response sequence of Microsoft's "Develop and plan provisioning for a SCIM endpoint"
 * tutorial, as Entra ID sends it by default and with the `aadOptscim062020` feature flag, over
 * HTTP against the local runtime.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { USER_SCHEMA, ENTERPRISE, GROUP_SCHEMA, PATCH_OP, LIST, ERROR } from '../support/urns.ts';


let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

/** The two shapes Entra ID speaks: default, and with the aadOptscim062020 flag. */
const shapes = [
  { name: 'default', flag: false },
  { name: 'aadOptscim062020', flag: true },
] as const;

describe.each(shapes)('Entra ID provisioning sequence ($name)', ({ flag }) => {
  const q = (query: string) => (flag ? `${query}${query.includes('?') ? '&' : '?'}aadOptscim062020` : query);
  const op = (name: 'Add' | 'Replace' | 'Remove') => (flag ? name.toLowerCase() : name);
  const bool = (value: boolean) => (flag ? value : value ? 'True' : 'False');
  const suffix = randomUUID();
  const userName = `Test_User_${suffix}`;
  const externalId = randomUUID();
  let userId = '';
  let groupId = '';

  it('Test Connection: a filter for a random GUID answers 200 with an empty list', async () => {
    const reply = await runtime.client.get(q(`/Users?filter=${encodeURIComponent(`id eq "${randomUUID()}"`)}`));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ schemas: [LIST], totalResults: 0, Resources: [] });
    const unquoted = await runtime.client.get(q(`/Users?filter=${encodeURIComponent(`userName eq ${randomUUID()}`)}`));
    expect(unquoted.status).toBe(200);
    expect(unquoted.body.totalResults).toBe(0);
  });

  it('Get User by query, zero results', async () => {
    const reply = await runtime.client.get(q(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('Create User', async () => {
    const reply = await runtime.client.post(q('/Users'), {
      schemas: [USER_SCHEMA, ENTERPRISE],
      externalId,
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: `Test_User_${suffix}@testuser.com` }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations', manager: null },
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('content-type')).toBe('application/scim+json');
    userId = reply.body.id;
    expect(userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.headers.get('location')).toBe(`${runtime.tenantUrl}/Users/${userId}`);
    expect(reply.headers.get('etag')).toBe('W/"1"');
    expect(reply.body).toMatchObject({
      schemas: expect.arrayContaining([USER_SCHEMA, ENTERPRISE]),
      id: userId,
      externalId,
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: `Test_User_${suffix}@testuser.com` }],
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations' },
      meta: { resourceType: 'User', location: `${runtime.tenantUrl}/Users/${userId}`, version: 'W/"1"' },
    });
    expect(reply.body[ENTERPRISE].manager).toBeUndefined();
  });

  it('Get User', async () => {
    const reply = await runtime.client.get(q(`/Users/${userId}`));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: userId, userName, externalId, active: true });
  });

  it('Get User by query (userName and externalId, unquoted too)', async () => {
    for (const filter of [`userName eq "${userName}"`, `userName eq "${userName.toUpperCase()}"`, `externalId eq "${externalId}"`, `externalId eq ${externalId}`]) {
      const reply = await runtime.client.get(q(`/Users?filter=${encodeURIComponent(filter)}`));
      expect(reply.status, filter).toBe(200);
      expect(reply.body.totalResults, filter).toBe(1);
      expect(reply.body.Resources[0].id, filter).toBe(userId);
    }
  });

  it('Create User again after a lost response: 409 uniqueness, still one user', async () => {
    const reply = await runtime.client.post(q('/Users'), { schemas: [USER_SCHEMA], userName, externalId: randomUUID(), active: true });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    const found = await runtime.client.get(q(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`));
    expect(found.body.totalResults).toBe(1);
  });

  it('Update User [multi-valued properties], including an email type the user does not have yet', async () => {
    const reply = await runtime.client.patch(q(`/Users/${userId}`), {
      schemas: [PATCH_OP],
      Operations: [
        { op: op('Replace'), path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: op('Replace'), path: 'name.familyName', value: 'updatedFamilyName' },
        { op: op('Add'), path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
      ],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.emails).toEqual([{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }]);
    expect(reply.body.name.familyName).toBe('updatedFamilyName');
    expect(reply.body.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    expect(reply.body.meta.version).toBe('W/"2"');
  });

  it('Update User [single-valued properties] and enterprise attributes', async () => {
    // The manager is a user of the same directory (Entra ID provisions managers as users too).
    const boss = await runtime.client.post(q('/Users'), { schemas: [USER_SCHEMA], userName: `Manager_${randomUUID()}`, active: true });
    expect(boss.status).toBe(201);
    const managerId = boss.body.id as string;
    const operations = flag
      ? [
          { op: 'replace', value: { 'name.givenName': 'Updated', [`${ENTERPRISE}:department`]: 'Research' } },
          { op: 'replace', path: `${ENTERPRISE}:manager`, value: managerId },
        ]
      : [
          { op: 'Replace', path: 'name.givenName', value: 'Updated' },
          { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Research' },
          { op: 'Add', path: `${ENTERPRISE}:manager`, value: managerId },
        ];
    const reply = await runtime.client.patch(q(`/Users/${userId}`), { schemas: [PATCH_OP], Operations: operations });
    expect(reply.status).toBe(200);
    expect(reply.body.name.givenName).toBe('Updated');
    expect(reply.body[ENTERPRISE]).toMatchObject({ department: 'Research', manager: { value: managerId, $ref: `${runtime.tenantUrl}/Users/${managerId}` } });
  });

  it('Disable User: active=false keeps the user readable and findable', async () => {
    const reply = await runtime.client.patch(q(`/Users/${userId}`), {
      schemas: [PATCH_OP],
      Operations: [{ op: op('Replace'), path: 'active', value: bool(false) }],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.active).toBe(false);
    const read = await runtime.client.get(q(`/Users/${userId}`));
    expect(read.body.active).toBe(false);
    const found = await runtime.client.get(q(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`));
    expect(found.body.Resources[0].active).toBe(false);
  });

  it('Create Group with the ADSCIM schema and an empty member list', async () => {
    const reply = await runtime.client.post(q('/Groups'), {
      externalId: randomUUID(),
      id: 'ignored-by-the-service',
      displayName: `Group_${suffix}`,
      meta: { resourceType: 'Group' },
      members: [],
      schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
    });
    expect(reply.status).toBe(201);
    groupId = reply.body.id;
    expect(groupId).not.toBe('ignored-by-the-service');
    expect(reply.body).toMatchObject({ displayName: `Group_${suffix}`, meta: { resourceType: 'Group' } });
  });

  it('Get Group with excludedAttributes=members, and by displayName', async () => {
    const reply = await runtime.client.get(q(`/Groups/${groupId}?excludedAttributes=members`));
    expect(reply.status).toBe(200);
    expect(reply.body.members).toBeUndefined();
    const found = await runtime.client.get(q(`/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "Group_${suffix}"`)}`));
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0]).toMatchObject({ id: groupId, displayName: `Group_${suffix}` });
  });

  it('Update Group [non-member attributes] answers 204', async () => {
    const reply = await runtime.client.patch(q(`/Groups/${groupId}`), {
      schemas: [PATCH_OP],
      Operations: [{ op: op('Replace'), path: 'displayName', value: `Renamed_${suffix}` }],
    });
    expect(reply.status).toBe(204);
    expect(reply.body).toBeUndefined();
    const read = await runtime.client.get(q(`/Groups/${groupId}`));
    expect(read.body.displayName).toBe(`Renamed_${suffix}`);
  });

  it('Update Group [add members], twice: adding an existing member changes nothing', async () => {
    const body = { schemas: [PATCH_OP], Operations: [{ op: op('Add'), path: 'members', value: [{ $ref: null, value: userId }] }] };
    expect((await runtime.client.patch(q(`/Groups/${groupId}`), body)).status).toBe(204);
    const first = await runtime.client.get(q(`/Groups/${groupId}`));
    expect((await runtime.client.patch(q(`/Groups/${groupId}`), body)).status).toBe(204);
    const second = await runtime.client.get(q(`/Groups/${groupId}`));
    expect(second.body.members).toEqual([{ value: userId, $ref: `${runtime.tenantUrl}/Users/${userId}`, type: 'User', display: expect.any(String) }]);
    expect(second.body.meta.version).toBe(first.body.meta.version);
    const user = await runtime.client.get(q(`/Users/${userId}`));
    expect(user.body.groups).toEqual([{ value: groupId, $ref: `${runtime.tenantUrl}/Groups/${groupId}`, type: 'direct' }]);
  });

  it('Update Group [add members] with an unknown id is rejected and stores nothing', async () => {
    const before = await runtime.client.get(q(`/Groups/${groupId}`));
    const reply = await runtime.client.patch(q(`/Groups/${groupId}`), {
      schemas: [PATCH_OP],
      Operations: [
        { op: op('Replace'), path: 'displayName', value: 'Should not stick' },
        { op: op('Add'), path: 'members', value: [{ value: randomUUID() }] },
      ],
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidValue' });
    const after = await runtime.client.get(q(`/Groups/${groupId}`));
    expect(after.body).toEqual(before.body);
  });

  it('Update Group [remove members]', async () => {
    const operation = flag
      ? { op: 'remove', path: `members[value eq "${userId}"]` }
      : { op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] };
    const reply = await runtime.client.patch(q(`/Groups/${groupId}`), { schemas: [PATCH_OP], Operations: [operation] });
    expect(reply.status).toBe(204);
    const read = await runtime.client.get(q(`/Groups/${groupId}`));
    expect(read.body.members ?? []).toEqual([]);
    const user = await runtime.client.get(q(`/Users/${userId}`));
    expect(user.body.groups).toBeUndefined();
  });

  it('Delete User removes its memberships; a second delete is 404', async () => {
    await runtime.client.patch(q(`/Groups/${groupId}`), { schemas: [PATCH_OP], Operations: [{ op: op('Add'), path: 'members', value: [{ value: userId }] }] });
    expect((await runtime.client.delete(q(`/Users/${userId}`))).status).toBe(204);
    expect((await runtime.client.get(q(`/Users/${userId}`))).status).toBe(404);
    const group = await runtime.client.get(q(`/Groups/${groupId}`));
    expect(group.body.members ?? []).toEqual([]);
    const again = await runtime.client.delete(q(`/Users/${userId}`));
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ schemas: [ERROR], status: '404' });
  });

  it('Delete Group', async () => {
    expect((await runtime.client.delete(q(`/Groups/${groupId}`))).status).toBe(204);
    expect((await runtime.client.get(q(`/Groups/${groupId}`))).status).toBe(404);
  });
});

describe('discovery', () => {
  it('describes the service: ServiceProviderConfig, ResourceTypes and Schemas', async () => {
    const config = await runtime.client.get('/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({ patch: { supported: true }, bulk: { supported: false }, filter: { supported: true }, etag: { supported: true } });
    const types = await runtime.client.get('/ResourceTypes');
    expect(types.body).toMatchObject({ schemas: [LIST], totalResults: 2 });
    expect((await runtime.client.get('/ResourceTypes/User')).body).toMatchObject({ id: 'User', endpoint: '/Users' });
    const schemaList = await runtime.client.get('/Schemas');
    expect(schemaList.body.Resources.map((schema: { id: string }) => schema.id)).toEqual(expect.arrayContaining([USER_SCHEMA, ENTERPRISE, GROUP_SCHEMA]));
    expect((await runtime.client.get(`/Schemas/${ENTERPRISE}`)).body.id).toBe(ENTERPRISE);
    expect((await runtime.client.get('/Schemas/urn:nope')).status).toBe(404);
  });
});

describe('authentication', () => {
  it('answers 401 with a SCIM body and WWW-Authenticate for a missing or wrong token, or an unknown directory', async () => {
    const tenant = runtime.tenantUrl;
    const otherDirectory = tenant.replace(/[^/]+$/, 'no-such-directory');
    for (const [url, headers] of [
      [`${tenant}/Users`, {}],
      [`${tenant}/Users`, { Authorization: 'Bearer scimds_wrong' }],
      [`${tenant}/Users`, { Authorization: `Basic ${runtime.token}` }],
      [`${otherDirectory}/Users`, { Authorization: `Bearer ${runtime.token}` }],
    ] as const) {
      const response = await fetch(url, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(response.headers.get('content-type')).toBe('application/scim+json');
      expect(await response.json()).toMatchObject({ schemas: [ERROR], status: '401' });
    }
  });
});
