/**
 * Endpoint names in any letter case, over HTTP against the local runtime: the calls of Microsoft's
 * reference SCIM test collection (`/users`, `/groups`, `/serviceproviderconfig`, ...) answer what
 * their canonical spellings answer, and a method or path no route serves answers a SCIM error.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type ScimReply, type TestRuntime } from '../support/local-runtime.ts';
import { ENTERPRISE, ERROR, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

/** Asserts an RFC 7644 §3.12 error body with the SCIM media type, and returns the reply. */
function expectScimError(reply: ScimReply, status: number): ScimReply {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/scim+json');
  expect(reply.body).toMatchObject({ schemas: [ERROR], status: String(status) });
  return reply;
}

describe("Microsoft's lower-case calls", () => {
  const userName = `lower-${randomUUID()}@example.com`;
  let userId = '';

  it('POST /users creates the user at its canonical location', async () => {
    const reply = await runtime.client.post('/users', { schemas: [USER_SCHEMA], userName, active: true, name: { givenName: 'Lower', familyName: 'Case' } });
    expect(reply.status).toBe(201);
    userId = reply.body.id;
    expect(reply.headers.get('location')).toBe(`${runtime.tenantUrl}/Users/${userId}`);
    expect(reply.body.meta.location).toBe(`${runtime.tenantUrl}/Users/${userId}`);
    expect(await runtime.client.get(`/Users/${userId}`)).toMatchObject({ status: 200, body: reply.body });
  });

  it('GET /users?filter=userName eq "..." answers as GET /Users does', async () => {
    const query = `?filter=${encodeURIComponent(`userName eq "${userName}"`)}`;
    const lower = await runtime.client.get(`/users${query}`);
    expect(lower.status).toBe(200);
    expect(lower.body.totalResults).toBe(1);
    expect(lower.body).toEqual((await runtime.client.get(`/Users${query}`)).body);
  });

  it('PATCH /users/{id} applies the operations and answers as PATCH /Users/{id} would', async () => {
    const patch = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Interop' }] };
    const lower = await runtime.client.patch(`/users/${userId}`, patch);
    expect(lower.status).toBe(200);
    expect(lower.body[ENTERPRISE]).toEqual({ department: 'Interop' });
    const canonical = await runtime.client.patch(`/Users/${userId}`, patch);
    expect(canonical.status).toBe(200);
    // Same state, same answer, one version apart.
    expect({ ...canonical.body, meta: { ...canonical.body.meta, version: undefined, lastModified: undefined } }).toEqual({
      ...lower.body,
      meta: { ...lower.body.meta, version: undefined, lastModified: undefined },
    });
  });

  it('GET /groups answers as GET /Groups does', async () => {
    const created = await runtime.client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `lower-${randomUUID()}`, members: [{ value: userId }] });
    expect(created.status).toBe(201);
    const lower = await runtime.client.get('/groups?excludedAttributes=members');
    expect(lower.status).toBe(200);
    expect(lower.body.totalResults).toBeGreaterThanOrEqual(1);
    expect(lower.body).toEqual((await runtime.client.get('/Groups?excludedAttributes=members')).body);
  });

  it.each([
    ['/serviceproviderconfig', '/ServiceProviderConfig'],
    ['/schemas', '/Schemas'],
    ['/resourcetypes', '/ResourceTypes'],
    ['/resourcetypes/User', '/ResourceTypes/User'],
    [`/SCHEMAS/${ENTERPRISE}`, `/Schemas/${ENTERPRISE}`],
    ['/Users/', '/Users'],
    ['/USERS?count=1', '/Users?count=1'],
  ])('GET %s answers as GET %s does', async (spelled, canonical) => {
    const reply = await runtime.client.get(spelled);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual((await runtime.client.get(canonical)).body);
  });

  it('GET /users/{id} keeps the id as sent: another case of it is another (unknown) id', async () => {
    expect((await runtime.client.get(`/users/${userId}`)).body.id).toBe(userId);
    expectScimError(await runtime.client.get(`/users/${userId.toUpperCase()}`), 404);
  });
});

describe('methods and paths no route serves', () => {
  it.each(['/Users', '/users', '/GROUPS'])('DELETE %s answers 405 with Allow: GET, POST', async (path) => {
    const reply = expectScimError(await runtime.client.delete(path), 405);
    expect(reply.headers.get('allow')).toBe('GET, POST');
  });

  it('PUT and PATCH on a collection answer 405 with Allow, and change nothing', async () => {
    const before = (await runtime.client.get('/Users?count=0')).body.totalResults;
    for (const method of ['PUT', 'PATCH']) {
      const reply = expectScimError(await runtime.client.request(method, '/Users', { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'active' }] }), 405);
      expect(reply.headers.get('allow')).toBe('GET, POST');
    }
    expect((await runtime.client.get('/Users?count=0')).body.totalResults).toBe(before);
  });

  it('POST on a discovery endpoint answers 405 with Allow: GET', async () => {
    const reply = expectScimError(await runtime.client.post('/serviceproviderconfig', {}), 405);
    expect(reply.headers.get('allow')).toBe('GET');
  });

  it.each(['/nothing', '/Users/a/b', '/ſchemas'])('GET %s answers a SCIM 404', async (path) => {
    expectScimError(await runtime.client.get(path), 404);
  });

  it.each(['/Me', '/Bulk'])('%s, which ServiceProviderConfig says is not supported, answers a SCIM 501', async (path) => {
    expectScimError(await runtime.client.get(path), 501);
  });
});
