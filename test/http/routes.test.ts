import { describe, expect, it } from 'vitest';
import { HOST_API_ROUTES, matchRoute, PORTAL_ROUTES, ROUTES, SCIM_ROUTES } from '../../functions/http/routes.ts';

describe('route table', () => {
  it('names every route once, with its door and the authorisation that door needs', () => {
    const keys = ROUTES.flatMap((route) => route.methods.map((method) => `${method} ${route.resource}`));
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of SCIM_ROUTES) expect([route.door, route.authorization, route.resource.startsWith('/scim/v2/{directoryId}/')]).toEqual(['scim', 'none', true]);
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
    ['GET', '/portal', '/portal', 'portal', {}],
    ['POST', '/portal/', '/portal', 'portal', {}],
    ['GET', '/portal/users', '/portal/{proxy+}', 'portal', { proxy: 'users' }],
    ['POST', '/portal/directories/d%2F1/tokens', '/portal/{proxy+}', 'portal', { proxy: 'directories/d/1/tokens' }],
  ])('%s %s → %s', (method, path, resource, endpoint, pathParameters) => {
    expect(matchRoute(method, path)).toMatchObject({ resource, endpoint, pathParameters });
  });

  it.each([
    ['DELETE', '/scim/v2/d1/Users'],
    ['GET', '/scim/v2/d1'],
    ['GET', '/scim/v2/d1/Users/u1/extra'],
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
