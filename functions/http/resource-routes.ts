/**
 * The /Users and /Groups routes: a request in, one service call, a response out (RFC 7644 §3).
 */
import { clientOf } from '../activity/activity.ts';
import type { RequestInfo } from '../activity/entries.ts';
import type { DirectoryService, Projection, ResourceResult } from '../service/directory-service.ts';
import type { ResourceType } from '../service/repository.ts';
import { allowedMethodsOf } from './routes.ts';
import { listParameter, MethodNotAllowedError, scimResponse, type ScimRequest, type ScimResponse } from './scim-http.ts';

function projectionOf(request: ScimRequest): Projection {
  const projection: Projection = {};
  const attributes = listParameter(request.query.attributes);
  const excluded = listParameter(request.query.excludedAttributes);
  if (attributes !== undefined) projection.attributes = attributes;
  if (excluded !== undefined) projection.excludedAttributes = excluded;
  return projection;
}

function resourceResponse(statusCode: number, result: ResourceResult, withLocation = false): ScimResponse {
  return scimResponse(statusCode, result.body, { ETag: result.etag, ...(withLocation ? { Location: result.location } : {}) });
}

/**
 * What the service stamps on the writes of this request (for the activity record), with the
 * status a success answers: 201 for POST, 204 for DELETE and for a PATCH answered without a body.
 */
function requestInfoOf(request: ScimRequest, successStatus: number): RequestInfo {
  return { requestId: request.requestId, method: request.method, client: clientOf(request.userAgent), status: successStatus };
}

/**
 * Serves one /Users or /Groups request with the given service.
 *
 * Group PATCH answers 204 without a body, as Entra ID expects, unless the client asks for
 * attributes; User PATCH answers 200 with the resource (RFC 7644 §3.5.2 allows both).
 */
export async function handleResourceRequest(type: ResourceType, request: ScimRequest, service: DirectoryService): Promise<ScimResponse> {
  const id = request.pathParameters.id;
  const ifMatch = request.headers['if-match'];
  const projection = projectionOf(request);
  const wantsBody = request.method !== 'PATCH' || type === 'User' || projection.attributes !== undefined;
  const successStatus = request.method === 'POST' ? 201 : request.method === 'DELETE' || !wantsBody ? 204 : 200;
  const ctx = { directoryId: request.directoryId, baseUrl: request.baseUrl, request: requestInfoOf(request, successStatus) };

  if (id === undefined) {
    switch (request.method) {
      case 'GET':
        return scimResponse(
          200,
          await service.list(ctx, type, {
            ...projection,
            filter: request.query.filter,
            startIndex: request.query.startIndex,
            count: request.query.count,
            cursor: request.query.cursor,
          }),
        );
      case 'POST':
        return resourceResponse(201, await service.create(ctx, type, request.body, projection), true);
      default:
        throw new MethodNotAllowedError(request.method, request.route, allowedMethodsOf(request.route));
    }
  }

  switch (request.method) {
    case 'GET':
      return resourceResponse(200, await service.get(ctx, type, id, projection));
    case 'PUT':
      return resourceResponse(200, await service.replace(ctx, type, id, request.body, ifMatch, projection));
    case 'PATCH': {
      const result = await service.patch(ctx, type, id, request.body, ifMatch, wantsBody ? projection : undefined);
      return result === undefined ? { statusCode: 204, headers: {}, body: '' } : resourceResponse(200, result);
    }
    case 'DELETE':
      await service.delete(ctx, type, id, ifMatch);
      return { statusCode: 204, headers: {}, body: '' };
    default:
      throw new MethodNotAllowedError(request.method, request.route, allowedMethodsOf(request.route));
  }
}
