/**
 * Lambda entry point of the host app's Directory API (`/api/v1`, IAM-authorised at API Gateway).
 *
 * Environment: `TABLE_NAME`, `SCIM_BASE_URL` and `PORTAL_BASE_URL` (required); `EVENT_ARCHIVE_ARN`
 * and `EVENT_BUS_ARN` (optional: without them, replays answer 501).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeReplayer } from '../adapters/aws/event-replay.ts';
import { createDocumentClient, createDynamoDbClient } from '../adapters/dynamodb/client.ts';
import { DynamoDbActivityReader } from '../adapters/dynamodb/activity-repository.ts';
import { DirectoryRepository } from '../adapters/dynamodb/directory-repository.ts';
import { PortalRepository } from '../adapters/dynamodb/portal-repository.ts';
import { DynamoDbScimRepository } from '../adapters/dynamodb/scim-repository.ts';
import { requiredEnv } from '../auth/config.ts';
import { ENV } from '../config/environment.ts';
import { PortalLinkService } from '../portal/portal-links.ts';
import { HostDirectoryReader } from '../service/host-directory-reader.ts';
import { createHostApiHandler } from './host-api-handler.ts';
import { createLogger } from './scim-handler.ts';

const config = {
  tableName: requiredEnv(ENV.tableName),
  scimBaseUrl: requiredEnv(ENV.scimBaseUrl),
  portalBaseUrl: requiredEnv(ENV.portalBaseUrl),
  archiveArn: process.env[ENV.eventArchiveArn] || undefined,
  eventBusArn: process.env[ENV.eventBusArn] || undefined,
};

const documentClient = createDocumentClient(createDynamoDbClient());
const directories = new DirectoryRepository(documentClient, config.tableName);
const activity = new DynamoDbActivityReader(documentClient, config.tableName);

export const handler = createHostApiHandler(
  {
    reader: new HostDirectoryReader({
      resources: new DynamoDbScimRepository({ documentClient, tableName: config.tableName }),
      directories,
      scimBaseUrl: config.scimBaseUrl,
      requestStatus: (directoryId) => activity.requestStatus(directoryId),
    }),
    portalLinks: new PortalLinkService({ store: new PortalRepository(documentClient, config.tableName), directories, portalBaseUrl: config.portalBaseUrl }),
    ...(config.archiveArn !== undefined && config.eventBusArn !== undefined
      ? { replays: new EventBridgeReplayer(new EventBridgeClient({}), { archiveArn: config.archiveArn, eventBusArn: config.eventBusArn }) }
      : {}),
  },
  { logger: createLogger() },
);
