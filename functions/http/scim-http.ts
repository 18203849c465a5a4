/**
 * The plain request/response shapes the SCIM routes work on, and their mapping from and to
 * API Gateway REST API (v1 proxy) events. The local runtime builds the same events, so both run
 * the very same handler code.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { isScimError, ScimError } from '../core/error.ts';

export const SCIM_CONTENT_TYPE = 'application/scim+json';

/** A SCIM request, independent of how it arrived. */
export interface ScimRequest {
  method: string;
  /** The route template, e.g. `/scim/v2/{directoryId}/Users/{id}`. */
  route: string;
  directoryId: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The parsed JSON body, if any. */
  body: unknown;
  /** The directory's Tenant URL (for meta.location and Location). */
  baseUrl: string;
  /** The request id the access log and activity entries carry (API Gateway's `requestContext.requestId`). */
  requestId: string;
  /** The client's User-Agent, which tells the identity provider apart (see `clientOf`). */
  userAgent?: string;
}

export interface ScimResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Ids given to events that arrive without API Gateway's request id, so that the log and activity agree. */
const generatedRequestIds = new WeakMap<object, string>();

/** The request id of an event: API Gateway's `requestContext.requestId`, or one made up once per event. */
export function requestIdOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): string {
  const given = event.requestContext?.requestId;
  if (typeof given === 'string' && given !== '') return given;
  let generated = generatedRequestIds.get(event);
  if (generated === undefined) {
    generated = randomUUID();
    generatedRequestIds.set(event, generated);
  }
  return generated;
}

/** The SCIM resource type a route template serves, if any (`/Users…` → User, `/Groups…` → Group). */
export function resourceTypeOfRoute(route: string): 'User' | 'Group' | undefined {
  if (/\/Users(?:\/|$)/.test(route)) return 'User';
  if (/\/Groups(?:\/|$)/.test(route)) return 'Group';
  return undefined;
}

/** Lower-cased single-value headers of an event. */
export function headersOf(event: Pick<APIGatewayProxyEvent, 'headers'>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return headers;
}

/**
 * The Tenant URL of the directory a request is for. `SCIM_BASE_URL` (set by the stack when a
 * custom domain is used) wins; otherwise it is rebuilt from the host, stage and path.
 */
export function tenantUrlOf(event: APIGatewayProxyEvent, directoryId: string, configuredBase?: string): string {
  if (configuredBase !== undefined && configuredBase !== '') return `${configuredBase.replace(/\/+$/, '')}/${directoryId}`;
  const headers = headersOf(event);
  const proto = headers['x-forwarded-proto'] ?? 'https';
  const host = event.requestContext?.domainName ?? headers.host ?? 'localhost';
  const fullPath = event.requestContext?.path ?? event.path;
  // The stage (or custom-domain base path) is what the full path has before the routed path.
  const prefix = fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : '';
  return `${proto}://${host}${prefix}/scim/v2/${encodeURIComponent(directoryId)}`;
}

/** Query parameters of an event (the last value wins when one is repeated). */
export function queryOf(event: Pick<APIGatewayProxyEvent, 'queryStringParameters'>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query[name] = value;
  }
  return query;
}

/** A JSON response with the SCIM media type. */
export function scimResponse(statusCode: number, body?: unknown, headers: Record<string, string> = {}): ScimResponse {
  return {
    statusCode,
    headers: { 'Content-Type': SCIM_CONTENT_TYPE, ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/** AWS error names that mean "busy or briefly unavailable, try again", not "broken". */
const TRANSIENT_ERROR_NAMES = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionCanceledException',
  'TransactionConflictException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/**
 * True for failures of a dependency that a retry may cure: AWS throttling, contention that
 * outlasted the repository's retries, 5xx answers, network timeouts, and an unavailable or
 * throttled secret store. Identity providers retry a 503 (with Retry-After) on their own.
 */
export function isTransientFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { name?: unknown; failure?: unknown; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: unknown };
  if (candidate.name === 'SecretStoreError') return candidate.failure === 'throttled' || candidate.failure === 'unavailable';
  if (typeof candidate.name === 'string' && TRANSIENT_ERROR_NAMES.has(candidate.name)) return true;
  if (candidate.$retryable !== undefined) return true;
  if ((candidate.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return candidate.code === 'ECONNRESET' || candidate.code === 'ETIMEDOUT';
}

/**
 * A method the route does not serve: 405 with the methods it does serve, which the response
 * lists in `Allow` (RFC 9110 §15.5.6 requires it). 405 and not 501: RFC 7644 §3.12 keeps 501 for
 * an operation the service does not implement at all, and every method named here is served on
 * another route (PATCH on `/Users/{id}`, not on `/Users`).
 */
export class MethodNotAllowedError extends ScimError {
  readonly allow: readonly string[];

  constructor(method: string, route: string, allow: readonly string[]) {
    super(405, `${method} is not supported on ${route}; use ${allow.join(', ')}`);
    this.allow = allow;
  }
}

/**
 * The RFC 7644 §3.12 response for an error. A transient dependency failure is a 503 with
 * Retry-After; anything else that is not a ScimError is a bare 500.
 */
export function errorResponse(error: unknown): ScimResponse {
  if (isScimError(error)) {
    const headers: Record<string, string> = error.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="scim"' } : {};
    // Read by shape, not by class, like isScimError: a bundle may hold two copies of this module.
    const allow = (error as { allow?: unknown }).allow;
    if (error.status === 405 && Array.isArray(allow)) headers.Allow = allow.join(', ');
    // A 503 the service chose (a change accepted and still completing) is retried like any other.
    if (error.status === 503) headers['Retry-After'] = '2';
    return scimResponse(error.status, (error as ScimError).toBody(), headers);
  }
  if (isTransientFailure(error)) {
    // Not "not applied": a timeout can come after DynamoDB committed. A retry is safe either way.
    return scimResponse(503, new ScimError(503, 'The service is busy. Retry the request: a retry completes what this one began and applies nothing twice.').toBody(), { 'Retry-After': '2' });
  }
  // Every write either applies in one transaction or is journaled and completed by the next
  // reader, and a retry finds what is applied already: so a retry is always safe.
  return scimResponse(500, new ScimError(500, 'Internal error. Retry the request: a retry completes what this one began and applies nothing twice.').toBody());
}

export function toProxyResult(response: ScimResponse): APIGatewayProxyResult {
  return { statusCode: response.statusCode, headers: response.headers, body: response.body };
}

/** Reads a list-valued query parameter such as `attributes=userName,emails`. */
export function listParameter(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 ? undefined : items;
}
