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
