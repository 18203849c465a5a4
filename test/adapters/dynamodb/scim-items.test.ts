/**
 * User and group items store nothing their keys or other attributes say (id, directory,
 * canonical `schemas`), and read back whole; items written while they were stored read, list and
 * change as before. Pure rules first, then on DynamoDB Local.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { entraGroup, entraUser, seedTag } from '../../../bench/fixtures.ts';
import { itemSize } from '../../../bench/item-size.ts';
import { keys } from '../../../functions/adapters/dynamodb/keys.ts';
import { completeResourceItem, storedAttributes } from '../../../functions/adapters/dynamodb/scim-items.ts';
import type { DirectoryService, ScimContext } from '../../../functions/service/directory-service.ts';
import { newDirectory, serviceFixture, type ServiceFixture } from '../../support/service-fixtures.ts';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../../support/urns.ts';

describe('storedAttributes', () => {
  it.each([
    ['a user with core attributes only', 'User', { schemas: [USER_SCHEMA], userName: 'ada' }, { userName: 'ada' }],
    ['a user with enterprise attributes', 'User', { schemas: [USER_SCHEMA, ENTERPRISE], userName: 'ada', [ENTERPRISE]: { department: 'R' } }, { userName: 'ada', [ENTERPRISE]: { department: 'R' } }],
    ['a group', 'Group', { schemas: [GROUP_SCHEMA], displayName: 'G' }, { displayName: 'G' }],
  ] as const)('leaves out the canonical schemas of %s', (_, type, attributes, stored) => {
    expect(storedAttributes(type, attributes)).toEqual(stored);
  });

  it.each([
    ['an extension listed without its attributes', { schemas: [USER_SCHEMA, ENTERPRISE], userName: 'ada' }],
    ['extension attributes not listed', { schemas: [USER_SCHEMA], userName: 'ada', [ENTERPRISE]: { department: 'R' } }],
    ['no list at all', { userName: 'ada' }],
  ])('keeps a list it could not restore: %s', (_, attributes) => {
    expect(storedAttributes('User', attributes)).toEqual(attributes);
  });
});

describe('completeResourceItem', () => {
  const key = { pk: 'DIR#d1', sk: 'USER#u1' };

  it('puts back the id, the directory and the canonical schemas', () => {
    expect(completeResourceItem({ ...key, version: 1, attributes: { userName: 'ada', [ENTERPRISE]: { department: 'R' } } })).toEqual({
      ...key,
      id: 'u1',
      directoryId: 'd1',
      version: 1,
      attributes: { schemas: [USER_SCHEMA, ENTERPRISE], userName: 'ada', [ENTERPRISE]: { department: 'R' } },
    });
    expect(completeResourceItem({ pk: 'DIR#d1', sk: 'GROUP#g1', attributes: { displayName: 'G' } })).toMatchObject({ id: 'g1', attributes: { schemas: [GROUP_SCHEMA] } });
  });

  it('keeps what an item stores, as items written before do', () => {
    const old = { ...key, id: 'u1', directoryId: 'd1', attributes: { schemas: [USER_SCHEMA, ENTERPRISE], userName: 'ada' } };
    expect(completeResourceItem(old)).toEqual(old);
  });

  it('leaves any other item alone', () => {
    const claim = { pk: 'DIR#d1', sk: 'UNIQUE#USERNAME#ada', resourceId: 'u1' };
    expect(completeResourceItem(claim)).toEqual(claim);
  });
});

describe('user and group items on DynamoDB Local', () => {
  let fixture: ServiceFixture;
  let service: DirectoryService;
  beforeAll(async () => {
    fixture = await serviceFixture('scim-items');
    service = fixture.service;
  });

  const raw = async (key: { pk: string; sk: string }) =>
    (await fixture.table.documentClient.send(new GetCommand({ TableName: fixture.table.tableName, Key: key, ConsistentRead: true }))).Item ?? {};
  const addMember = (ctx: ScimContext, groupId: string, userId: string) =>
    service.patch(ctx, 'Group', groupId, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: userId }] }] });

  it('stores a user without its id, directory or schemas, and reads it whole', async () => {
    const ctx = newDirectory();
    const created = await service.create(ctx, 'User', entraUser('stored'));
    const id = created.body.id as string;
    const item = await raw(keys.user(ctx.directoryId, id));
    expect(item).not.toHaveProperty('id');
    expect(item).not.toHaveProperty('directoryId');
    expect(item.attributes).not.toHaveProperty('schemas');
    const read = await service.get(ctx, 'User', id);
    expect(read.body).toEqual(created.body);
    expect(read.body).toMatchObject({ id, schemas: [USER_SCHEMA, ENTERPRISE] });
  });

  it('keeps an Entra ID user in two groups within one KB, so its memberOf change costs one transactional unit pair', async () => {
    // A transaction pays 2 WRU per started KB of each item: past 1 KB a member add's memberOf update costs 4, not 2.
    const ctx = newDirectory();
    const userId = (await service.create(ctx, 'User', entraUser(seedTag('entra', 0)))).body.id as string;
    for (const n of [0, 1]) {
      const groupId = (await service.create(ctx, 'Group', entraGroup(seedTag('entra', n)))).body.id as string;
      await addMember(ctx, groupId, userId);
    }
    const key = keys.user(ctx.directoryId, userId);
    const { Item } = await fixture.table.client.send(new GetItemCommand({ TableName: fixture.table.tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }));
    expect(Item?.memberOf?.SS).toHaveLength(2);
    expect(itemSize(Item ?? {})).toBeLessThan(1024);
  });

  it('reads, lists and changes an item written while it stored them, as before', async () => {
    const ctx = newDirectory();
    const body = { ...entraUser('old'), title: 'Analyst' };
    const created = await service.create(ctx, 'User', body);
    const id = created.body.id as string;
    const key = keys.user(ctx.directoryId, id);
    // The same user as it was written before: id, directory and schemas stored.
    const current = await raw(key);
    const attributes = current.attributes as Record<string, unknown>;
    await fixture.table.documentClient.send(
      new PutCommand({ TableName: fixture.table.tableName, Item: { ...current, id, directoryId: ctx.directoryId, attributes: { schemas: [USER_SCHEMA, ENTERPRISE], ...attributes } } }),
    );
    expect((await service.get(ctx, 'User', id)).body).toEqual(created.body);

    const listed = await service.list(ctx, 'User', { filter: 'title eq "Analyst"' });
    expect(listed).toMatchObject({ totalResults: 1, Resources: [created.body] });

    // One-write PATCH of a plain attribute, then a general one (a removal), on the old item.
    const plain = await service.patch(ctx, 'User', id, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'title', value: 'Lead' }] }, undefined, {});
    expect(plain?.body).toMatchObject({ id, title: 'Lead', schemas: [USER_SCHEMA, ENTERPRISE], meta: { version: 'W/"2"' } });
    const general = await service.patch(ctx, 'User', id, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: `${ENTERPRISE}:department` }] }, undefined, {});
    expect(general?.body).toMatchObject({ id, schemas: [USER_SCHEMA, ENTERPRISE], meta: { version: 'W/"3"' } });
    // Rewritten in the new shape; the extension still holds employeeNumber, so it is still listed.
    expect((await raw(key)).attributes).not.toHaveProperty('schemas');
    expect((await service.get(ctx, 'User', id)).body).toEqual(general?.body);
  });
});
