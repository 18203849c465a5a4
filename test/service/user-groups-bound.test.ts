/**
 * A page of users carries each user's groups (RFC 7643 §4.1.2); a user may be in 5,000 groups, so
 * a page ends early when its users' groups together pass the response budget, as a page of groups
 * does for members, and the next page starts where it stopped.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { DirectoryService, type ScimContext } from '../../functions/service/directory-service.ts';
import { createTestTable } from '../support/dynamodb.ts';
import { GROUP_SCHEMA, USER_SCHEMA } from '../support/urns.ts';

let service: DirectoryService;

beforeAll(async () => {
  const table = await createTestTable('user-groups');
  service = new DirectoryService(new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName }), { maxInlineMembers: 5 });
});

type Page = { Resources: Array<{ id: string; groups?: unknown[] }>; itemsPerPage: number; totalResults: number; nextCursor?: string };

describe('users in many groups, listed', () => {
  it('end a page early when their groups pass the budget, and every user is listed once', async () => {
    const directoryId = `dir-${randomUUID().slice(0, 8)}`;
    const ctx: ScimContext = { directoryId, baseUrl: `https://scim.example.test/scim/v2/${directoryId}` };
    const users: string[] = [];
    for (let i = 0; i < 4; i++) users.push((await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: `u${i}` })).body.id as string);
    // Two groups, each with every user: each user is in two groups, 8 references for 4 users.
    for (const name of ['a', 'b']) await service.create(ctx, 'Group', { schemas: [GROUP_SCHEMA], displayName: name, members: users.map((value) => ({ value })) });

    const first = (await service.list(ctx, 'User', { count: '10', cursor: '' })) as unknown as Page;
    expect(first.itemsPerPage).toBe(2);
    expect(first.Resources.every((user) => user.groups?.length === 2)).toBe(true);
    expect(first.nextCursor).toBeDefined();
    const second = (await service.list(ctx, 'User', { count: '10', cursor: first.nextCursor })) as unknown as Page;
    expect(second.itemsPerPage).toBe(2);
    expect([...first.Resources, ...second.Resources].map((user) => user.id).sort()).toEqual([...users].sort());
    // Without groups in the response, nothing bounds the page but count.
    const lean = (await service.list(ctx, 'User', { count: '10', excludedAttributes: ['groups'] })) as unknown as Page;
    expect(lean.itemsPerPage).toBe(4);
  });
});
