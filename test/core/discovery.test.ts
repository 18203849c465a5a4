import { describe, expect, it } from 'vitest';
import { resourceTypes, schemas, serviceProviderConfig } from '../../functions/core/discovery.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, SCHEMAS, USER_SCHEMA } from '../../functions/core/schemas/index.ts';
import { decodeCursor, encodeCursor, parsePaging } from '../../functions/service/paging.ts';
import { scimErrorOf } from '../support/scim-errors.ts';

const BASE = 'https://api.example.com/scim/v2/dir-1';

describe('serviceProviderConfig (RFC 7643 §5, RFC 9865 §4)', () => {
  it('describes exactly what this service supports', () => {
    expect(serviceProviderConfig(BASE)).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: true },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description: expect.any(String),
          specUri: 'https://www.rfc-editor.org/info/rfc6750',
          primary: true,
        },
      ],
      pagination: { cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 100, maxPageSize: 200, cursorTimeout: 3600 },
      meta: { resourceType: 'ServiceProviderConfig', location: `${BASE}/ServiceProviderConfig` },
    });
  });

  it('advertises the paging the service enforces: default and largest page, and when a cursor expires', () => {
    const { pagination } = serviceProviderConfig(BASE);
    expect(parsePaging({}).count).toBe(pagination.defaultPageSize);
    expect(parsePaging({ count: String(pagination.maxPageSize * 10) }).count).toBe(pagination.maxPageSize);
    const issuedAt = Date.parse('2026-03-01T00:00:00Z');
    const binding = { directoryId: 'dir-1', queryHash: 'h' };
    const key = Buffer.alloc(32, 7);
    const cursor = encodeCursor({ lastKey: 'u-1', issuedAt }, binding, key);
    expect(decodeCursor(cursor, binding, issuedAt + pagination.cursorTimeout * 1000, key)).toBe('u-1');
    expect(scimErrorOf(() => decodeCursor(cursor, binding, issuedAt + pagination.cursorTimeout * 1000 + 1, key))).toMatchObject({ status: 400, scimType: 'expiredCursor' });
  });

  it('builds locations without a double slash', () => {
    expect(serviceProviderConfig(`${BASE}/`).meta.location).toBe(`${BASE}/ServiceProviderConfig`);
  });
});

describe('resourceTypes (RFC 7643 §6)', () => {
  it('lists User with the optional enterprise extension, and Group', () => {
    expect(resourceTypes(BASE)).toEqual([
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'User',
        name: 'User',
        endpoint: '/Users',
        description: 'User Account',
        schema: USER_SCHEMA,
        schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
        meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` },
      },
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'Group',
        name: 'Group',
        endpoint: '/Groups',
        description: 'Group',
        schema: GROUP_SCHEMA,
        schemaExtensions: [],
        meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/Group` },
      },
    ]);
  });
});

describe('schemas (RFC 7643 §7)', () => {
  it('lists the three schemas with their attributes and locations', () => {
    const documents = schemas(BASE);
    expect(documents.map((document) => document.id)).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA]);
    for (const document of documents) {
      expect(document.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema']);
      expect(document.meta).toEqual({ resourceType: 'Schema', location: `${BASE}/Schemas/${document.id}` });
      expect(document.attributes).toEqual(SCHEMAS[document.id as keyof typeof SCHEMAS].attributes);
    }
  });

  it('serialises every attribute with all RFC 7643 §7 characteristics', () => {
    const json = JSON.parse(JSON.stringify(schemas(BASE))) as Array<{ attributes: Array<Record<string, unknown>> }>;
    const all = json.flatMap((document) => document.attributes.flatMap((attribute) => [attribute, ...((attribute['subAttributes'] as Array<Record<string, unknown>> | undefined) ?? [])]));
    for (const attribute of all) {
      expect(Object.keys(attribute)).toEqual(
        expect.arrayContaining(['name', 'type', 'multiValued', 'description', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness']),
      );
    }
    const password = json[0]?.attributes.find((attribute) => attribute['name'] === 'password');
    expect(password).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
  });

  it('hands out copies, so that a caller cannot change the served schema', () => {
    const first = schemas(BASE)[0];
    if (first !== undefined) first.attributes = [];
    expect(schemas(BASE)[0]?.attributes.length).toBeGreaterThan(0);
    expect(() => schemas(BASE)[0]?.attributes.pop()).not.toThrow();
  });
});
