/**
 * Lambda entry point of the host app's Directory API (`/api/v1`, IAM-authorised at API Gateway).
 *
 * Environment: `TABLE_NAME` and `SCIM_BASE_URL` (required); `EVENT_ARCHIVE_ARN` and
 * `EVENT_BUS_ARN` (optional: without them, replays answer 501).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeReplayer } from '../adapters/aws/event-replay.ts';
import { createDocumentClient, createDynamoDbClient } from '../adapters/dynamodb/client.ts';
import { DirectoryRepository } from '../adapters/dynamodb/directory-repository.ts';
import { DynamoDbScimRepository } from '../adapters/dynamodb/scim-repository.ts';
import { requiredEnv } from '../auth/config.ts';
import { HostDirectoryReader } from '../service/host-directory-reader.ts';
import { createHostApiHandler } from './host-api-handler.ts';
import { createLogger } from './scim-handler.ts';

const config = {
  tableName: requiredEnv('TABLE_NAME'),
  scimBaseUrl: requiredEnv('SCIM_BASE_URL'),
  archiveArn: process.env.EVENT_ARCHIVE_ARN || undefined,
  eventBusArn: process.env.EVENT_BUS_ARN || undefined,
};

const documentClient = createDocumentClient(createDynamoDbClient());

export const handler = createHostApiHandler(
  {
    reader: new HostDirectoryReader({
      resources: new DynamoDbScimRepository({ documentClient, tableName: config.tableName }),
      directories: new DirectoryRepository(documentClient, config.tableName),
      scimBaseUrl: config.scimBaseUrl,
    }),
    ...(config.archiveArn !== undefined && config.eventBusArn !== undefined
      ? { replays: new EventBridgeReplayer(new EventBridgeClient({}), { archiveArn: config.archiveArn, eventBusArn: config.eventBusArn }) }
      : {}),
  },
  { logger: createLogger() },
);
