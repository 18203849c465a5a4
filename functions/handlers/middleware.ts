/**
 * The middy middlewares every SCIM handler runs: access logging, recording of failed requests as
 * activity, SCIM error rendering, bearer authentication and JSON body parsing. Each is small and
 * does one thing.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { clientOf } from '../activity/activity.ts';
import type { ActivityLog } from '../activity/activity-log.ts';
import { failureEntry, resourceNameOf } from '../activity/entries.ts';
import { isScimError, ScimError } from '../core/error.ts';
import { jsonTextTooDeep, MAX_JSON_DEPTH } from '../core/json.ts';
import { NO_ROUTE_DETAIL, SCIM_FALLBACK_ROUTE, scimRouteOf, unsupportedEndpointDetail, type resolveScimPath } from '../http/routes.ts';
import { errorResponse, headersOf, isTransientFailure, MethodNotAllowedError, requestIdOf, resourceTypeOfRoute, toProxyResult } from '../http/scim-http.ts';
import { isPlausibleId } from '../service/context.ts';
import { sourceMappedStack } from '../shared/source-mapped-stack.ts';
import type { VerifyResult } from '../auth/token-verifier.ts';

/** What the middlewares learn about a request, for the route and the activity record. */
/**
 * Time kept before the function's timeout: middy then rejects the request with a TimeoutError
 * (a transient failure, answered 503 with Retry-After) while there is still time to log and record
 * it, instead of Lambda cutting it off and API Gateway answering a 502 that is no SCIM error.
 */
export const TIMEOUT_EARLY_MS = 1_000;

export interface ScimEventContext {
  /** Set once the bearer token was found valid for the directory (even if the directory is disabled). */
  verified?: boolean;
  body?: unknown;
}

/** The API Gateway event with what the middlewares attached. */
export type ScimEvent = APIGatewayProxyEvent & { scim?: ScimEventContext };

type ScimMiddleware = MiddlewareObj<ScimEvent, APIGatewayProxyResult>;

/** Anything that can check a directory's bearer token. */
export interface BearerVerifier {
  verify(directoryId: string, presentedToken: string): Promise<VerifyResult>;
}

/**
 * Logs one line per request: route template, status, duration, directory and request id (the one
 * activity entries carry), never the path's values beyond ids, the query (a filter names people),
 * headers or bodies.
 */
export function accessLog(logger: Logger): ScimMiddleware {
  // Per request, not per handler: a warm handler serves concurrent requests in the local runtime.
  const startedAt = new WeakMap<object, number>();
  const log = (request: { event: ScimEvent }, statusCode: number) =>
    logger.info('scim request', {
      method: request.event.httpMethod,
      route: request.event.resource,
      status: statusCode,
      directoryId: request.event.pathParameters?.directoryId,
      requestId: requestIdOf(request.event),
      durationMs: Date.now() - (startedAt.get(request) ?? Date.now()),
    });
  return {
    before: (request) => {
      startedAt.set(request, Date.now());
    },
    after: (request) => log(request, request.response?.statusCode ?? 0),
    onError: (request) => log(request, request.response?.statusCode ?? 500),
  };
}

/** Longest error detail kept in an activity entry. */
const MAX_DETAIL_LENGTH = 500;

/** What a SCIM error response says, read back from the body `scimErrors` rendered. */
function errorOf(body: string): { scimType?: string; detail?: string } {
  try {
    const parsed = JSON.parse(body) as { scimType?: unknown; detail?: unknown };
    return {
      ...(typeof parsed.scimType === 'string' ? { scimType: parsed.scimType } : {}),
      ...(typeof parsed.detail === 'string' ? { detail: parsed.detail.slice(0, MAX_DETAIL_LENGTH) } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * Records every request answered with an error after its bearer token was verified: an activity
 * entry and the directory's last-failure time. Unauthenticated requests record nothing, so that
 * requests for made-up directories cannot create items. A recording failure is logged and never
 * changes the answer. Must run its `onError` after `scimErrors` has rendered the response (so
 * `use` it before `scimErrors`).
 */
export function failureActivity(activity: Pick<ActivityLog, 'recordFailure'>, logger: Logger, now: () => Date = () => new Date()): ScimMiddleware {
  return {
    onError: async (request) => {
      const { event, response } = request;
      if (event.scim?.verified !== true || response === undefined || response === null || response.statusCode < 400) return;
      const directoryId = event.pathParameters?.directoryId ?? '';
      const requestId = requestIdOf(event);
      const resourceType = resourceTypeOfRoute(event.resource);
      const id = event.pathParameters?.id;
      const body = event.scim.body;
      const name =
        resourceType !== undefined && typeof body === 'object' && body !== null && !Array.isArray(body)
          ? resourceNameOf(resourceType, body as Record<string, unknown>)
          : undefined;
      const { scimType, detail } = errorOf(response.body);
      const entry = failureEntry({
        directoryId,
        requestId,
        method: event.httpMethod.toUpperCase(),
        client: clientOf(headersOf(event)['user-agent']),
        at: now().toISOString(),
        ...(resourceType === undefined ? {} : { resourceType }),
        ...(id !== undefined && isPlausibleId(id) ? { resourceId: id } : {}),
        ...(name === undefined ? {} : { resourceName: name }),
        status: response.statusCode,
        ...(scimType === undefined ? {} : { scimType }),
        // A filter error may quote the filter, which names people; activity never keeps filters.
        ...(detail === undefined ? {} : { detail: scimType === 'invalidFilter' ? 'The filter is not valid (RFC 7644 §3.4.2.2); it is not recorded' : detail }),
      });
      try {
        await activity.recordFailure(entry);
      } catch (error) {
        logger.warn('could not record a failed request as activity', { directoryId, requestId, error: (error as { name?: string } | undefined)?.name ?? 'Error' });
      }
    },
  };
}

/**
 * Renders any error as an RFC 7644 §3.12 body. ScimErrors keep their status; a busy or unavailable
 * dependency is a 503; anything else is logged (it is a defect) and answered as a 500 without internals.
 */
export function scimErrors(logger: Logger): ScimMiddleware {
  return {
    onError: (request) => {
      const error = request.error;
      const described = error instanceof Error ? { name: error.name, message: error.message, stack: sourceMappedStack(error.stack) } : String(error);
      if (isTransientFailure(error)) logger.warn('dependency busy or unavailable', { error: described });
      else if (!isScimError(error)) logger.error('unhandled error', { error: described });
      request.response = toProxyResult(errorResponse(error));
    },
  };
}

/** Resolves the path a fallback request brought to a canonical SCIM route (see `resolveScimPath`). */
export type ScimPathResolver = typeof resolveScimPath;

/**
 * Settles which SCIM route a request is for, before anything else reads the event. With a
 * resolver (the fallback function's), a request the fallback route (`{proxy+}`) brought is
 * rewritten to the canonical route its path names in any letter case (`/users/7` → `/Users/{id}`
 * with `id` 7), so that logging, activity, body parsing and the routes see what a canonical
 * request shows them. A path no endpoint has answers 404 (501 for `/Me` and `/Bulk`, endpoints RFC
 * 7644 defines and this service does not offer), and a method the route does not serve
 * 405 with `Allow` (RFC 7644 §3.12), both before the token is checked, as API Gateway answers a
 * path it has no resource for: these answers depend on nothing secret, and cost no secret read.
 * Without a resolver the path matcher stays out of the function's bundle.
 */
export function scimRoute(resolvePath?: ScimPathResolver): ScimMiddleware {
  return {
    before: (request) => {
      const event = request.event;
      if (event.resource === SCIM_FALLBACK_ROUTE.resource) {
        const proxy = event.pathParameters?.proxy ?? '';
        const resolved = resolvePath?.(proxy);
        if (resolved === undefined) {
          const unsupported = unsupportedEndpointDetail(proxy);
          throw unsupported === undefined ? new ScimError(404, NO_ROUTE_DETAIL) : new ScimError(501, unsupported);
        }
        event.resource = resolved.route.resource;
        event.pathParameters = { directoryId: event.pathParameters?.directoryId ?? '', ...resolved.pathParameters };
      }
      const route = scimRouteOf(event.resource);
      if (route === undefined) throw new ScimError(404, NO_ROUTE_DETAIL);
      const method = event.httpMethod.toUpperCase();
      if (!route.methods.includes(method)) throw new MethodNotAllowedError(method, route.resource, route.methods);
    },
  };
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Requires `Authorization: Bearer <token>` valid for the directory in the path. A missing,
 * malformed or wrong token, and an unknown directory, all answer the same 401; a valid token of
 * a disabled directory answers 403.
 */
export function bearerAuth(verifier: BearerVerifier): ScimMiddleware {
  return {
    before: async (request) => {
      const event = request.event;
      const directoryId = event.pathParameters?.directoryId ?? '';
      const match = BEARER.exec(headersOf(event).authorization ?? '');
      const result = match === null || directoryId === '' ? undefined : await verifier.verify(directoryId, match[1] as string);
      if (result === undefined || (!result.ok && result.reason === 'invalid')) {
        throw new ScimError(401, 'A valid bearer token for this directory is required');
      }
      // A valid token: from here on, a failure is the directory's own and is recorded as activity.
      event.scim = { ...event.scim, verified: true };
      if (!result.ok) throw new ScimError(403, 'This directory is disabled');
    },
  };
}

/** Media types accepted for request bodies (RFC 7644 §3.1 names application/scim+json; clients also send application/json). */
const JSON_MEDIA_TYPE = /^application\/(?:scim\+)?json\s*(?:;.*)?$/i;

/** Most bytes of a request body this service reads. */
export const MAX_BODY_BYTES = 1_048_576;

/**
 * Parses a JSON body of POST, PUT and PATCH; 415 for another media type, 413 past
 * {@link MAX_BODY_BYTES}, 400 invalidSyntax for bad JSON or nesting deeper than `MAX_JSON_DEPTH`.
 */
export function scimJsonBody(): ScimMiddleware {
  return {
    before: (request) => {
      const event = request.event;
      if (!['POST', 'PUT', 'PATCH'].includes(event.httpMethod)) return;
      const contentType = headersOf(event)['content-type'];
      if (contentType !== undefined && contentType.trim() !== '' && !JSON_MEDIA_TYPE.test(contentType)) {
        throw new ScimError(415, `Content-Type ${contentType.split(';')[0]} is not supported; send application/scim+json`);
      }
      const raw = event.body === null || event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      if (Buffer.byteLength(raw) > MAX_BODY_BYTES) throw new ScimError(413, `The request body exceeds ${MAX_BODY_BYTES} bytes`);
      if (raw.trim() === '') throw ScimError.of('invalidSyntax', 'The request body is empty; a JSON object is required');
      // Checked on the text, before parsing: validation, PATCH and serialisation all recurse.
      if (jsonTextTooDeep(raw)) throw ScimError.of('invalidSyntax', `The request body nests lists and objects deeper than ${MAX_JSON_DEPTH} levels`);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw ScimError.of('invalidSyntax', 'The request body is not valid JSON');
      }
      event.scim = { ...event.scim, body };
    },
  };
}
