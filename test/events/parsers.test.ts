import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SCHEMA_VERSION } from '../../functions/events/detail.ts';
import { EVENT_SCHEMAS, EVENT_TYPES, isEventType, parseDirectoryEvent, parseEventBridgeEvent, parseEventOfType } from '../../functions/events/index.ts';

const memberAdded = {
  id: 'ev-1',
  type: 'group.member_added',
  schemaVersion: SCHEMA_VERSION,
  occurredAt: '2026-03-02T09:16:06.663Z',
  directoryId: 'd1',
  organizationId: null,
  groupId: 'g1',
  member: { id: 'u1', type: 'User' },
  sequence: '401000000000021437659201',
};

describe('event parsers', () => {
  it('has a schema for every type of the catalogue', () => {
    expect(Object.keys(EVENT_SCHEMAS)).toEqual([...EVENT_TYPES]);
    expect(isEventType('user.created')).toBe(true);
    expect(isEventType('user.renamed')).toBe(false);
  });

  it('parses a detail and keeps fields a newer service version added', () => {
    expect(parseDirectoryEvent({ ...memberAdded, addedBy: 'entra' })).toEqual({ ...memberAdded, addedBy: 'entra' });
    expect(parseEventOfType('group.member_added', memberAdded).member.type).toBe('User');
  });

  it.each([
    ['an unknown type', { ...memberAdded, type: 'group.member_moved' }],
    ['another schemaVersion', { ...memberAdded, schemaVersion: SCHEMA_VERSION + 1 }],
    ['a missing field', { ...memberAdded, groupId: undefined }],
    ['a malformed time', { ...memberAdded, occurredAt: 'yesterday' }],
    ['a sequence that is not a number', { ...memberAdded, sequence: 'abc' }],
  ])('rejects %s', (_, detail) => {
    expect(() => parseDirectoryEvent(detail)).toThrow(z.ZodError);
  });

  it('rejects a detail of another type than expected', () => {
    expect(() => parseEventOfType('group.member_removed', memberAdded)).toThrow(z.ZodError);
  });

  it('parses an EventBridge event and checks that detail-type and detail agree', () => {
    const envelope = { id: 'eb-1', source: 'scim-directory-sync', 'detail-type': 'group.member_added', detail: memberAdded };
    expect(parseEventBridgeEvent(envelope)).toEqual({ source: 'scim-directory-sync', detailType: 'group.member_added', eventBridgeId: 'eb-1', detail: memberAdded });
    expect(() => parseEventBridgeEvent({ ...envelope, 'detail-type': 'group.member_removed' })).toThrow(z.ZodError);
    expect(() => parseEventBridgeEvent({ detail: memberAdded })).toThrow(z.ZodError);
  });
});
