/**
 * Okta-style flows, races and bad input over HTTP against the local runtime.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { USER_SCHEMA, GROUP_SCHEMA, PATCH_OP, ERROR } from '../support/urns.ts';


let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

describe('Okta-style provisioning', () => {
  const prefix = `okta-${randomUUID().slice(0, 6)}`;
  const ids: string[] = [];

  it('creates users, then finds one with an upper-case userName eq filter', async () => {
    for (const name of ['alice', 'bob', 'carol']) {
      const reply = await runtime.client.post('/Users', {
        schemas: [USER_SCHEMA],
        userName: `${prefix}.${name}@example.com`,
        name: { givenName: name, familyName: 'Example' },
        emails: [{ primary: true, value: `${prefix}.${name}@example.com`, type: 'work' }],
        displayName: `${name} Example`,
        locale: 'en-US',
        externalId: `00u${name}`,
        groups: [],
        password: 'not-stored-1!',
        active: true,
      });
      expect(reply.status).toBe(201);
      expect(reply.body.password).toBeUndefined();
      ids.push(reply.body.id);
    }
    const reply = await runtime.client.get(`/Users?filter=${encodeURIComponent(`userName eq "${prefix.toUpperCase()}.ALICE@EXAMPLE.COM"`)}&startIndex=1&count=100`);
    expect(reply.status).toBe(200);
    expect(reply.body.totalResults).toBe(1);
    expect(reply.body.Resources[0].userName).toBe(`${prefix}.alice@example.com`);
  });

  it('provisions two people whose externalId (Entra ID maps mailNickname to it) is the same, and finds both by it', async () => {
    const nickname = `john-${randomUUID().slice(0, 8)}`;
    const created = [];
    for (const domain of ['contoso.example', 'fabrikam.example']) {
      const reply = await runtime.client.post('/Users', { schemas: [USER_SCHEMA], userName: `${nickname}@${domain}`, externalId: nickname, active: true });
      expect(reply.status).toBe(201);
      created.push(reply.body.id as string);
    }
    const found = await runtime.client.get(`/Users?filter=${encodeURIComponent(`externalId eq "${nickname}"`)}`);
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(2);
    expect(found.body.Resources.map((user: { id: string }) => user.id).sort()).toEqual(created.sort());
  });

  it('pages with startIndex=1&count=2 through every user exactly once', async () => {
    const seen: string[] = [];
    const total = (await runtime.client.get('/Users?count=0')).body.totalResults as number;
    for (let startIndex = 1; startIndex <= total; startIndex += 2) {
      const reply = await runtime.client.get(`/Users?startIndex=${startIndex}&count=2`);
      expect(reply.status).toBe(200);
      expect(reply.body.startIndex).toBe(startIndex);
      expect(reply.body.itemsPerPage).toBeLessThanOrEqual(2);
      seen.push(...reply.body.Resources.map((user: { id: string }) => user.id));
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(seen).toEqual(expect.arrayContaining(ids));
  });

  it('clamps bad paging values as RFC 7644 says', async () => {
    const reply = await runtime.client.get('/Users?startIndex=-4&count=-1');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('replaces a user with PUT, deactivating it', async () => {
    const id = ids[1] as string;
    const current = await runtime.client.get(`/Users/${id}`);
    const reply = await runtime.client.put(`/Users/${id}`, { ...current.body, active: false, title: 'Former employee', name: { givenName: 'Bob', familyName: 'Example' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id, active: false, title: 'Former employee', name: { givenName: 'Bob', familyName: 'Example' } });
    expect(reply.headers.get('etag')).toBe('W/"2"');
    const stale = await runtime.client.put(`/Users/${id}`, { ...current.body, active: true }, { 'If-Match': 'W/"1"' });
    expect(stale.status).toBe(412);
  });

  it('creates a group with members on POST and replaces them with PUT', async () => {
    const created = await runtime.client.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: `${prefix} Engineering`,
      members: [{ value: ids[0] }, { value: ids[1], display: 'bob' }],
    });
    expect(created.status).toBe(201);
    expect(created.body.members.map((member: { value: string }) => member.value).sort()).toEqual([ids[0], ids[1]].sort());
    const replaced = await runtime.client.put(`/Groups/${created.body.id}`, {
      schemas: [GROUP_SCHEMA],
      displayName: `${prefix} Engineering`,
      members: [{ value: ids[2] }],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.members.map((member: { value: string }) => member.value)).toEqual([ids[2]]);
    const alice = await runtime.client.get(`/Users/${ids[0]}`);
    expect(alice.body.groups).toBeUndefined();
  });
});

describe('races', () => {
  it('concurrent creates of one userName: exactly one 201, the rest 409', async () => {
    const userName = `race-${randomUUID()}`;
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => runtime.client.post('/Users', { schemas: [USER_SCHEMA], userName: i % 2 === 0 ? userName : userName.toUpperCase(), active: true })),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(7);
    const found = await runtime.client.get(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    expect(found.body.totalResults).toBe(1);
  });

  it('concurrent member adds to one group: none lost', async () => {
    const group = await runtime.client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `race-${randomUUID()}` });
    const users = await Promise.all(
      Array.from({ length: 10 }, () => runtime.client.post('/Users', { schemas: [USER_SCHEMA], userName: `member-${randomUUID()}` })),
    );
    const replies = await Promise.all(
      users.map((user) =>
        runtime.client.patch(`/Groups/${group.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: user.body.id }] }] }),
      ),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(10).fill(204));
    const read = await runtime.client.get(`/Groups/${group.body.id}`);
    expect(read.body.members.map((member: { value: string }) => member.value).sort()).toEqual(users.map((user) => user.body.id).sort());
  });
});

describe('bad input', () => {
  it('answers each malformed request with its RFC 7644 status and scimType, and changes nothing', async () => {
    const user = await runtime.client.post('/Users', { schemas: [USER_SCHEMA], userName: `bad-${randomUUID()}` });
    // [method, path, body, status, scimType (none for statuses RFC 7644 §3.12 gives no scimType), headers]
    const cases: Array<[string, string, unknown, number, string | undefined, Record<string, string>?]> = [
      ['POST', '/Users', '{not json', 400, 'invalidSyntax'],
      ['POST', '/Users', '', 400, 'invalidSyntax'],
      ['POST', '/Users', { schemas: [USER_SCHEMA] }, 400, 'invalidValue'],
      ['POST', '/Users', { schemas: [USER_SCHEMA], userName: 42 }, 400, 'invalidValue'],
      ['POST', '/Users', '[]', 400, 'invalidSyntax'],
      ['POST', '/Users', { schemas: [USER_SCHEMA], userName: 'x' }, 415, undefined, { 'Content-Type': 'text/plain' }],
      ['GET', '/Users?filter=userName%20eq', undefined, 400, 'invalidFilter'],
      ['GET', '/Users?filter=((((', undefined, 400, 'invalidFilter'],
      ['GET', '/Users?filter=active%20gt%20true', undefined, 400, 'invalidFilter'],
      ['GET', '/Users?cursor=garbage', undefined, 400, 'invalidCursor'],
      ['GET', '/Users?cursor=&startIndex=2', undefined, 400, 'invalidValue'],
      ['PATCH', `/Users/${user.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'move', path: 'title' }] }, 400, 'invalidSyntax'],
      ['PATCH', `/Users/${user.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove' }] }, 400, 'noTarget'],
      ['PATCH', `/Users/${user.body.id}`, { Operations: 'nope' }, 400, 'invalidSyntax'],
      ['PUT', `/Users/${randomUUID()}`, { schemas: [USER_SCHEMA], userName: 'ghost' }, 404, undefined],
      // Every method reaches the collection's function, which answers the ones it does not serve with 405.
      ['DELETE', '/Users', undefined, 405, undefined],
      ['GET', '/Nope', undefined, 404, undefined],
    ];
    for (const [method, path, body, status, scimType, headers] of cases) {
      const reply = await runtime.client.request(method, path, body, headers);
      const label = `${method} ${path} ${typeof body === 'string' ? JSON.stringify(body) : ''}`;
      expect({ status: reply.status, scimType: reply.body.scimType }, label).toEqual({ status, scimType });
      expect(reply.headers.get('content-type'), label).toBe('application/scim+json');
      expect(reply.body, label).toMatchObject({ schemas: [ERROR], status: String(status) });
      expect(typeof reply.body.detail, label).toBe('string');
    }
    const after = await runtime.client.get(`/Users/${user.body.id}`);
    expect(after.body.meta.version).toBe('W/"1"');
  });

  it('never answers a 5xx to arbitrary filters and PATCH bodies (property)', async () => {
    const user = await runtime.client.post('/Users', { schemas: [USER_SCHEMA], userName: `prop-${randomUUID()}` });
    const operation = fc.record(
      {
        op: fc.constantFrom('add', 'Replace', 'remove', 'REMOVE', 'copy'),
        path: fc.oneof(fc.constantFrom('title', 'emails[type eq "work"].value', 'name.givenName', 'members', 'active', 'urn:x:y', 'emails[', 'id'), fc.string()),
        value: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.jsonValue()),
      },
      { requiredKeys: ['op'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.array(operation, { maxLength: 4 }), async (filter, operations) => {
        const list = await runtime.client.get(`/Users?filter=${encodeURIComponent(filter)}`);
        expect(list.status).toBeLessThan(500);
        const patched = await runtime.client.patch(`/Users/${user.body.id}`, { schemas: [PATCH_OP], Operations: operations });
        expect(patched.status).toBeLessThan(500);
        if (patched.status >= 400) expect(patched.body.schemas).toEqual([ERROR]);
      }),
      { numRuns: 60 },
    );
  });
});
