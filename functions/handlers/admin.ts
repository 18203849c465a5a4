/**
 * The admin Lambda: directories and bearer tokens. Not behind API Gateway; operators (the
 * `scim-admin` CLI) invoke it with IAM. The event is one admin command (see
 * `functions/admin/commands.ts`); the response is its envelope.
 *
 * Environment: `TABLE_NAME`, `SCIM_BASE_URL` (required), `TOKEN_SECRET_PREFIX` and
 * `TOKEN_SECRET_KMS_KEY_ID` (optional: the customer-managed key new secrets are encrypted with),
 * `PORTAL_BASE_URL` (required for `portal.link`: where the Admin Portal is served, e.g.
 * `https://<api>/v1/portal`; without it that command is refused and the others work).
 * `EVENT_BUS_NAME` and `EVENT_SOURCE` (required for `events.redrive`, which publishes parked stream
 * records there; without them that command is refused and the others work). `DEAD_LETTER_QUEUE_URL`
 * (optional): the stream's dead-letter queue, which `events.redrive` with `from: 'queue'` reads.
 * `directory.delete` with `background: true` re-invokes this function asynchronously, so its
 * role needs `lambda:InvokeFunction` on itself.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsDeadLetterQueue } from '../adapters/aws/sqs-dead-letters.ts';
import { createSecretsManagerClient } from '../adapters/secrets/client.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createDocumentClient, createDynamoDbClient } from '../adapters/dynamodb/client.ts';
import { DynamoDbActivityReader } from '../adapters/dynamodb/activity-repository.ts';
import { DirectoryRepository } from '../adapters/dynamodb/directory-repository.ts';
import { createParkedRecordRedriver } from '../adapters/dynamodb/parked-record-redriver.ts';
import { PortalRepository } from '../adapters/dynamodb/portal-repository.ts';
import { SecretsManagerSecretStore } from '../adapters/secrets/secret-store.ts';
import { createAdminHandler } from '../admin/admin-handler.ts';
import { AdminService } from '../admin/admin-service.ts';
import type { AdminResponse } from '../admin/commands.ts';
import { requiredEnv } from '../auth/config.ts';
import { DEFAULT_EVENT_SOURCE, DEFAULT_TOKEN_SECRET_PREFIX, ENV } from '../config/environment.ts';
import { EventBridgeSink } from '../fanout/eventbridge-sink.ts';
import { PortalLinkService } from '../portal/portal-links.ts';

const config = {
  tableName: requiredEnv(ENV.tableName),
  baseUrl: requiredEnv(ENV.scimBaseUrl),
  secretPrefix: process.env[ENV.tokenSecretPrefix] || DEFAULT_TOKEN_SECRET_PREFIX,
  kmsKeyId: process.env[ENV.tokenSecretKmsKeyId] || undefined,
  /** Needed only by `portal.link`, which is refused (`notConfigured`) without it. */
  portalBaseUrl: process.env[ENV.portalBaseUrl] || undefined,
  /** Needed only by `events.redrive`, which is refused (`notConfigured`) without it. */
  eventBusName: process.env[ENV.eventBusName] || undefined,
  eventSource: process.env[ENV.eventSource] || DEFAULT_EVENT_SOURCE,
  /** Read only by `events.redrive` from the queue. */
  deadLetterQueueUrl: process.env[ENV.deadLetterQueueUrl] || undefined,
  /** Set by the Lambda runtime. */
  functionName: requiredEnv('AWS_LAMBDA_FUNCTION_NAME'),
};

const logger = new Logger({ serviceName: 'scim-directory-sync-admin' });
const lambda = new LambdaClient({});
const documentClient = createDocumentClient(createDynamoDbClient());
const directories = new DirectoryRepository(documentClient, config.tableName);

const adminHandler = createAdminHandler({
  activity: new DynamoDbActivityReader(documentClient, config.tableName),
  ...(config.portalBaseUrl === undefined
    ? {}
    : { portalLinks: new PortalLinkService({ store: new PortalRepository(documentClient, config.tableName), directories, portalBaseUrl: config.portalBaseUrl }) }),
  ...(config.eventBusName === undefined
    ? {}
    : {
        redrive: createParkedRecordRedriver({
          documentClient,
          tableName: config.tableName,
          sink: new EventBridgeSink(new EventBridgeClient({ maxAttempts: 3 }), config.eventBusName),
          source: config.eventSource,
          eventBusName: config.eventBusName,
          scimBaseUrl: config.baseUrl,
          ...(config.deadLetterQueueUrl === undefined ? {} : { queue: new SqsDeadLetterQueue(new SQSClient({}), config.deadLetterQueueUrl) }),
        }),
      }),
  service: new AdminService({
    directories,
    secretStore: new SecretsManagerSecretStore(createSecretsManagerClient(), config.kmsKeyId === undefined ? {} : { kmsKeyId: config.kmsKeyId }),
    secretPrefix: config.secretPrefix,
    baseUrl: config.baseUrl,
  }),
  invokeSelf: async (command) => {
    await lambda.send(
      new InvokeCommand({ FunctionName: config.functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(command)) }),
    );
  },
  log: {
    info: (message, attributes) => logger.info(message, attributes ?? {}),
    error: (message, attributes) => logger.error(message, attributes ?? {}),
  },
});

/** Lambda entry point. */
export const handler = middy<unknown, AdminResponse>((event: unknown, context: Context) => adminHandler(event, context));
