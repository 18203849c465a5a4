import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedMethodsOf,
  gatewayMethodsOf,
  HOST_API_ROUTES,
  matchRoute,
  PORTAL_ROUTES,
  resolveScimPath,
  ROUTES,
  SCIM_FALLBACK_ROUTE,
  SCIM_ROUTES,
} from '../../functions/http/routes.ts';

describe('route table', () => {
  it('names every route once, with its door and the authorisation that door needs', () => {
    const keys = ROUTES.flatMap((route) => route.methods.map((method) => `${method} ${route.resource}`));
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of [...SCIM_ROUTES, SCIM_FALLBACK_ROUTE]) expect([route.door, route.authorization, route.resource.startsWith('/scim/v2/{directoryId}/')]).toEqual(['scim', 'none', true]);
    for (const route of HOST_API_ROUTES) expect([route.door, route.endpoint, route.authorization, route.resource.startsWith('/api/v1/')]).toEqual(['host', 'directoryApi', 'iam', true]);
    for (const route of PORTAL_ROUTES) expect([route.door, route.endpoint, route.authorization]).toEqual(['portal', 'portal', 'none']);
  });
});

describe('matchRoute', () => {
  it.each([
    ['GET', '/scim/v2/d1/Users', '/scim/v2/{directoryId}/Users', 'Users', { directoryId: 'd1' }],
    ['PATCH', '/scim/v2/d1/Groups/g%201', '/scim/v2/{directoryId}/Groups/{id}', 'Groups', { directoryId: 'd1', id: 'g 1' }],
    ['GET', '/scim/v2/d1/Schemas/urn:x', '/scim/v2/{directoryId}/Schemas/{urn}', 'discovery', { directoryId: 'd1', urn: 'urn:x' }],
    ['GET', '/api/v1/directories', '/api/v1/directories', 'directoryApi', {}],
    ['GET', '/api/v1/directories/d1/users/u1', '/api/v1/directories/{directoryId}/users/{userId}', 'directoryApi', { directoryId: 'd1', userId: 'u1' }],
    ['GET', '/api/v1/directories/d1/groups/g1/members', '/api/v1/directories/{directoryId}/groups/{groupId}/members', 'directoryApi', { directoryId: 'd1', groupId: 'g1' }],
    ['POST', '/api/v1/portal-links', '/api/v1/portal-links', 'directoryApi', {}],
    ['POST', '/api/v1/directories/d1/replays', '/api/v1/directories/{directoryId}/replays', 'directoryApi', { directoryId: 'd1' }],
    // Every method reaches a SCIM route's function, which answers 405 with Allow for the ones it does not serve.
    ['DELETE', '/scim/v2/d1/Users', '/scim/v2/{directoryId}/Users', 'Users', { directoryId: 'd1' }],
    ['PATCH', '/scim/v2/d1/ServiceProviderConfig', '/scim/v2/{directoryId}/ServiceProviderConfig', 'discovery', { directoryId: 'd1' }],
    // Other spellings, and paths no endpoint has, go to the fallback route.
    ['GET', '/scim/v2/d1/users', '/scim/v2/{directoryId}/{proxy+}', 'scimFallback', { directoryId: 'd1', proxy: 'users' }],
    ['POST', '/scim/v2/d1/USERS/u1', '/scim/v2/{directoryId}/{proxy+}', 'scimFallback', { directoryId: 'd1', proxy: 'USERS/u1' }],
    ['GET', '/scim/v2/d1/Users/u1/extra', '/scim/v2/{directoryId}/{proxy+}', 'scimFallback', { directoryId: 'd1', proxy: 'Users/u1/extra' }],
    ['GET', '/portal', '/portal', 'portal', {}],
    ['POST', '/portal/', '/portal', 'portal', {}],
    ['GET', '/portal/users', '/portal/{proxy+}', 'portal', { proxy: 'users' }],
    ['POST', '/portal/directories/d%2F1/tokens', '/portal/{proxy+}', 'portal', { proxy: 'directories/d/1/tokens' }],
  ])('%s %s → %s', (method, path, resource, endpoint, pathParameters) => {
    expect(matchRoute(method, path)).toMatchObject({ resource, endpoint, pathParameters });
  });

  it.each([
    ['GET', '/scim/v2/d1'],
    ['GET', '/SCIM/v2/d1/Users'],
    ['POST', '/api/v1/directories'],
    ['GET', '/api/v1/portal-links'],
    ['GET', '/api/v2/directories'],
    ['DELETE', '/portal/x'],
    ['PUT', '/portal'],
    ['GET', '/scim/v2/d1/Users/%E0%A4%A'],
  ])('%s %s matches no route', (method, path) => {
    expect(matchRoute(method, path)).toBeUndefined();
  });

  it('prefers a literal segment over a path variable, whatever the table order', () => {
    const routes = [
      { resource: '/a/{x}', endpoint: 'portal', methods: ['GET'], door: 'portal', authorization: 'none' },
      { resource: '/a/b', endpoint: 'directoryApi', methods: ['GET'], door: 'host', authorization: 'iam' },
    ] as const;
    expect(matchRoute('GET', '/a/b', routes)?.endpoint).toBe('directoryApi');
    expect(matchRoute('GET', '/a/c', routes)?.endpoint).toBe('portal');
  });
});

describe('gateway methods', () => {
  it('send every method to a SCIM route, and only the served ones to the other doors', () => {
    for (const route of [...SCIM_ROUTES, SCIM_FALLBACK_ROUTE]) expect(gatewayMethodsOf(route)).toEqual(['ANY']);
    for (const route of [...HOST_API_ROUTES, ...PORTAL_ROUTES]) expect(gatewayMethodsOf(route)).toEqual(route.methods);
  });

  it('name the methods a collection serves, for the Allow header of a 405', () => {
    expect(allowedMethodsOf('/scim/v2/{directoryId}/Users')).toEqual(['GET', 'POST']);
    expect(allowedMethodsOf('/scim/v2/{directoryId}/Groups/{id}')).toEqual(['GET', 'PUT', 'PATCH', 'DELETE']);
    expect(allowedMethodsOf('/scim/v2/{directoryId}/Schemas')).toEqual(['GET']);
  });
});

describe('resolveScimPath', () => {
  /** A path to a SCIM route below the Tenant URL, with made-up values in place of its variables. */
  const concrete = (resource: string, values: string[]): { path: string; parameters: Record<string, string> } => {
    const parameters: Record<string, string> = {};
    let next = 0;
    const path = resource
      .slice('/scim/v2/{directoryId}/'.length)
      .split('/')
      .map((part) => {
        if (!part.startsWith('{')) return part;
        const value = values[next++ % values.length] as string;
        parameters[part.slice(1, -1)] = value;
        return value;
      })
      .join('/');
    return { path, parameters };
  };
  const recase = (text: string, uppers: boolean[]): string =>
    [...text].map((c, i) => (uppers[i % uppers.length] ? c.toUpperCase() : c.toLowerCase())).join('');

  it('resolves any letter case of every endpoint name to its canonical route, and keeps the values as sent', () => {
    const value = fc.stringMatching(/^[A-Za-z0-9:._-]{1,20}$/);
    fc.assert(
      fc.property(fc.constantFrom(...SCIM_ROUTES), fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }), fc.array(value, { minLength: 1, maxLength: 2 }), fc.boolean(), (route, uppers, values, trailingSlash) => {
        const { path, parameters } = concrete(route.resource, values);
        // Only the literal segments change case; the values stay as the client sent them.
        const spelled = path
          .split('/')
          .map((part, i) => (route.resource.split('/').slice(4)[i]?.startsWith('{') ? part : recase(part, uppers)))
          .join('/');
        const resolved = resolveScimPath(trailingSlash ? `${spelled}/` : spelled);
        expect(resolved?.route).toBe(route);
        expect(resolved?.pathParameters).toEqual(parameters);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['users', '/scim/v2/{directoryId}/Users', {}],
    ['USERS/2819c223-7f76-453a-919d-413861904646', '/scim/v2/{directoryId}/Users/{id}', { id: '2819c223-7f76-453a-919d-413861904646' }],
    ['groups/AbC', '/scim/v2/{directoryId}/Groups/{id}', { id: 'AbC' }],
    ['serviceproviderconfig', '/scim/v2/{directoryId}/ServiceProviderConfig', {}],
    ['resourcetypes/User', '/scim/v2/{directoryId}/ResourceTypes/{name}', { name: 'User' }],
    ['schemas/urn:ietf:params:scim:schemas:core:2.0:User', '/scim/v2/{directoryId}/Schemas/{urn}', { urn: 'urn:ietf:params:scim:schemas:core:2.0:User' }],
    ['Users/a%20b', '/scim/v2/{directoryId}/Users/{id}', { id: 'a%20b' }],
  ])('%s is %s', (proxy, resource, pathParameters) => {
    expect(resolveScimPath(proxy)).toEqual({ route: SCIM_ROUTES.find((route) => route.resource === resource), pathParameters });
  });

  it.each(['', 'user', 'userss', 'Bulk', 'Me', 'users/1/2', 'ſchemas', 'ſervice', 'scim/v2/Users', 'Users\u0000'])('%s names no endpoint', (proxy) => {
    expect(resolveScimPath(proxy)).toBeUndefined();
  });

  it('names no endpoint for random paths other than the endpoint names', () => {
    const names = new Set(['users', 'groups', 'serviceproviderconfig', 'resourcetypes', 'schemas']);
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z]{1,24}$/), (name) => {
        fc.pre(!names.has(name.toLowerCase()));
        expect(resolveScimPath(name)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
