/**
 * The redriver over the table, apart from the parked-record store so that the fan-out's bundle,
 * which parks but never redrives, does not carry the directory repository and the redriver.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CachedOrganizationLookup } from '../../fanout/organization-lookup.ts';
import { ParkedRecordRedriver } from '../../fanout/redrive.ts';
import type { DeadLetterReader } from '../../fanout/queued-records.ts';
import type { EventSink } from '../../fanout/sink.ts';
import { DirectoryRepository } from './directory-repository.ts';
import { DynamoDbParkedRecords } from './parked-records.ts';

/**
 * The redriver over this table: parked records and directories read from it, events sent to
 * `sink`. The admin Lambda and `scim-admin --local` build theirs here.
 */
export function createParkedRecordRedriver(options: {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  sink: EventSink;
  source: string;
  eventBusName?: string;
  scimBaseUrl: string;
  /** The stream's dead-letter queue, for redrives `from: 'queue'`. */
  queue?: DeadLetterReader;
}): ParkedRecordRedriver {
  const directories = new DirectoryRepository(options.documentClient, options.tableName);
  return new ParkedRecordRedriver({
    store: new DynamoDbParkedRecords(options.documentClient, options.tableName),
    sink: options.sink,
    source: options.source,
    ...(options.eventBusName === undefined ? {} : { eventBusName: options.eventBusName }),
    scimBaseUrl: options.scimBaseUrl.replace(/\/+$/, ''),
    organizations: new CachedOrganizationLookup({ documentClient: options.documentClient, tableName: options.tableName }),
    listDirectories: async () => (await directories.list()).map((directory) => directory.directoryId),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
  });
}
