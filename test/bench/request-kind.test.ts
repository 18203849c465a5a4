/**
 * The bench splits the Entra ID cycle's DynamoDB requests by the kind of SCIM request they served;
 * the kinds must match the routes the cycle sends, whatever the stage or directory in the path.
 */
import { describe, expect, it } from 'vitest';
import { scimRequestKind } from '../../bench/stack.ts';

describe('scimRequestKind', () => {
  it('names a request by method and route below the directory, and marks a filtered list', () => {
    const kind = (httpMethod: string, resource: string, query: Record<string, string> | null = null) =>
      scimRequestKind({ httpMethod, resource, queryStringParameters: query });
    expect(kind('GET', '/scim/v2/{directoryId}/Users', { filter: 'userName eq "a"' })).toBe('GET /Users?filter');
    expect(kind('GET', '/scim/v2/{directoryId}/Groups', { excludedAttributes: 'members', filter: 'displayName eq "g"' })).toBe('GET /Groups?filter');
    expect(kind('GET', '/scim/v2/{directoryId}/Users', { startIndex: '1' })).toBe('GET /Users');
    expect(kind('post', '/scim/v2/{directoryId}/Users')).toBe('POST /Users');
    expect(kind('PATCH', '/scim/v2/{directoryId}/Groups/{id}')).toBe('PATCH /Groups/{id}');
  });
});
