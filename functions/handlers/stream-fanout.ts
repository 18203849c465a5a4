/**
 * Lambda entry point of the stream fan-out: DynamoDB stream records of users, groups,
 * memberships and directories become events on EventBridge. Configuration and clients are built
 * once, at cold start.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { activityRetentionDaysFromEnv } from '../activity/config.ts';
import { SqsDeadLetterQueue } from '../adapters/aws/sqs-dead-letters.ts';
import { DynamoDbActivityLog } from '../adapters/dynamodb/activity-writer.ts';
import { DynamoDbMemberDisplays } from '../adapters/dynamodb/member-displays.ts';
import { createDocumentClient, createDynamoDbClient } from '../adapters/dynamodb/client.ts';
import { DynamoDbParkedRecords } from '../adapters/dynamodb/parked-records.ts';
import { ENV } from '../config/environment.ts';
import { fanoutConfigFromEnv } from '../fanout/config.ts';
import { EventBridgeSink } from '../fanout/eventbridge-sink.ts';
import { CachedOrganizationLookup } from '../fanout/organization-lookup.ts';
import { StreamFanout } from '../fanout/stream-fanout.ts';

const config = fanoutConfigFromEnv();
// Its own Logger rather than the SCIM handlers' module, which would bundle the request path here.
const logger = new Logger({ serviceName: process.env[ENV.serviceName] ?? 'scim-stream-fanout' });
const documentClient = createDocumentClient(createDynamoDbClient());
const fanout = new StreamFanout({
  // A bounded request time keeps a PutEvents request and its retries inside the fan-out's time reserve.
  sink: new EventBridgeSink(new EventBridgeClient({ maxAttempts: 3, requestHandler: { requestTimeout: 3_000 } }), config.eventBusName),
  source: config.eventSource,
  eventBusName: config.eventBusName,
  scimBaseUrl: config.scimBaseUrl,
  organizations: new CachedOrganizationLookup({
    documentClient,
    tableName: config.tableName,
    ttlMs: config.organizationCacheTtlMs,
  }),
  // ACTIVITY_RETENTION_DAYS: how long the entries of creates and changes are kept.
  activity: new DynamoDbActivityLog({ documentClient, tableName: config.tableName, retentionDays: activityRetentionDaysFromEnv() }),
  memberDisplays: new DynamoDbMemberDisplays({ documentClient, tableName: config.tableName }),
  // Records given up on are kept whole in the table, for `scim-admin events redrive`.
  parking: new DynamoDbParkedRecords(documentClient, config.tableName),
  // And when the table fails too, whole in the stream's dead-letter queue.
  ...(config.deadLetterQueueUrl === undefined ? {} : { deadLetters: new SqsDeadLetterQueue(new SQSClient({ maxAttempts: 3 }), config.deadLetterQueueUrl) }),
  logger,
});

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .handler((event, context) => fanout.handleBatch(event, context));
