/**
 * Builds the middy handler of the host app's Directory API (`/api/v1`). API Gateway checks the
 * caller's IAM signature before the function runs, so there is no authentication middleware
 * here; the access log and error rendering are the SCIM handlers' own.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { handleHostApiRequest, type HostApiServices } from '../http/host-api-routes.ts';
import { queryOf, toProxyResult } from '../http/scim-http.ts';
import { accessLog, scimErrors, scimJsonBody, TIMEOUT_EARLY_MS, type ScimEvent } from './middleware.ts';

/** The Lambda handler of the Directory API. */
export function createHostApiHandler(services: HostApiServices, dependencies: { logger: Logger }) {
  return middy<ScimEvent, APIGatewayProxyResult>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
    .use(injectLambdaContext(dependencies.logger, { resetKeys: true, logEvent: false }))
    .use(accessLog(dependencies.logger))
    .use(scimErrors(dependencies.logger))
    .use(scimJsonBody())
    .handler(async (event) => {
      const pathParameters: Record<string, string> = {};
      for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
        if (value !== undefined) pathParameters[name] = value;
      }
      const response = await handleHostApiRequest(
        { method: event.httpMethod.toUpperCase(), route: event.resource, pathParameters, query: queryOf(event), body: event.scim?.body },
        services,
      );
      return toProxyResult(response);
    });
}
