/**
 * Group members' display names (RFC 7643 §4.2 `members.display`), kept on the membership items by
 * the fan-out from DynamoDB Local's real stream: a group's members then render with their names
 * at the cost of the membership Query alone, and follow renames.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { GROUP_SCHEMA, USER_SCHEMA } from '../../functions/core/schemas/index.ts';
import { PATCH_OP_SCHEMA } from '../../functions/core/patch-op.ts';
import type { EventSink } from '../../functions/fanout/sink.ts';
import { commandsOf, RequestCounter } from '../support/request-counter.ts';
import { streamFixture, type StreamFixture } from './fixtures.ts';

let fixture: StreamFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

/** Accepts every event: these tests look at the table, not at the events. */
const acceptAll: EventSink = { send: async (entries) => entries.map(() => ({ ok: true as const })) };
const patch = (...Operations: Array<Record<string, unknown>>) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

describe('members’ display names', () => {
  it('are read in one batch before the fan-out writes them, then come with the membership Query alone, and follow renames', async () => {
    fixture = await streamFixture({ sink: acceptAll, memberDisplays: true });
    const { service, ctx, poller, table } = fixture;
    const counter = new RequestCounter(table.client);
    const ada = (await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'ada@contoso.test', displayName: 'Ada Lovelace' })).body.id as string;
    const bob = (await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'bob@contoso.test' })).body.id as string;
    const team = (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Team' })).body.id as string;
    const group = (await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Analysts' })).body.id as string;
    await service.patch(ctx, 'Group', group, patch({ op: 'Add', path: 'members', value: [{ value: ada }, { value: bob }, { value: team, type: 'Group' }] }));

    const expected = (adaName: string) =>
      expect.arrayContaining([
        expect.objectContaining({ value: ada, display: adaName }),
        // No displayName: the userName stands in.
        expect.objectContaining({ value: bob, display: 'bob@contoso.test' }),
        expect.objectContaining({ value: team, display: 'Team' }),
      ]);
    const before = await counter.during(() => service.get(ctx, 'Group', group));
    expect(before.result.body.members).toEqual(expected('Ada Lovelace'));
    expect(commandsOf(before.requests)).toEqual(['GetItem', 'Query', 'BatchGetItem']);

    await poller.drain();
    const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.membership(ctx.directoryId, group, ada), ConsistentRead: true }));
    expect(Item?.display).toBe('Ada Lovelace');
    const after = await counter.during(() => service.get(ctx, 'Group', group));
    expect(after.result.body.members).toEqual(expected('Ada Lovelace'));
    expect(commandsOf(after.requests)).toEqual(['GetItem', 'Query']);

    await service.patch(ctx, 'User', ada, patch({ op: 'Replace', path: 'displayName', value: 'Ada King' }));
    await poller.drain();
    const renamed = await counter.during(() => service.get(ctx, 'Group', group));
    expect(renamed.result.body.members).toEqual(expected('Ada King'));
    expect(commandsOf(renamed.requests)).toEqual(['GetItem', 'Query']);
  });
});
