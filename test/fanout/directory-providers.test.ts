/**
 * Every provider a directory can be created for is announced: the stream image accepts it and
 * the event carries it, valid against the current event schema.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../functions/admin/directory-store.ts';
import { parseDirectoryEvent } from '../../functions/events/index.ts';
import { mapStreamRecord, type MapContext } from '../../functions/fanout/map-record.ts';

const context: MapContext = {
  scimBaseUrl: 'https://x.test/scim/v2',
  organizations: { organizationIdOf: async () => 'org-1', remember: () => undefined },
};

function created(provider: string): DynamoDBRecord {
  const at = '2026-03-01T10:00:00.000Z';
  return {
    eventID: `ev-${provider}`,
    eventName: 'INSERT',
    dynamodb: {
      ApproximateCreationDateTime: 1772359200,
      SequenceNumber: '100',
      NewImage: {
        pk: { S: 'DIR#d1' },
        sk: { S: 'DIRECTORY' },
        gsi1pk: { S: 'DIRECTORIES' },
        gsi1sk: { S: 'd1' },
        entity: { S: 'directory' },
        directoryId: { S: 'd1' },
        name: { S: 'Staff' },
        organizationId: { S: 'org-1' },
        provider: { S: provider },
        status: { S: 'active' },
        created: { S: at },
        lastModified: { S: at },
        version: { N: '1' },
      },
    },
  };
}

describe('directory providers in events', () => {
  it.each(PROVIDERS)('announces a %s directory', async (provider) => {
    const [event] = await mapStreamRecord(created(provider), context);
    expect(event).toMatchObject({ type: 'directory.created', directory: { provider } });
    expect(parseDirectoryEvent(event)).toMatchObject({ directory: { provider } });
  });
});
