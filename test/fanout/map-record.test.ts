/**
 * Edge cases of mapping single records, with records built by hand where the real stream cannot
 * produce the case (a foreign directory, a malformed record). The ordinary cases are covered by
 * the connected tests on DynamoDB Local's stream.
 */
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { mapStreamRecord, type MapContext } from '../../functions/fanout/map-record.ts';
import { StreamRecordError } from '../../functions/fanout/stream-image.ts';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../../functions/core/schemas/index.ts';

const lookups: string[] = [];
const context: MapContext = {
  scimBaseUrl: 'https://x.test/scim/v2',
  organizations: {
    organizationIdOf: async (directoryId) => {
      lookups.push(directoryId);
      return 'org-9';
    },
    remember: () => undefined,
  },
};

const T0 = '2026-03-01T10:00:00.250Z';

function userImage(overrides: Record<string, AttributeValue> = {}, attributes: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  return {
    pk: { S: 'DIR#d1' },
    sk: { S: 'USER#u1' },
    entity: { S: 'user' },
    directoryId: { S: 'd1' },
    id: { S: 'u1' },
    version: { N: '2' },
    created: { S: T0 },
    lastModified: { S: T0 },
    attributes: { M: { userName: { S: 'ada' }, ...attributes } },
    ...overrides,
  };
}

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', images: { OldImage?: Record<string, AttributeValue>; NewImage?: Record<string, AttributeValue> }, seconds = 1772359200): DynamoDBRecord {
  return { eventID: 'ev-1', eventName, dynamodb: { ApproximateCreationDateTime: seconds, SequenceNumber: '100', ...images } };
}

describe('mapStreamRecord', () => {
  it('raises nothing for a member joining a group (memberOf moves, version does not)', async () => {
    const events = await mapStreamRecord(record('MODIFY', { OldImage: userImage(), NewImage: userImage({ memberOf: { SS: ['g1'] } }) }), context);
    expect(events).toEqual([]);
  });

  it('raises nothing for a group whose version moved with its member list', async () => {
    const group = (version: string) => userImage({ sk: { S: 'GROUP#g1' }, entity: { S: 'group' }, id: { S: 'g1' }, version: { N: version }, attributes: { M: { displayName: { S: 'G' } } } });
    expect(await mapStreamRecord(record('MODIFY', { OldImage: group('2'), NewImage: group('3') }), context)).toEqual([]);
  });

  it('raises nothing for items without an entity (claims, counters)', async () => {
    expect(await mapStreamRecord(record('INSERT', { NewImage: { pk: { S: 'DIR#d1' }, sk: { S: 'UNIQUE#USERNAME#ada' }, resourceId: { S: 'u1' } } }), context)).toEqual([]);
  });

  it('refuses an image whose directory is not the one of its partition', async () => {
    await expect(mapStreamRecord(record('INSERT', { NewImage: userImage({ directoryId: { S: 'd2' } }) }), context)).rejects.toThrow(StreamRecordError);
  });

  it('refuses a record without eventID or eventName', async () => {
    await expect(mapStreamRecord({ dynamodb: { NewImage: userImage() } }, context)).rejects.toThrow(StreamRecordError);
  });

  it('never lets a delete appear older than the write it undoes', async () => {
    // The stream's time is rounded down to the second; the item was written 250 ms into it.
    const [deleted] = await mapStreamRecord(record('REMOVE', { OldImage: userImage() }, Math.floor(Date.parse(T0) / 1000)), context);
    expect(deleted).toMatchObject({ type: 'user.deleted', occurredAt: T0, organizationId: 'org-9', version: 2 });
    const [later] = await mapStreamRecord(record('REMOVE', { OldImage: userImage() }, Math.floor(Date.parse(T0) / 1000) + 5), context);
    expect(later?.occurredAt).toBe('2026-03-01T10:00:05.000Z');
  });

  it('reports reactivation alone when only active changes', async () => {
    const events = await mapStreamRecord(
      record('MODIFY', { OldImage: userImage({}, { active: { BOOL: false } }), NewImage: userImage({ version: { N: '3' } }, { active: { BOOL: true } }) }),
      context,
    );
    expect(events).toMatchObject([{ id: 'ev-1', type: 'user.reactivated', version: 3, user: { active: true } }]);
  });

  it('renders what GET would return: unknown attributes are not published', async () => {
    const [created] = await mapStreamRecord(record('INSERT', { NewImage: userImage({}, { notInAnySchema: { S: 'secret' } }) }), context);
    expect(created).toMatchObject({ type: 'user.created', user: { id: 'u1', userName: 'ada', meta: { location: 'https://x.test/scim/v2/d1/Users/u1' } } });
    expect(created?.user).not.toHaveProperty('notInAnySchema');
  });

  describe('items that do not repeat their keys or their schemas', () => {
    const enterprise: Record<string, AttributeValue> = { [ENTERPRISE_USER_SCHEMA]: { M: { department: { S: 'Research' } } } };
    const listed = { schemas: { L: [{ S: USER_SCHEMA }, { S: ENTERPRISE_USER_SCHEMA }] } };
    // As written now: no id, no directoryId, no canonical schemas (adapters/dynamodb/scim-items.ts).
    const compact = (overrides: Record<string, AttributeValue> = {}, attributes: Record<string, AttributeValue> = enterprise) => {
      const { id: _id, directoryId: _directoryId, ...rest } = userImage({}, attributes);
      return { ...rest, ...overrides };
    };
    // As written before: every field stored.
    const full = (overrides: Record<string, AttributeValue> = {}) => userImage(overrides, { ...enterprise, ...listed });

    it('raise the same events as items that do', async () => {
      for (const eventName of ['INSERT', 'REMOVE'] as const) {
        const images = (image: Record<string, AttributeValue>) => (eventName === 'INSERT' ? { NewImage: image } : { OldImage: image });
        const before = await mapStreamRecord(record(eventName, images(full())), context);
        const now = await mapStreamRecord(record(eventName, images(compact())), context);
        expect(now).toEqual(before);
        expect(now[0]).toMatchObject({ user: { id: 'u1', schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] } });
      }
    });

    it('raise nothing for an old item rewritten in the new shape without a change', async () => {
      const events = await mapStreamRecord(record('MODIFY', { OldImage: full(), NewImage: compact({ version: { N: '3' } }) }), context);
      expect(events).toEqual([]);
    });

    it('still refuse an image stored in another directory’s partition', async () => {
      await expect(mapStreamRecord(record('INSERT', { NewImage: compact({ directoryId: { S: 'd2' } }) }), context)).rejects.toThrow(StreamRecordError);
    });
  });
});
