/**
 * The discovery documents (RFC 7644 §4): /ServiceProviderConfig (RFC 7643 §5), /ResourceTypes
 * (RFC 7643 §6) and /Schemas (RFC 7643 §7), describing exactly what this service does.
 */
import type { ResourceTypeDefinition, SchemaDefinition } from './schemas/attribute.ts';
import { RESOURCE_TYPE_SCHEMA, RESOURCE_TYPES, SCHEMA_SCHEMA, SCHEMAS, SERVICE_PROVIDER_CONFIG_SCHEMA } from './schemas/index.ts';

/** Page size when a query names no `count` (RFC 9865 §4 `defaultPageSize`). */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest page served; a larger `count` is lowered to it (RFC 7644 §3.4.2.4, RFC 9865 §4 `maxPageSize`). */
export const MAX_PAGE_SIZE = 200;
/** Most resources one filtered query returns per page (RFC 7643 §5 `filter.maxResults`). */
export const MAX_FILTER_RESULTS = 200;
/** Seconds a cursor stays valid after it was issued (RFC 9865 §4 `cursorTimeout`). */
export const CURSOR_TIMEOUT_SECONDS = 3600;
/** Bulk is not offered (RFC 7643 §5 `bulk.maxOperations`). */
export const BULK_MAX_OPERATIONS = 0;
/** Bulk is not offered (RFC 7643 §5 `bulk.maxPayloadSize`). */
export const BULK_MAX_PAYLOAD_SIZE = 0;

/** `meta` of a discovery document. */
export interface DiscoveryMeta {
  resourceType: 'ServiceProviderConfig' | 'ResourceType' | 'Schema';
  location: string;
}

/** The /ServiceProviderConfig document (RFC 7643 §5, RFC 9865 §4). */
export interface ServiceProviderConfig {
  schemas: [typeof SERVICE_PROVIDER_CONFIG_SCHEMA];
  patch: { supported: boolean };
  bulk: { supported: boolean; maxOperations: number; maxPayloadSize: number };
  filter: { supported: boolean; maxResults: number };
  changePassword: { supported: boolean };
  sort: { supported: boolean };
  etag: { supported: boolean };
  authenticationSchemes: Array<{ type: string; name: string; description: string; specUri: string; primary: boolean }>;
  pagination: {
    cursor: boolean;
    index: boolean;
    defaultPaginationMethod: 'cursor' | 'index';
    defaultPageSize: number;
    maxPageSize: number;
    cursorTimeout: number;
  };
  meta: DiscoveryMeta;
}

/** One /ResourceTypes document (RFC 7643 §6). */
export type ResourceTypeDocument = ResourceTypeDefinition & { schemas: [typeof RESOURCE_TYPE_SCHEMA]; meta: DiscoveryMeta };

/** One /Schemas document (RFC 7643 §7). */
export type SchemaDocument = SchemaDefinition & { schemas: [typeof SCHEMA_SCHEMA]; meta: DiscoveryMeta };

/** A Tenant URL without a trailing slash, so that locations never hold `//`. */
function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/**
 * The /ServiceProviderConfig document. `baseUrl` is the directory's Tenant URL.
 *
 * Index paging stays the default because Entra ID and Okta page by `startIndex`; cursors
 * (RFC 9865) are offered for clients that ask for them.
 */
export function serviceProviderConfig(baseUrl: string): ServiceProviderConfig {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: BULK_MAX_OPERATIONS, maxPayloadSize: BULK_MAX_PAYLOAD_SIZE },
    filter: { supported: true, maxResults: MAX_FILTER_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A bearer token issued for this directory, sent in the Authorization header (RFC 6750).',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: DEFAULT_PAGE_SIZE,
      maxPageSize: MAX_PAGE_SIZE,
      cursorTimeout: CURSOR_TIMEOUT_SECONDS,
    },
    meta: { resourceType: 'ServiceProviderConfig', location: `${trimBase(baseUrl)}/ServiceProviderConfig` },
  };
}

/**
 * The /ResourceTypes documents, User then Group. The endpoint answers them in a ListResponse;
 * /ResourceTypes/{id} answers one of them.
 */
export function resourceTypes(baseUrl: string): ResourceTypeDocument[] {
  return Object.values(RESOURCE_TYPES).map((resourceType) => ({
    schemas: [RESOURCE_TYPE_SCHEMA],
    ...structuredClone(resourceType),
    meta: { resourceType: 'ResourceType', location: `${trimBase(baseUrl)}/ResourceTypes/${resourceType.id}` },
  }));
}

/**
 * The /Schemas documents: core User, Enterprise User, Group. The endpoint answers them in a
 * ListResponse; /Schemas/{urn} answers one of them. The common attributes (`id`, `externalId`,
 * `meta`) are not listed, as RFC 7643 §3.1 places them outside every schema.
 */
export function schemas(baseUrl: string): SchemaDocument[] {
  return Object.values(SCHEMAS).map((schema) => ({
    schemas: [SCHEMA_SCHEMA],
    ...structuredClone(schema),
    meta: { resourceType: 'Schema', location: `${trimBase(baseUrl)}/Schemas/${schema.id}` },
  }));
}
