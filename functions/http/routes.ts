/**
 * Every route of the service's one REST API, in one module: the CDK stack creates exactly these
 * API Gateway resources and methods, and the local runtime matches requests against the same
 * tables, so a route cannot exist in one and not the other.
 *
 * Three doors, one per kind of caller, and no door opens another's routes:
 * - `scim`: the customer's identity provider, with a bearer token of one directory (checked by the
 *   SCIM functions themselves; no API Gateway authoriser).
 * - `host`: the host app's services, with IAM (SigV4); API Gateway checks the signature and the
 *   caller's `execute-api:Invoke` permission before the function runs.
 * - `portal`: the customer's IT admin in a browser; the portal function checks its own session
 *   cookie (no API Gateway authoriser).
 */

/** The Lambda (endpoint family) serving a route. */
export type Endpoint = 'Users' | 'Groups' | 'discovery' | 'directoryApi' | 'portal';

/** The SCIM endpoint families (the functions behind `/scim/v2`). */
export type ScimEndpoint = Extract<Endpoint, 'Users' | 'Groups' | 'discovery'>;

/** Who may knock at a route, and what proves it. */
export type Door = 'scim' | 'host' | 'portal';

/**
 * How API Gateway authorises a route: `none` leaves authentication to the function (bearer token or
 * session cookie), `iam` makes API Gateway require a SigV4 signature allowed to invoke the method.
 */
export type RouteAuthorization = 'none' | 'iam';

/** The authorisation each door needs at API Gateway. */
export const DOOR_AUTHORIZATION: Readonly<Record<Door, RouteAuthorization>> = {
  scim: 'none',
  host: 'iam',
  portal: 'none',
};

export interface Route {
  /**
   * API Gateway resource path, e.g. `/scim/v2/{directoryId}/Users/{id}`. A last segment
   * `{name+}` is greedy: it matches one or more remaining segments.
   */
  readonly resource: string;
  readonly endpoint: Endpoint;
  readonly methods: readonly string[];
  readonly door: Door;
  readonly authorization: RouteAuthorization;
}

/** A SCIM route: served by a SCIM endpoint family. */
export interface ScimRoute extends Route {
  readonly endpoint: ScimEndpoint;
  readonly door: 'scim';
}

/** Prefix of every SCIM route: one Tenant URL per directory. */
export const DIRECTORY_ROOT = '/scim/v2/{directoryId}';

/** Prefix of the host app's Directory API. */
export const HOST_API_ROOT = '/api/v1';

/** Prefix of the Admin Portal's pages. */
export const PORTAL_ROOT = '/portal';

function scim(path: string, endpoint: ScimEndpoint, methods: readonly string[]): ScimRoute {
  return { resource: `${DIRECTORY_ROOT}${path}`, endpoint, methods, door: 'scim', authorization: DOOR_AUTHORIZATION.scim };
}

function host(path: string, methods: readonly string[]): Route {
  return { resource: `${HOST_API_ROOT}${path}`, endpoint: 'directoryApi', methods, door: 'host', authorization: DOOR_AUTHORIZATION.host };
}

/** RFC 7644 §3.2 resource endpoints and §4 discovery endpoints. */
export const SCIM_ROUTES: readonly ScimRoute[] = [
  scim('/Users', 'Users', ['GET', 'POST']),
  scim('/Users/{id}', 'Users', ['GET', 'PUT', 'PATCH', 'DELETE']),
  scim('/Groups', 'Groups', ['GET', 'POST']),
  scim('/Groups/{id}', 'Groups', ['GET', 'PUT', 'PATCH', 'DELETE']),
  scim('/ServiceProviderConfig', 'discovery', ['GET']),
  scim('/ResourceTypes', 'discovery', ['GET']),
  scim('/ResourceTypes/{name}', 'discovery', ['GET']),
  scim('/Schemas', 'discovery', ['GET']),
  scim('/Schemas/{urn}', 'discovery', ['GET']),
];

/** The host app's Directory API (docs/host-api.md): reads, portal links and event replays. */
export const HOST_API_ROUTES: readonly Route[] = [
  host('/directories', ['GET']),
  host('/directories/{directoryId}', ['GET']),
  host('/directories/{directoryId}/users', ['GET']),
  host('/directories/{directoryId}/users/{userId}', ['GET']),
  host('/directories/{directoryId}/users/{userId}/groups', ['GET']),
  host('/directories/{directoryId}/groups', ['GET']),
  host('/directories/{directoryId}/groups/{groupId}', ['GET']),
  host('/directories/{directoryId}/groups/{groupId}/members', ['GET']),
  host('/directories/{directoryId}/replays', ['POST']),
  host('/portal-links', ['POST']),
];

/** The Admin Portal: its start page and everything below it, served by one function. */
export const PORTAL_ROUTES: readonly Route[] = [
  { resource: PORTAL_ROOT, endpoint: 'portal', methods: ['GET', 'POST'], door: 'portal', authorization: DOOR_AUTHORIZATION.portal },
  { resource: `${PORTAL_ROOT}/{proxy+}`, endpoint: 'portal', methods: ['GET', 'POST'], door: 'portal', authorization: DOOR_AUTHORIZATION.portal },
];

/** Every route of the API, all three doors. */
export const ROUTES: readonly Route[] = [...SCIM_ROUTES, ...HOST_API_ROUTES, ...PORTAL_ROUTES];

/** What API Gateway answers (rendered as a SCIM error by the stack) when no route matches the method and path. */
export const NO_ROUTE_DETAIL = 'No SCIM endpoint matches this method and path';

/** What the local server answers for a route whose endpoint it was given no handler for. */
export const NO_HANDLER_DETAIL = 'This endpoint is not served here';

/** A route matched against a request path, with its path parameters decoded. */
export interface MatchedRoute {
  resource: string;
  endpoint: Endpoint;
  door: Door;
  pathParameters: Record<string, string>;
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** Matches one route's pattern against a path's segments; undefined when it does not match. */
function matchPattern(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  const last = pattern[pattern.length - 1];
  const greedy = last !== undefined && last.endsWith('+}');
  if (greedy ? segments.length < pattern.length : segments.length !== pattern.length) return undefined;
  const pathParameters: Record<string, string> = {};
  try {
    for (const [i, part] of pattern.entries()) {
      if (greedy && i === pattern.length - 1) {
        pathParameters[part.slice(1, -2)] = segments.slice(i).map(decodeURIComponent).join('/');
      } else if (part.startsWith('{')) {
        pathParameters[part.slice(1, -1)] = decodeURIComponent(segments[i] as string);
      } else if (part !== segments[i]) {
        return undefined;
      }
    }
  } catch {
    // A malformed percent-escape matches no route, as at API Gateway.
    return undefined;
  }
  return pathParameters;
}

/**
 * Matches a request's method and path against the routes, as API Gateway would: a literal segment
 * wins over a path variable, and a greedy variable only matches what nothing else does.
 */
export function matchRoute(method: string, path: string, routes: readonly Route[] = ROUTES): MatchedRoute | undefined {
  const segments = segmentsOf(path);
  let best: { route: Route; pathParameters: Record<string, string>; rank: string } | undefined;
  for (const route of routes) {
    if (!route.methods.includes(method)) continue;
    const pattern = segmentsOf(route.resource);
    const pathParameters = matchPattern(pattern, segments);
    if (pathParameters === undefined) continue;
    // Per segment: literal (0) before variable (1) before greedy (2); the lowest rank wins.
    const rank = pattern.map((part) => (part.endsWith('+}') ? '2' : part.startsWith('{') ? '1' : '0')).join('');
    if (best === undefined || rank < best.rank) best = { route, pathParameters, rank };
  }
  if (best === undefined) return undefined;
  return { resource: best.route.resource, endpoint: best.route.endpoint, door: best.route.door, pathParameters: best.pathParameters };
}
