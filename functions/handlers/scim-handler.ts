/**
 * Builds the middy handlers of the SCIM API. The Lambda entry points (users.ts, groups.ts,
 * discovery.ts) call these with dependencies from the environment; the local runtime calls
 * them with local ones, so both serve requests through the same code.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ENV } from '../config/environment.ts';
import type { ActivityLog } from '../activity/activity-log.ts';
import { headersOf, queryOf, requestIdOf, tenantUrlOf, toProxyResult, type ScimRequest, type ScimResponse } from '../http/scim-http.ts';
import { accessLog, bearerAuth, failureActivity, scimErrors, scimJsonBody, scimRoute, TIMEOUT_EARLY_MS, type BearerVerifier, type ScimEvent, type ScimPathResolver } from './middleware.ts';

/** What every SCIM handler needs besides its routes. */
export interface ScimHandlerDependencies {
  verifier: BearerVerifier;
  logger: Logger;
  /** Where requests answered with an error (after the token was verified) are recorded. */
  activity: Pick<ActivityLog, 'recordFailure'>;
  /** Tenant URL base (`https://host/scim/v2`) when the stack knows it; else rebuilt per request. */
  scimBaseUrl?: string;
  /**
   * Only for the function behind the fallback route: resolves other spellings of the endpoint
   * names (`resolveScimPath`). Without it, a request of the fallback route answers 404.
   */
  resolvePath?: ScimPathResolver;
}

/** Serves one SCIM request of an endpoint family. */
export type ScimRoutes = (request: ScimRequest) => Promise<ScimResponse> | ScimResponse;

function toScimRequest(event: ScimEvent, scimBaseUrl: string | undefined): ScimRequest {
  const directoryId = event.pathParameters?.directoryId ?? '';
  const pathParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
    if (value !== undefined) pathParameters[name] = value;
  }
  const headers = headersOf(event);
  return {
    method: event.httpMethod.toUpperCase(),
    route: event.resource,
    directoryId,
    pathParameters,
    query: queryOf(event),
    headers,
    body: event.scim?.body,
    baseUrl: tenantUrlOf(event, directoryId, scimBaseUrl),
    requestId: requestIdOf(event),
    ...(headers['user-agent'] === undefined ? {} : { userAgent: headers['user-agent'] }),
  };
}

/**
 * The Lambda handler of one SCIM endpoint family. Each entry point passes only its own routes, so
 * its bundle carries only the code those routes need.
 */
export function createScimHandler(routes: ScimRoutes, dependencies: ScimHandlerDependencies) {
  return middy<ScimEvent, APIGatewayProxyResult>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
    .use(injectLambdaContext(dependencies.logger, { resetKeys: true, logEvent: false }))
    .use(accessLog(dependencies.logger))
    // Before scimErrors, so that its onError runs after the error response is rendered.
    .use(failureActivity(dependencies.activity, dependencies.logger))
    .use(scimErrors(dependencies.logger))
    .use(scimRoute(dependencies.resolvePath))
    .use(bearerAuth(dependencies.verifier))
    .use(scimJsonBody())
    .handler(async (event) => toProxyResult(await routes(toScimRequest(event, dependencies.scimBaseUrl))));
}

/** The service's logger; Powertools reads POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL. */
export function createLogger(): Logger {
  return new Logger({ serviceName: process.env[ENV.serviceName] ?? 'scim-directory-sync' });
}
