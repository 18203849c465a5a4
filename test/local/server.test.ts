import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_HANDLER_DETAIL, NO_ROUTE_DETAIL } from '../../functions/http/routes.ts';
import { startLocalServer, type LocalServer, type ProxyHandler } from '../../functions/local/server.ts';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A handler that answers with the event fields the routing decides. */
const echo =
  (name: string): ProxyHandler =>
  async (event: APIGatewayProxyEvent) => ({
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, resource: event.resource, pathParameters: event.pathParameters, body: event.body }),
  });

describe('local server', () => {
  it('dispatches each door\'s routes to the handler of their endpoint', async () => {
    server = await startLocalServer({ Users: echo('users'), directoryApi: echo('api'), portal: echo('portal') }, { port: 0 });
    const users = await fetch(`${server.scimBaseUrl}/d1/Users`);
    expect(await users.json()).toMatchObject({ name: 'users', resource: '/scim/v2/{directoryId}/Users', pathParameters: { directoryId: 'd1' } });
    // Unsigned: locally the IAM door is open, as the README says.
    const api = await fetch(`${server.origin}/api/v1/directories/d1/groups/g1/members?limit=5`);
    expect(await api.json()).toMatchObject({ name: 'api', pathParameters: { directoryId: 'd1', groupId: 'g1' } });
    const portal = await fetch(`${server.origin}/portal/setup/entra`, { method: 'POST', body: 'step=2' });
    expect(await portal.json()).toMatchObject({ name: 'portal', resource: '/portal/{proxy+}', pathParameters: { proxy: 'setup/entra' }, body: 'step=2' });
  });

  it('answers 404 for a route whose endpoint has no handler, and for a path no route matches', async () => {
    server = await startLocalServer({ Users: echo('users') }, { port: 0 });
    for (const path of ['/portal', '/api/v1/directories', '/scim/v2/d1/Groups']) {
      const response = await fetch(`${server.origin}${path}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ status: '404', detail: NO_HANDLER_DETAIL });
    }
    const missing = await fetch(`${server.origin}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: '404', detail: NO_ROUTE_DETAIL });
  });

  it('sends every method of a SCIM route to its handler, and other spellings below a Tenant URL to the fallback', async () => {
    server = await startLocalServer({ Users: echo('users'), scimFallback: echo('fallback') }, { port: 0 });
    const remove = await fetch(`${server.scimBaseUrl}/d1/Users`, { method: 'DELETE' });
    expect(await remove.json()).toMatchObject({ name: 'users', resource: '/scim/v2/{directoryId}/Users' });
    const lower = await fetch(`${server.scimBaseUrl}/D1/users/U1`, { method: 'PATCH', body: '{}' });
    expect(await lower.json()).toMatchObject({ name: 'fallback', resource: '/scim/v2/{directoryId}/{proxy+}', pathParameters: { directoryId: 'D1', proxy: 'users/U1' } });
    // The prefix keeps its case, as API Gateway's literal resources do.
    expect((await fetch(`${server.origin}/SCIM/v2/d1/Users`)).status).toBe(404);
  });
});
