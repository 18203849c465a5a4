/**
 * Which stream records stand for an activity entry: table-driven, on hand-made records.
 */
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { activityOfRecord } from '../../functions/fanout/activity-records.ts';

const stamp = (requestId: string, at = '2026-03-01T10:00:00.000Z'): AttributeValue => ({
  M: { requestId: { S: requestId }, method: { S: 'PATCH' }, client: { S: 'entra' }, status: { N: '204' }, at: { S: at } },
});

function image(extra: Record<string, AttributeValue> = {}, entity = 'group'): Record<string, AttributeValue> {
  return {
    pk: { S: 'DIR#dir-1' },
    sk: { S: 'GROUP#g-1' },
    entity: { S: entity },
    directoryId: { S: 'dir-1' },
    id: { S: 'g-1' },
    version: { N: '2' },
    created: { S: '2026-03-01T09:00:00.000Z' },
    lastModified: { S: '2026-03-01T10:00:00.000Z' },
    attributes: { M: { displayName: { S: 'Analysts' } } },
    ...extra,
  };
}

function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', newImage?: Record<string, AttributeValue>, oldImage?: Record<string, AttributeValue>): DynamoDBRecord {
  return {
    eventID: 'e-1',
    eventName,
    dynamodb: { SequenceNumber: '1', ...(newImage === undefined ? {} : { NewImage: newImage }), ...(oldImage === undefined ? {} : { OldImage: oldImage }) },
  };
}

describe('activityOfRecord', () => {
  it('turns a new stamp into the entry of its request', () => {
    expect(activityOfRecord(record('MODIFY', image({ lastRequest: stamp('r2') }), image({ lastRequest: stamp('r1') })))).toEqual({
      directoryId: 'dir-1',
      at: '2026-03-01T10:00:00.000Z',
      requestId: 'r2',
      method: 'PATCH',
      resourceType: 'Group',
      resourceId: 'g-1',
      resourceName: 'Analysts',
      status: 204,
      outcome: 'success',
      client: 'entra',
    });
    expect(activityOfRecord(record('INSERT', image({ lastRequest: stamp('r1') }, 'user')))).toMatchObject({ resourceType: 'User', requestId: 'r1' });
  });

  it.each([
    ['the same request stamped again (a later transaction of one PATCH, a retry)', record('MODIFY', image({ lastRequest: stamp('r1', '2026-03-01T10:00:01.000Z') }), image({ lastRequest: stamp('r1') }))],
    ['a change without a stamp (no request)', record('MODIFY', image(), image())],
    ['a delete (its entry is written by its transaction)', record('REMOVE', undefined, image({ lastRequest: stamp('r1') }))],
    ['a membership item', record('INSERT', image({ lastRequest: stamp('r1') }, 'membership'))],
    ['a malformed stamp', record('INSERT', image({ lastRequest: { M: { requestId: { S: 'r1' } } } }))],
    ['a stamp of another directory than its partition', record('INSERT', image({ lastRequest: stamp('r1'), directoryId: { S: 'dir-2' } }))],
  ])('records nothing for %s', (_, given) => {
    expect(activityOfRecord(given)).toBeUndefined();
  });

  it('reads an item that does not repeat its id and directory as one that does', () => {
    const { id: _id, directoryId: _directoryId, ...compact } = image({ lastRequest: stamp('r2') });
    const old = image({ lastRequest: stamp('r1') });
    expect(activityOfRecord(record('MODIFY', compact, old))).toEqual(activityOfRecord(record('MODIFY', image({ lastRequest: stamp('r2') }), old)));
    expect(activityOfRecord(record('MODIFY', compact, old))).toMatchObject({ directoryId: 'dir-1', resourceId: 'g-1' });
  });
});
