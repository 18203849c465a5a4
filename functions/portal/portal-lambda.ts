/**
 * The portal behind API Gateway (REST API, proxy integration): the event becomes a
 * `PortalRequest`, the answer a proxy result with one `Set-Cookie` header per cookie. The local
 * runtime builds the same events, so both run the same code.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PORTAL_ROOT } from '../http/routes.ts';
import { headersOf, queryOf } from '../http/scim-http.ts';
import type { PortalRequest, PortalResponse } from './portal-http.ts';

/**
 * The path the browser sees the portal under: the stage (or custom domain base path) that the full
 * path has before the routed path, plus `/portal`.
 */
export function portalBasePath(event: Pick<APIGatewayProxyEvent, 'path' | 'requestContext'>): string {
  const fullPath = event.requestContext?.path ?? event.path;
  const prefix = fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : '';
  return `${prefix}${PORTAL_ROOT}`;
}

/** The request below the portal's root. */
export function toPortalRequest(event: APIGatewayProxyEvent): PortalRequest {
  const path = event.path.startsWith(PORTAL_ROOT) ? event.path.slice(PORTAL_ROOT.length) : event.path;
  const body = event.body === null || event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return {
    method: event.httpMethod.toUpperCase(),
    path,
    query: queryOf(event),
    headers: headersOf(event),
    ...(body === undefined ? {} : { body }),
    requestId: event.requestContext?.requestId ?? '',
    basePath: portalBasePath(event),
  };
}

export function toProxyResult(response: PortalResponse): APIGatewayProxyResult {
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    ...(response.cookies.length === 0 ? {} : { multiValueHeaders: { 'Set-Cookie': response.cookies } }),
    body: response.body,
  };
}

/** Logs of the portal's edge: one line per request (method, route, status, duration), never a value. */
export interface PortalLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/**
 * The proxy handler around a portal request handler: maps the event, logs one line without the
 * path's values (a link secret travels in the query, which is never logged), maps the answer.
 */
export function createPortalProxyHandler(portal: (request: PortalRequest) => Promise<PortalResponse>, logger: PortalLogger) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const started = Date.now();
    const request = toPortalRequest(event);
    const response = await portal(request);
    logger.info('portal request', {
      method: request.method,
      // Only the first segment below /portal (`api`, `assets`, `open`): deeper segments are ids.
      route: `${PORTAL_ROOT}/${request.path.split('/')[1] ?? ''}`,
      status: response.statusCode,
      requestId: request.requestId,
      durationMs: Date.now() - started,
    });
    return toProxyResult(response);
  };
}
