/**
 * Shared set-up of the connected fan-out tests: a fresh table in DynamoDB Local, a directory,
 * the directory service writing to it, and a stream poller feeding the fan-out with the
 * table's real stream records.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { DynamoDbActivityLog } from '../../functions/adapters/dynamodb/activity-writer.ts';
import { DirectoryRepository } from '../../functions/adapters/dynamodb/directory-repository.ts';
import { DynamoDbMemberDisplays } from '../../functions/adapters/dynamodb/member-displays.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { CachedOrganizationLookup } from '../../functions/fanout/organization-lookup.ts';
import type { DirectoryEvent } from '../../functions/events/detail.ts';
import type { EventSink } from '../../functions/fanout/sink.ts';
import { StreamFanout } from '../../functions/fanout/stream-fanout.ts';
import { StreamPoller } from '../../functions/local/stream-poller.ts';
import { DirectoryService, type ScimContext } from '../../functions/service/directory-service.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';

export const SCIM_BASE_URL = 'https://scim.example.test/scim/v2';
export const EVENT_SOURCE = 'test.scim-directory-sync';
export const EVENT_BUS = 'directory-events';

/** A sink that accepts every event and keeps it, in the order sent; `clear` empties it between tests. */
export function collectingSink(): { sink: EventSink; events: DirectoryEvent[]; clear: () => void } {
  const events: DirectoryEvent[] = [];
  return {
    events,
    sink: {
      send: async (entries) => {
        events.push(...entries.map((entry) => entry.event));
        return entries.map(() => ({ ok: true as const }));
      },
    },
    clear: () => void events.splice(0),
  };
}

export interface StreamFixture {
  table: TestTable;
  directoryId: string;
  ctx: ScimContext;
  directories: DirectoryRepository;
  service: DirectoryService;
  fanout: StreamFanout;
  poller: StreamPoller;
  /** Every record the poller handed to the fan-out, in delivery order. */
  delivered: DynamoDBRecord[];
  stop: () => Promise<void>;
}

/** A DynamoDB Streams client for the test run's DynamoDB Local. */
export function localStreamsClient(table: TestTable): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({ endpoint: table.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** `activityRetentionDays`: record activity from the stream too, kept that long. */
export async function streamFixture(options: {
  sink: EventSink;
  organizationId?: string;
  directoryId?: string;
  activityRetentionDays?: number;
  /** Keep group members' display names on their memberships, as the deployed fan-out does. */
  memberDisplays?: boolean;
}): Promise<StreamFixture> {
  const table = await createTestTable('fanout');
  const directories = new DirectoryRepository(table.documentClient, table.tableName);
  const directoryId = options.directoryId ?? 'dir-entra-1';
  const fanout = new StreamFanout({
    sink: options.sink,
    source: EVENT_SOURCE,
    eventBusName: EVENT_BUS,
    scimBaseUrl: SCIM_BASE_URL,
    organizations: new CachedOrganizationLookup({ documentClient: table.documentClient, tableName: table.tableName }),
    // Short pauses keep the failure tests fast; the count is the production one.
    publish: { retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 } },
    ...(options.activityRetentionDays === undefined
      ? {}
      : { activity: new DynamoDbActivityLog({ documentClient: table.documentClient, tableName: table.tableName, retentionDays: options.activityRetentionDays }) }),
    ...(options.memberDisplays === true ? { memberDisplays: new DynamoDbMemberDisplays({ documentClient: table.documentClient, tableName: table.tableName }) } : {}),
  });
  const delivered: DynamoDBRecord[] = [];
  const streams = localStreamsClient(table);
  const poller = new StreamPoller({
    dynamodb: table.client,
    streams,
    tableName: table.tableName,
    startingPosition: 'TRIM_HORIZON',
    handle: async (records) => {
      delivered.push(...records);
      return fanout.handleBatch({ Records: records });
    },
  });
  await poller.open();
  await directories.create({
    directoryId,
    name: 'Contoso (Entra ID)',
    provider: 'entra',
    ...(options.organizationId === undefined ? {} : { organizationId: options.organizationId }),
    at: new Date().toISOString(),
  });
  return {
    table,
    directoryId,
    ctx: { directoryId, baseUrl: `${SCIM_BASE_URL}/${directoryId}` },
    directories,
    service: new DirectoryService(new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName })),
    fanout,
    poller,
    delivered,
    stop: async () => {
      await poller.stop();
      streams.destroy();
    },
  };
}
