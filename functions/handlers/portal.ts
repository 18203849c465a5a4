/**
 * Lambda entry point of the Admin Portal, behind API Gateway under `/portal` (REST API, proxy
 * integration, no authoriser: the portal checks its own session cookie).
 *
 * Environment: `TABLE_NAME`, `SCIM_BASE_URL`, `PORTAL_BASE_URL`, `ADMIN_FUNCTION_NAME` (required);
 * `TOKEN_SECRET_PREFIX`, `TOKEN_SECRET_KMS_KEY_ID`; branding `PORTAL_APP_NAME`, `PORTAL_LOGO_URL`,
 * `PORTAL_ACCENT_COLOR`; `PORTAL_FRAME_ANCESTORS` (space-separated origins) and
 * `PORTAL_STALE_AFTER_MINUTES`. The page's assets are read at cold start from `portal-assets/`
 * beside this bundle (written there at bundling time, see lib/bundling.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createSecretsManagerClient } from '../adapters/secrets/client.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createDocumentClient, createDynamoDbClient } from '../adapters/dynamodb/client.ts';
import { DirectoryRepository } from '../adapters/dynamodb/directory-repository.ts';
import { SecretsManagerSecretStore } from '../adapters/secrets/secret-store.ts';
import { AdminService } from '../admin/admin-service.ts';
import { requiredEnv } from '../auth/config.ts';
import { DEFAULT_TOKEN_SECRET_PREFIX, ENV } from '../config/environment.ts';
import { portalConfigFromEnv } from '../portal/portal-config.ts';
import { createPortalHttp, type PortalAssets } from '../portal/portal-http.ts';
import { createPortalProxyHandler } from '../portal/portal-lambda.ts';
import { dynamoDbPortal } from '../portal/wiring.ts';

const CONTENT_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

function readAssets(folder: URL): PortalAssets {
  const assets = new Map<string, { contentType: string; body: string }>();
  for (const name of readdirSync(folder)) {
    const contentType = CONTENT_TYPES[name.split('.').pop() ?? ''];
    if (contentType !== undefined) assets.set(name, { contentType, body: readFileSync(new URL(name, folder), 'utf8') });
  }
  return assets;
}

const config = portalConfigFromEnv();
const adminFunctionName = requiredEnv(ENV.adminFunctionName);
const logger = new Logger({ serviceName: process.env[ENV.serviceName] ?? 'scim-portal' });
const lambda = new LambdaClient({});
const kmsKeyId = process.env[ENV.tokenSecretKmsKeyId] || undefined;

const tableName = requiredEnv(ENV.tableName);
const documentClient = createDocumentClient(createDynamoDbClient());
const admin = new AdminService({
  directories: new DirectoryRepository(documentClient, tableName),
  secretStore: new SecretsManagerSecretStore(createSecretsManagerClient(), kmsKeyId === undefined ? {} : { kmsKeyId }),
  secretPrefix: process.env[ENV.tokenSecretPrefix] || DEFAULT_TOKEN_SECRET_PREFIX,
  baseUrl: requiredEnv(ENV.scimBaseUrl),
});
const services = dynamoDbPortal({
  documentClient,
  tableName,
  admin,
  portalBaseUrl: requiredEnv(ENV.portalBaseUrl),
  // The admin function purges in budgeted passes and re-invokes itself until the directory is gone.
  continueDeletion: async (directoryId) => {
    await lambda.send(
      new InvokeCommand({
        FunctionName: adminFunctionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify({ command: 'directory.delete', directoryId, background: true })),
      }),
    );
  },
});

const portal = createPortalHttp({
  links: services.links,
  directories: services.directories,
  assets: readAssets(new URL('./portal-assets/', import.meta.url)),
  ...config,
  logError: (message, attributes) => logger.error(message, attributes),
});

const proxy = createPortalProxyHandler(portal, logger);

/** Lambda entry point. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((event) => proxy(event));
