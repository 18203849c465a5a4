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

/**
 * The Lambda (endpoint family) serving a route. `scimFallback` serves every path below a Tenant
 * URL that no canonical SCIM route matches (another spelling, or no endpoint at all).
 */
export type Endpoint = 'Users' | 'Groups' | 'discovery' | 'scimFallback' | 'directoryApi' | 'portal';

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
  /** The methods the route serves; `ANY` serves every method. */
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

function portal(path: string): Route {
  return { resource: `${PORTAL_ROOT}${path}`, endpoint: 'portal', methods: ['GET', 'POST'], door: 'portal', authorization: DOOR_AUTHORIZATION.portal };
}

function host(path: string, methods: readonly string[]): Route {
  return { resource: `${HOST_API_ROOT}${path}`, endpoint: 'directoryApi', methods, door: 'host', authorization: DOOR_AUTHORIZATION.host };
}

// The calls that build the tables are marked pure (`@__PURE__`) so that the bundler may leave a
// table out of a bundle that never reads it: a SCIM function carries the SCIM routes only.

/** RFC 7644 §3.2 resource endpoints and §4 discovery endpoints. */
export const SCIM_ROUTES: readonly ScimRoute[] = [
  /* @__PURE__ */ scim('/Users', 'Users', ['GET', 'POST']),
  /* @__PURE__ */ scim('/Users/{id}', 'Users', ['GET', 'PUT', 'PATCH', 'DELETE']),
  /* @__PURE__ */ scim('/Groups', 'Groups', ['GET', 'POST']),
  /* @__PURE__ */ scim('/Groups/{id}', 'Groups', ['GET', 'PUT', 'PATCH', 'DELETE']),
  /* @__PURE__ */ scim('/ServiceProviderConfig', 'discovery', ['GET']),
  /* @__PURE__ */ scim('/ResourceTypes', 'discovery', ['GET']),
  /* @__PURE__ */ scim('/ResourceTypes/{name}', 'discovery', ['GET']),
  /* @__PURE__ */ scim('/Schemas', 'discovery', ['GET']),
  /* @__PURE__ */ scim('/Schemas/{urn}', 'discovery', ['GET']),
];

/** The host app's Directory API (docs/host-api.md): reads, portal links and event replays. */
export const HOST_API_ROUTES: readonly Route[] = [
  /* @__PURE__ */ host('/directories', ['GET']),
  /* @__PURE__ */ host('/directories/{directoryId}', ['GET']),
  /* @__PURE__ */ host('/directories/{directoryId}/users', ['GET']),
  /* @__PURE__ */ host('/directories/{directoryId}/users/{userId}', ['GET']),
  /* @__PURE__ */ host('/directories/{directoryId}/users/{userId}/groups', ['GET']),
  /* @__PURE__ */ host('/directories/{directoryId}/groups', ['GET']),
  /* @__PURE__ */ host('/directories/{directoryId}/groups/{groupId}', ['GET']),
  /* @__PURE__ */ host('/directories/{directoryId}/groups/{groupId}/members', ['GET']),
  /* @__PURE__ */ host('/directories/{directoryId}/replays', ['POST']),
  /* @__PURE__ */ host('/portal-links', ['POST']),
];

/** The Admin Portal: its start page and everything below it, served by one function. */
export const PORTAL_ROUTES: readonly Route[] = [/* @__PURE__ */ portal(''), /* @__PURE__ */ portal('/{proxy+}')];

/**
 * Every other path below a Tenant URL, with any method: `/users`, `/USERS/{id}`, `/schemas/{urn}`,
 * and paths no endpoint has. API Gateway's resources are case-sensitive, so the canonical routes
 * above only take their own spelling; this greedy route takes the rest, and its function resolves
 * the endpoint without regard to case ({@link resolveScimPath}) or answers a SCIM 404
 * (docs/decisions/endpoint-case.md).
 */
export const SCIM_FALLBACK_ROUTE: Route = {
  resource: `${DIRECTORY_ROOT}/{proxy+}`,
  endpoint: 'scimFallback',
  methods: ['ANY'],
  door: 'scim',
  authorization: DOOR_AUTHORIZATION.scim,
};

/** Every route of the API, all three doors. */
export const ROUTES: readonly Route[] = /* @__PURE__ */ ([] as readonly Route[]).concat(SCIM_ROUTES, [SCIM_FALLBACK_ROUTE], HOST_API_ROUTES, PORTAL_ROUTES);

/**
 * The methods API Gateway sends to a route's function. A SCIM route takes every method (`ANY`), so
 * that its function answers a method the route does not serve with an RFC 7644 §3.12 error body
 * and an `Allow` header (RFC 9110 §15.5.6), not with API Gateway's own answer for a missing method.
 */
export function gatewayMethodsOf(route: Route): readonly string[] {
  return route.door === 'scim' ? ['ANY'] : route.methods;
}

/**
 * What a client is told when no route matches the path: API Gateway's own answer (rendered as a SCIM
 * error by the stack), the fallback function's, and the local server's.
 */
export const NO_ROUTE_DETAIL = 'No SCIM endpoint matches this method and path';

/**
 * What to answer (501) for a path below a Tenant URL that names an endpoint RFC 7644 defines and
 * this service does not offer (ServiceProviderConfig says so): `/Me` and below it, and `/Bulk`, in
 * any letter case. §3.11 asks a provider without `/Me` for 501, rather than the 404 of a path no
 * endpoint has. Undefined for any other path.
 */
export function unsupportedEndpointDetail(proxy: string): string | undefined {
  const [first, ...rest] = proxy.split('/').filter((segment) => segment !== '');
  const name = first?.toLowerCase();
  if (name === 'me') return '/Me (RFC 7644 §3.11) is not supported: a bearer token here stands for a directory, not a user';
  if (name === 'bulk' && rest.length === 0) return '/Bulk (RFC 7644 §3.7) is not supported, as ServiceProviderConfig says: send each operation on its own';
  return undefined;
}

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

/**
 * How a path is matched: `ignoreCase` lets literal segments match in any letter case (variables
 * keep theirs); `decode` percent-decodes variables, as API Gateway does for a raw request path.
 */
interface MatchOptions {
  ignoreCase: boolean;
  decode: boolean;
}

/** Matches one route's pattern against a path's segments; undefined when it does not match. */
function matchPattern(pattern: readonly string[], segments: readonly string[], { ignoreCase, decode }: MatchOptions): Record<string, string> | undefined {
  const value = decode ? decodeURIComponent : (segment: string) => segment;
  const last = pattern[pattern.length - 1];
  const greedy = last !== undefined && last.endsWith('+}');
  if (greedy ? segments.length < pattern.length : segments.length !== pattern.length) return undefined;
  const pathParameters: Record<string, string> = {};
  try {
    for (const [i, part] of pattern.entries()) {
      if (greedy && i === pattern.length - 1) {
        pathParameters[part.slice(1, -2)] = segments.slice(i).map(value).join('/');
      } else if (part.startsWith('{')) {
        pathParameters[part.slice(1, -1)] = value(segments[i] as string);
      } else if (ignoreCase ? !sameLettersIgnoringCase(part, segments[i] as string) : part !== segments[i]) {
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
 * ASCII case-insensitive equality: endpoint names are ASCII, and a full Unicode fold would let
 * look-alikes (`ſchemas`, with a long s) reach an endpoint.
 */
function sameLettersIgnoringCase(canonical: string, given: string): boolean {
  return canonical.length === given.length && canonical.replace(/[A-Z]/g, (c) => c.toLowerCase()) === given.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The route whose pattern fits the path best, whatever its methods; undefined when none fits. */
function bestRouteFor<R extends Pick<Route, 'resource'>>(
  segments: readonly string[],
  routes: readonly R[],
  options: MatchOptions,
): { route: R; pathParameters: Record<string, string> } | undefined {
  let best: { route: R; pathParameters: Record<string, string>; rank: string } | undefined;
  for (const route of routes) {
    const pattern = segmentsOf(route.resource);
    const pathParameters = matchPattern(pattern, segments, options);
    if (pathParameters === undefined) continue;
    // Per segment: literal (0) before variable (1) before greedy (2); the lowest rank wins.
    const rank = pattern.map((part) => (part.endsWith('+}') ? '2' : part.startsWith('{') ? '1' : '0')).join('');
    if (best === undefined || rank < best.rank) best = { route, pathParameters, rank };
  }
  return best;
}

/**
 * Matches a request's method and path against the routes, as API Gateway does: the path picks
 * the resource (a literal segment wins over a path variable, and a greedy variable only matches
 * what nothing else does), then the resource must have the method (`ANY` has them all).
 */
export function matchRoute(method: string, path: string, routes: readonly Route[] = ROUTES): MatchedRoute | undefined {
  const best = bestRouteFor(segmentsOf(path), routes, { ignoreCase: false, decode: true });
  if (best === undefined) return undefined;
  const methods = gatewayMethodsOf(best.route);
  if (!methods.includes('ANY') && !methods.includes(method)) return undefined;
  return { resource: best.route.resource, endpoint: best.route.endpoint, door: best.route.door, pathParameters: best.pathParameters };
}

/** The SCIM routes with their resource relative to the Tenant URL (`/Users/{id}`). */
const SCIM_ROUTES_BELOW_ROOT = /* @__PURE__ */ SCIM_ROUTES.map((route) => ({ resource: route.resource.slice(DIRECTORY_ROOT.length), scim: route }));

/** A SCIM route resolved from a path below a Tenant URL, with its path parameters. */
export interface ResolvedScimPath {
  route: ScimRoute;
  pathParameters: Record<string, string>;
}

/**
 * Resolves the part of a path after `/scim/v2/{directoryId}/` (the fallback route's `proxy`) to
 * the canonical SCIM route it names, comparing endpoint names without regard to case: `users/7`
 * is `/Users/{id}` with id `7`, `RESOURCETYPES/User` is `/ResourceTypes/{name}`. Values (ids,
 * names, URNs) keep their case and are passed on as given, as the canonical route's variables
 * are. Undefined when no endpoint has that path.
 *
 * RFC 7644 §3.2 names the endpoints `/Users`, `/Groups`, ...; clients vary their case (the
 * reference test collection of one identity provider calls `/users`).
 */
export function resolveScimPath(proxy: string): ResolvedScimPath | undefined {
  const best = bestRouteFor(segmentsOf(proxy), SCIM_ROUTES_BELOW_ROOT, { ignoreCase: true, decode: false });
  return best === undefined ? undefined : { route: best.route.scim, pathParameters: best.pathParameters };
}


/** The canonical SCIM route with this resource template, if there is one. */
export function scimRouteOf(resource: string): ScimRoute | undefined {
  return SCIM_ROUTES.find((route) => route.resource === resource);
}

/** The methods a SCIM route serves, for a 405's `Allow` header; none for a path no route has. */
export function allowedMethodsOf(resource: string): readonly string[] {
  return scimRouteOf(resource)?.methods ?? [];
}
