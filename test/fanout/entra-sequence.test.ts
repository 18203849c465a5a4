/**
 * The fan-out fed with the real stream of DynamoDB Local after real SCIM operations, in the
 * order Microsoft Entra ID sends them.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../functions/core/schemas/index.ts';
import { PATCH_OP_SCHEMA } from '../../functions/core/patch-op.ts';
import { SCHEMA_VERSION } from '../../functions/events/detail.ts';
import { parseEventBridgeEvent, type DirectoryEvent } from '../../functions/events/index.ts';
import { EventBridgeSink } from '../../functions/fanout/eventbridge-sink.ts';
import { EVENT_BUS, EVENT_SOURCE, SCIM_BASE_URL, streamFixture, type StreamFixture } from './fixtures.ts';

const eventBridge = mockClient(EventBridgeClient);
let sent: PutEventsRequestEntry[][] = [];
let fixture: StreamFixture | undefined;

beforeEach(() => {
  sent = [];
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
    sent.push(input.Entries);
    return { FailedEntryCount: 0, Entries: input.Entries.map((_, index) => ({ EventId: `eb-${sent.length}-${index}` })) };
  });
});

afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

function sink(): EventBridgeSink {
  return new EventBridgeSink(new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), EVENT_BUS);
}

/** Every detail sent so far, parsed as a consumer would. */
function published(): DirectoryEvent[] {
  return sent.flat().map((entry) => {
    expect(entry).toMatchObject({ Source: EVENT_SOURCE, EventBusName: EVENT_BUS });
    return parseEventBridgeEvent({ source: entry.Source, 'detail-type': entry.DetailType, detail: JSON.parse(entry.Detail ?? 'null') }).detail;
  });
}

const patch = (...Operations: Array<Record<string, unknown>>) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

describe('stream fan-out after an Entra ID provisioning cycle', () => {
  it('yields exactly the expected events, in order per resource', async () => {
    fixture = await streamFixture({ sink: sink(), organizationId: 'org-contoso' });
    const { service, ctx, poller, directoryId } = fixture;

    const created = await service.create(ctx, 'User', {
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId: 'a1b2c3',
      userName: 'ada@contoso.test',
      active: 'True',
      displayName: 'Ada Lovelace',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ type: 'work', value: 'ada@contoso.test', primary: true }],
      [ENTERPRISE_USER_SCHEMA]: { department: 'Engineering' },
    });
    const userId = created.body.id as string;
    await service.patch(ctx, 'User', userId, patch(
      { op: 'Replace', path: 'displayName', value: 'Ada King' },
      { op: 'Replace', path: `${ENTERPRISE_USER_SCHEMA}:department`, value: 'Research' },
    ));
    await service.patch(ctx, 'User', userId, patch({ op: 'Replace', path: 'active', value: 'False' }));
    const group = await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA, 'urn:ietf:params:scim:schemas:extension:ADSCIM:2.0:Group'], displayName: 'Analysts', externalId: 'g-77' });
    const groupId = group.body.id as string;
    await service.patch(ctx, 'Group', groupId, patch({ op: 'Add', path: 'members', value: [{ value: userId, $ref: null }] }));
    await service.patch(ctx, 'Group', groupId, patch({ op: 'Remove', path: `members[value eq "${userId}"]` }));
    await service.delete(ctx, 'User', userId);
    await service.delete(ctx, 'Group', groupId);

    await poller.drain();
    const events = published();

    const ofUser = events.filter((event) => ('user' in event && (event.user as { id: string }).id === userId));
    const ofGroup = events.filter((event) => ('group' in event && (event.group as { id: string }).id === groupId));
    const ofMembership = events.filter((event) => event.type === 'group.member_added' || event.type === 'group.member_removed');
    const ofDirectory = events.filter((event) => event.type.startsWith('directory.'));

    expect(ofUser.map((event) => [event.type, 'version' in event ? event.version : undefined])).toEqual([
      ['user.created', 1],
      ['user.updated', 2],
      ['user.deactivated', 3],
      ['user.deleted', 3],
    ]);
    expect(ofGroup.map((event) => [event.type, 'version' in event ? event.version : undefined])).toEqual([
      ['group.created', 1],
      ['group.deleted', 3],
    ]);
    expect(ofMembership).toMatchObject([
      { type: 'group.member_added', groupId, member: { id: userId, type: 'User' } },
      { type: 'group.member_removed', groupId, member: { id: userId, type: 'User' } },
    ]);
    // Both may fall in the same millisecond; the sequence still orders them.
    const [added, removed] = ofMembership as Array<{ sequence: string }>;
    expect(BigInt(removed?.sequence ?? '0')).toBeGreaterThan(BigInt(added?.sequence ?? '0'));
    expect(ofDirectory).toMatchObject([{ type: 'directory.created', directory: { id: directoryId, organizationId: 'org-contoso', status: 'active', provider: 'entra' } }]);
    // Nothing else: memberOf changes and the group's version bumps raise no events.
    expect(events).toHaveLength(ofUser.length + ofGroup.length + ofMembership.length + ofDirectory.length);

    for (const event of events) {
      expect(event).toMatchObject({ schemaVersion: SCHEMA_VERSION, directoryId, organizationId: 'org-contoso' });
      expect(new Set(events.map((other) => other.id)).size).toBe(events.length);
    }
    const [userCreated, userUpdated, deactivated] = ofUser;
    expect(userCreated).toMatchObject({
      user: {
        schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        id: userId,
        externalId: 'a1b2c3',
        userName: 'ada@contoso.test',
        active: true,
        [ENTERPRISE_USER_SCHEMA]: { department: 'Engineering' },
        meta: { resourceType: 'User', version: 'W/"1"', location: `${SCIM_BASE_URL}/${directoryId}/Users/${userId}` },
      },
    });
    expect(userUpdated).toMatchObject({
      changedAttributes: ['displayName', `${ENTERPRISE_USER_SCHEMA}:department`],
      previous: { displayName: 'Ada Lovelace', [`${ENTERPRISE_USER_SCHEMA}:department`]: 'Engineering' },
      user: { displayName: 'Ada King', active: true },
    });
    expect(deactivated).toMatchObject({ user: { id: userId, active: false, meta: { version: 'W/"3"' } } });
    expect(deactivated).not.toHaveProperty('changedAttributes');
    // Groups never carry members in events.
    for (const event of ofGroup) expect((event as { group: object }).group).not.toHaveProperty('members');
    expect(ofGroup[0]).toMatchObject({ group: { displayName: 'Analysts', externalId: 'g-77', meta: { resourceType: 'Group' } } });
  });

  it('keeps ids stable when the same records are delivered again', async () => {
    fixture = await streamFixture({ sink: sink() });
    const { service, ctx, poller, fanout, delivered } = fixture;
    const user = await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'grace@contoso.test', displayName: 'Grace' });
    await service.patch(ctx, 'User', user.body.id as string, patch(
      { op: 'replace', path: 'active', value: 'False' },
      { op: 'replace', path: 'displayName', value: 'Grace H.' },
    ));
    await poller.drain();
    const first = published();
    expect(first.map((event) => event.type)).toEqual(['directory.created', 'user.created', 'user.updated', 'user.deactivated']);
    expect(first.map((event) => event.organizationId)).toEqual([null, null, null, null]);
    // One record, two events: both ids derive from the record's eventID, each with its own suffix.
    const modify = delivered.find((record) => record.eventName === 'MODIFY');
    expect(first[2]?.id).toBe(`${modify?.eventID}:user.updated`);
    expect(first[3]?.id).toBe(`${modify?.eventID}:user.deactivated`);
    expect(first[1]?.id).toBe(delivered.find((record) => record.eventName === 'INSERT' && record.dynamodb?.Keys?.sk?.S?.startsWith('USER#'))?.eventID);

    sent = [];
    const response = await fanout.handleBatch({ Records: delivered });
    expect(response.batchItemFailures).toEqual([]);
    expect(published()).toEqual(first);
  });

  it('announces each member of a large membership change with its own small event', async () => {
    fixture = await streamFixture({ sink: sink(), organizationId: 'org-big' });
    const { service, ctx, poller } = fixture;
    const group = await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Everyone' });
    const userIds: string[] = [];
    for (let index = 0; index < 60; index++) {
      const user = await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `user${index}@contoso.test` });
      userIds.push(user.body.id as string);
    }
    await service.patch(ctx, 'Group', group.body.id as string, patch({ op: 'add', path: 'members', value: userIds.map((value) => ({ value })) }));
    await poller.drain();

    const added = published().filter((event) => event.type === 'group.member_added');
    expect(added.map((event) => (event as { member: { id: string } }).member.id).sort()).toEqual([...userIds].sort());
    for (const entries of sent) expect(entries.length).toBeLessThanOrEqual(10);
    const sizes = sent.flat().filter((entry) => entry.DetailType === 'group.member_added').map((entry) => Buffer.byteLength(entry.Detail ?? ''));
    expect(Math.max(...sizes)).toBeLessThan(512);
  });
});

describe('stream fan-out of directory lifecycle changes', () => {
  it('announces renames, organization moves, disable, enable and deletion', async () => {
    fixture = await streamFixture({ sink: sink(), organizationId: 'org-a' });
    const { directories, directoryId, poller, service, ctx } = fixture;
    const at = () => new Date().toISOString();
    await directories.update(directoryId, 1, { name: 'Contoso', organizationId: 'org-b' }, at());
    // The next user event must already carry the new organization, without waiting for a cache to expire.
    await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'moved@contoso.test' });
    await directories.update(directoryId, 2, { status: 'disabled' }, at());
    await directories.update(directoryId, 3, { status: 'active', name: 'Contoso Ltd' }, at());
    await directories.update(directoryId, 4, { status: 'disabled', deletingSince: at() }, at());
    await directories.deleteRecord(directoryId);
    await poller.drain();

    const events = published().filter((event) => event.type.startsWith('directory.') || event.type === 'user.created');
    expect(events.map((event) => event.type)).toEqual([
      'directory.created',
      'directory.updated',
      'user.created',
      'directory.disabled',
      'directory.updated',
      'directory.enabled',
      'directory.disabled',
      'directory.deleted',
    ]);
    expect(events[1]).toMatchObject({
      organizationId: 'org-b',
      version: 2,
      changedAttributes: ['name', 'organizationId'],
      previous: { name: 'Contoso (Entra ID)', organizationId: 'org-a' },
      directory: { id: directoryId, name: 'Contoso', organizationId: 'org-b', status: 'active' },
    });
    expect(events[2]).toMatchObject({ type: 'user.created', organizationId: 'org-b' });
    expect(events[4]).toMatchObject({ changedAttributes: ['name'], previous: { name: 'Contoso' }, version: 4 });
    expect(events[7]).toMatchObject({ type: 'directory.deleted', version: 5, directory: { status: 'disabled' } });
    expect(events[7]?.id).not.toBe(events[6]?.id);
  });
});
