/**
 * The Lambda entry point, wired from its environment: DynamoDB Local (through the SDK's
 * service endpoint variable) for the directory record, EventBridge faked at the SDK boundary.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { USER_SCHEMA } from '../../functions/core/schemas/index.ts';
import { streamFixture, type StreamFixture } from './fixtures.ts';

const eventBridge = mockClient(EventBridgeClient);
let fixture: StreamFixture | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  vi.resetModules();
  eventBridge.reset();
  await fixture?.stop();
  fixture = undefined;
});

const context = {
  functionName: 'stream-fanout',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:stream-fanout',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/stream-fanout',
  logStreamName: 's',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

describe('stream-fanout handler', () => {
  it('publishes on the configured bus with the configured source and reports no failures', async () => {
    fixture = await streamFixture({ sink: { send: async (entries) => entries.map(() => ({ ok: true })) }, organizationId: 'org-env' });
    await fixture.service.create(fixture.ctx, 'User', { schemas: [USER_SCHEMA], userName: 'env@example.test' });
    await fixture.poller.drain();
    const records: DynamoDBRecord[] = fixture.delivered.filter((record) => (record.dynamodb?.NewImage ?? record.dynamodb?.OldImage)?.entity !== undefined);

    vi.stubEnv('TABLE_NAME', fixture.table.tableName);
    vi.stubEnv('EVENT_BUS_NAME', 'host-app-bus');
    vi.stubEnv('EVENT_SOURCE', 'com.example.directory');
    vi.stubEnv('SCIM_BASE_URL', 'https://api.example.test/v1/scim/v2');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', fixture.table.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const sent: PutEventsRequestEntry[] = [];
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      sent.push(...input.Entries);
      return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'x' })) };
    });

    const { handler } = await import('../../functions/handlers/stream-fanout.ts');
    const response = await handler({ Records: records }, context);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(sent.map((entry) => [entry.EventBusName, entry.Source, entry.DetailType])).toEqual([
      ['host-app-bus', 'com.example.directory', 'directory.created'],
      ['host-app-bus', 'com.example.directory', 'user.created'],
    ]);
    expect(JSON.parse(sent[1]?.Detail ?? '{}')).toMatchObject({
      organizationId: 'org-env',
      user: { meta: { location: expect.stringMatching(/^https:\/\/api\.example\.test\/v1\/scim\/v2\/dir-entra-1\/Users\//) } },
    });
  });

  it('refuses to start without SCIM_BASE_URL', async () => {
    vi.stubEnv('TABLE_NAME', 't');
    vi.stubEnv('EVENT_BUS_NAME', 'bus');
    vi.stubEnv('SCIM_BASE_URL', '');
    await expect(import('../../functions/handlers/stream-fanout.ts')).rejects.toThrow(/SCIM_BASE_URL/);
  });
});
