/**
 * Discovery endpoints (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes[/{name}],
 * /Schemas[/{urn}]. Lists are wrapped in a ListResponse; an unknown name answers 404.
 */
import { ScimError } from '../core/error.ts';
import { resourceTypes, schemas, serviceProviderConfig } from '../core/discovery.ts';
import { listResponse } from '../core/list-response.ts';
import { allowedMethodsOf } from './routes.ts';
import { MethodNotAllowedError, scimResponse, type ScimRequest, type ScimResponse } from './scim-http.ts';

type Document = Record<string, unknown> & { id?: unknown; name?: unknown };

/** A path parameter as text: API Gateway may pass it still percent-encoded, the local server decoded. */
function decodedParameter(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function listOrOne(documents: Document[], key: string | undefined, what: string): ScimResponse {
  if (key === undefined) {
    return scimResponse(200, listResponse(documents, { totalResults: documents.length, startIndex: 1, itemsPerPage: documents.length }));
  }
  const name = decodedParameter(key);
  const wanted = name.toLowerCase();
  const found = documents.find((document) => String(document.id).toLowerCase() === wanted || String(document.name).toLowerCase() === wanted);
  if (found === undefined) throw new ScimError(404, `${what} ${name} not found`);
  return scimResponse(200, found);
}

/** Serves one discovery request. The route template decides which document is asked for. */
export function handleDiscoveryRequest(request: ScimRequest): ScimResponse {
  if (request.method !== 'GET') throw new MethodNotAllowedError(request.method, request.route, allowedMethodsOf(request.route));
  const route = request.route;
  if (route.endsWith('/ServiceProviderConfig')) return scimResponse(200, serviceProviderConfig(request.baseUrl));
  if (route.includes('/ResourceTypes')) return listOrOne(resourceTypes(request.baseUrl) as unknown as Document[], request.pathParameters.name, 'ResourceType');
  if (route.includes('/Schemas')) return listOrOne(schemas(request.baseUrl) as unknown as Document[], request.pathParameters.urn, 'Schema');
  throw new ScimError(404, `No such endpoint: ${route}`);
}
