/**
 * The middy middlewares every SCIM handler runs: access logging, SCIM error rendering, bearer
 * authentication and JSON body parsing. Each is small and does one thing.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { isScimError, ScimError } from '../core/error.ts';
import { errorResponse, headersOf, isTransientFailure, toProxyResult } from '../http/scim-http.ts';
import type { VerifyResult } from '../auth/token-verifier.ts';

/** What the middlewares learn about a request, for the route and the log. */
export interface ScimEventContext {
  directoryId: string;
  tokenId?: string;
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
 * Logs one line per request: route template, status, duration and directory, never the path's
 * values beyond ids, the query (a filter names people), headers or bodies.
 */
export function accessLog(logger: Logger): ScimMiddleware {
  let started = 0;
  const log = (event: ScimEvent, statusCode: number) =>
    logger.info('scim request', {
      method: event.httpMethod,
      route: event.resource,
      status: statusCode,
      directoryId: event.pathParameters?.directoryId,
      durationMs: Date.now() - started,
    });
  return {
    before: () => {
      started = Date.now();
    },
    after: (request) => log(request.event, request.response?.statusCode ?? 0),
    onError: (request) => log(request.event, request.response?.statusCode ?? 500),
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
      const described = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error);
      if (isTransientFailure(error)) logger.warn('dependency busy or unavailable', { error: described });
      else if (!isScimError(error)) logger.error('unhandled error', { error: described });
      request.response = toProxyResult(errorResponse(error));
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
      if (!result.ok) throw new ScimError(403, 'This directory is disabled');
      event.scim = { ...event.scim, directoryId, tokenId: result.tokenId };
    },
  };
}

/** Media types accepted for request bodies (RFC 7644 §3.1 names application/scim+json; clients also send application/json). */
const JSON_MEDIA_TYPE = /^application\/(?:scim\+)?json\s*(?:;.*)?$/i;

/** Most bytes of a request body this service reads. */
export const MAX_BODY_BYTES = 1_048_576;

/** Parses a JSON body of POST, PUT and PATCH; 415 for another media type, 400 invalidSyntax for bad JSON. */
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
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw ScimError.of('invalidSyntax', 'The request body is not valid JSON');
      }
      event.scim = { ...event.scim, directoryId: event.pathParameters?.directoryId ?? '', body };
    },
  };
}
