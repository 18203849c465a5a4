/**
 * Builds the middy handlers of the SCIM API. The Lambda entry points (users.ts, groups.ts,
 * discovery.ts) call these with dependencies from the environment; the local runtime calls
 * them with local ones, so both serve requests through the same code.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { handleDiscoveryRequest } from '../http/discovery-routes.ts';
import { handleResourceRequest } from '../http/resource-routes.ts';
import { headersOf, queryOf, tenantUrlOf, toProxyResult, type ScimRequest, type ScimResponse } from '../http/scim-http.ts';
import type { DirectoryService } from '../service/directory-service.ts';
import { accessLog, bearerAuth, scimErrors, scimJsonBody, type BearerVerifier, type ScimEvent } from './middleware.ts';

export interface ScimHandlerDependencies {
  service: DirectoryService;
  verifier: BearerVerifier;
  logger: Logger;
  /** Tenant URL base (`https://host/scim/v2`) when the stack knows it; else rebuilt per request. */
  scimBaseUrl?: string;
}

export type ScimEndpoint = 'Users' | 'Groups' | 'discovery';

function toScimRequest(event: ScimEvent, scimBaseUrl: string | undefined): ScimRequest {
  const directoryId = event.pathParameters?.directoryId ?? '';
  const pathParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
    if (value !== undefined) pathParameters[name] = value;
  }
  return {
    method: event.httpMethod.toUpperCase(),
    route: event.resource,
    directoryId,
    pathParameters,
    query: queryOf(event),
    headers: headersOf(event),
    body: event.scim?.body,
    baseUrl: tenantUrlOf(event, directoryId, scimBaseUrl),
  };
}

async function route(endpoint: ScimEndpoint, request: ScimRequest, service: DirectoryService): Promise<ScimResponse> {
  switch (endpoint) {
    case 'Users':
      return handleResourceRequest('User', request, service);
    case 'Groups':
      return handleResourceRequest('Group', request, service);
    case 'discovery':
      return handleDiscoveryRequest(request);
  }
}

/** The Lambda handler of one SCIM endpoint family. */
export function createScimHandler(endpoint: ScimEndpoint, dependencies: ScimHandlerDependencies) {
  return middy<ScimEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(dependencies.logger, { resetKeys: true }))
    .use(accessLog(dependencies.logger))
    .use(scimErrors(dependencies.logger))
    .use(bearerAuth(dependencies.verifier))
    .use(scimJsonBody())
    .handler(async (event) => toProxyResult(await route(endpoint, toScimRequest(event, dependencies.scimBaseUrl), dependencies.service)));
}

/** The service's logger; Powertools reads POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL. */
export function createLogger(): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'scim-directory-sync' });
}
