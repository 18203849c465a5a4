/**
 * The SCIM API's routes, in one table: the CDK stack creates exactly these API Gateway resources
 * and methods, and the local runtime matches requests against the same table, so a route cannot
 * exist in one and not the other.
 */

/** The Lambda (endpoint family) serving a route. */
export type ScimEndpoint = 'Users' | 'Groups' | 'discovery';

export interface ScimRoute {
  /** API Gateway resource path, e.g. `/scim/v2/{directoryId}/Users/{id}`. */
  readonly resource: string;
  readonly endpoint: ScimEndpoint;
  readonly methods: readonly string[];
}

/** Prefix of every route: one Tenant URL per directory. */
export const DIRECTORY_ROOT = '/scim/v2/{directoryId}';

/** RFC 7644 §3.2 resource endpoints and §4 discovery endpoints. */
export const SCIM_ROUTES: readonly ScimRoute[] = [
  { resource: `${DIRECTORY_ROOT}/Users`, endpoint: 'Users', methods: ['GET', 'POST'] },
  { resource: `${DIRECTORY_ROOT}/Users/{id}`, endpoint: 'Users', methods: ['GET', 'PUT', 'PATCH', 'DELETE'] },
  { resource: `${DIRECTORY_ROOT}/Groups`, endpoint: 'Groups', methods: ['GET', 'POST'] },
  { resource: `${DIRECTORY_ROOT}/Groups/{id}`, endpoint: 'Groups', methods: ['GET', 'PUT', 'PATCH', 'DELETE'] },
  { resource: `${DIRECTORY_ROOT}/ServiceProviderConfig`, endpoint: 'discovery', methods: ['GET'] },
  { resource: `${DIRECTORY_ROOT}/ResourceTypes`, endpoint: 'discovery', methods: ['GET'] },
  { resource: `${DIRECTORY_ROOT}/ResourceTypes/{name}`, endpoint: 'discovery', methods: ['GET'] },
  { resource: `${DIRECTORY_ROOT}/Schemas`, endpoint: 'discovery', methods: ['GET'] },
  { resource: `${DIRECTORY_ROOT}/Schemas/{urn}`, endpoint: 'discovery', methods: ['GET'] },
];

/** What API Gateway answers (rendered as a SCIM error by the stack) when no route matches the method and path. */
export const NO_ROUTE_DETAIL = 'No SCIM endpoint matches this method and path';
