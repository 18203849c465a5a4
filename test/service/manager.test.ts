/**
 * The enterprise manager (RFC 7643 §4.3) names a user of the same directory, checked in the
 * write itself; its `$ref` is rendered by the service, never stored from input.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { DirectoryService, type ScimContext } from '../../functions/service/directory-service.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';
import { newDirectory } from '../support/service-fixtures.ts';
import { scimRejectionOf } from '../support/scim-errors.ts';
import { ENTERPRISE, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

let table: TestTable;
let service: DirectoryService;

beforeAll(async () => {
  table = await createTestTable('manager');
  service = new DirectoryService(new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName }));
});

const user = async (ctx: ScimContext, extra: Record<string, unknown> = {}) =>
  (await service.create(ctx, 'User', { schemas: [USER_SCHEMA, ENTERPRISE], userName: `u-${randomUUID()}`, ...extra })).body;

describe('the enterprise manager', () => {
  it('must be a user of the same directory, on create and on PATCH; nothing is stored otherwise', async () => {
    const ctx = newDirectory();
    const other = newDirectory();
    const stranger = (await user(other)).id as string;
    const refused = await scimRejectionOf(() => user(ctx, { [ENTERPRISE]: { manager: { value: stranger } } }));
    expect(refused).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(refused.detail).toContain('manager');
    const boss = (await user(ctx)).id as string;
    const ada = (await user(ctx)).id as string;
    const patch = (value: unknown) => service.patch(ctx, 'User', ada, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: `${ENTERPRISE}:manager`, value }] }, undefined, {});
    expect((await scimRejectionOf(() => patch({ value: stranger }))).status).toBe(400);
    expect((await scimRejectionOf(() => patch('not an id at all'))).status).toBe(400);
    expect((await service.get(ctx, 'User', ada)).body[ENTERPRISE]).toBeUndefined();
    const patched = await patch(boss);
    expect(patched?.body[ENTERPRISE]).toEqual({ manager: { value: boss, $ref: `${ctx.baseUrl}/Users/${boss}` } });
  });

  it('has its $ref rendered from its id, never stored from input', async () => {
    const ctx = newDirectory();
    const boss = (await user(ctx)).id as string;
    const created = await user(ctx, { [ENTERPRISE]: { manager: { value: boss, $ref: 'https://attacker.example/Users/x' } } });
    expect((created[ENTERPRISE] as { manager: unknown }).manager).toEqual({ value: boss, $ref: `${ctx.baseUrl}/Users/${boss}` });
    const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.user(ctx.directoryId, created.id as string), ConsistentRead: true }));
    expect(Item?.attributes[ENTERPRISE].manager).toEqual({ value: boss });
  });
});
