/**
 * The routes of the fallback function: every SCIM endpoint, reached by a path spelled in another
 * letter case than the canonical one (`/users`, `/SCHEMAS/{urn}`). By the time a request gets here
 * the `scimRoute` middleware has rewritten it to its canonical route, so this only picks the code
 * the Users, Groups or discovery function would run for it: the same use cases, not a redirect
 * (docs/decisions/endpoint-case.md).
 */
import { ScimError } from '../core/error.ts';
import type { DirectoryService } from '../service/directory-service.ts';
import { handleDiscoveryRequest } from './discovery-routes.ts';
import { handleResourceRequest } from './resource-routes.ts';
import { NO_ROUTE_DETAIL, scimRouteOf } from './routes.ts';
import type { ScimRequest, ScimResponse } from './scim-http.ts';

/** Serves a request for any SCIM endpoint, by the canonical route it was resolved to. */
export async function handleAnyScimRequest(request: ScimRequest, service: DirectoryService): Promise<ScimResponse> {
  switch (scimRouteOf(request.route)?.endpoint) {
    case 'Users':
      return handleResourceRequest('User', request, service);
    case 'Groups':
      return handleResourceRequest('Group', request, service);
    case 'discovery':
      return handleDiscoveryRequest(request);
    default:
      throw new ScimError(404, NO_ROUTE_DETAIL);
  }
}
