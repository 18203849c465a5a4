import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../functions/events/detail.ts';
import { parseDirectoryEvent, type DirectoryEvent } from '../../functions/events/index.ts';
import { chunkEntries, entrySize, MAX_ENTRY_BYTES, toOutboundEvent, trimEvent } from '../../functions/fanout/entries.ts';

const base = { schemaVersion: SCHEMA_VERSION, occurredAt: '2026-03-01T10:00:00.000Z', directoryId: 'd1', organizationId: 'o1' };
const meta = (resourceType: 'User' | 'Group') => ({ resourceType, created: base.occurredAt, lastModified: base.occurredAt, location: `https://x/scim/v2/d1/${resourceType}s/u1`, version: 'W/"4"' });

function userUpdated(nickName: string): DirectoryEvent {
  return parseDirectoryEvent({
    ...base,
    id: 'e1',
    type: 'user.updated',
    user: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u1', externalId: 'x1', userName: 'ada', nickName, emails: [{ value: 'ada@x' }], meta: meta('User') },
    version: 4,
    changedAttributes: ['nickName'],
    previous: { nickName: 'old' },
  });
}

describe('entry sizes and trimming', () => {
  it('counts bytes as EventBridge does: Time, Source, DetailType and Detail in UTF-8', () => {
    expect(entrySize({ source: 'src', detailType: 'user.created', detail: '{"a":"é"}' })).toBe(14 + 3 + 12 + 10);
  });

  it('sends an event whole when it fits', () => {
    const entry = toOutboundEvent(userUpdated('short'), 'src', 'bus');
    expect(JSON.parse(entry.detail)).toEqual(userUpdated('short'));
    expect(entry).toMatchObject({ detailType: 'user.updated', source: 'src', time: new Date(base.occurredAt) });
  });

  it('trims an event that would exceed 256 KiB to its identifiers and flags it', () => {
    const entry = toOutboundEvent(userUpdated('n'.repeat(MAX_ENTRY_BYTES)), 'src', 'bus');
    expect(entry.bytes).toBeLessThan(2048);
    expect(parseDirectoryEvent(JSON.parse(entry.detail))).toEqual({
      ...base,
      id: 'e1',
      type: 'user.updated',
      user: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u1', externalId: 'x1', userName: 'ada', meta: meta('User') },
      version: 4,
      changedAttributes: ['nickName'],
      previous: {},
      truncated: true,
    });
  });

  it('leaves membership events alone (they are always small)', () => {
    const event = parseDirectoryEvent({ ...base, id: 'e2', type: 'group.member_added', groupId: 'g1', member: { id: 'u1', type: 'User' }, sequence: '4100000000000012345678' });
    expect(trimEvent(event)).toBe(event);
  });

  it('chunks in order by 10 entries and by 256 KiB', () => {
    const sized = (bytes: number, name: string) => ({ bytes, name });
    expect(chunkEntries(Array.from({ length: 23 }, (_, index) => sized(100, `e${index}`))).map((chunk) => chunk.length)).toEqual([10, 10, 3]);
    const big = chunkEntries([sized(100_000, 'a'), sized(100_000, 'b'), sized(100_000, 'c'), sized(10, 'd')]);
    expect(big.map((chunk) => chunk.map((entry) => entry.name))).toEqual([['a', 'b'], ['c', 'd']]);
    expect(chunkEntries([sized(MAX_ENTRY_BYTES, 'alone'), sized(1, 'next')]).map((chunk) => chunk.length)).toEqual([1, 1]);
    expect(chunkEntries([])).toEqual([]);
  });
});
