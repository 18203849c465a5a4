/**
 * Connected tests of GET /Users and GET /Groups on DynamoDB Local: what filters find, which
 * filters are refused, and which cursors are refused (RFC 7644 §3.4.2, RFC 9865).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldCase } from '../../functions/core/case-fold.ts';
import { isScimError } from '../../functions/core/error.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { DirectoryService, type ScimContext } from '../../functions/service/directory-service.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';
import { scimRejectionOf } from '../support/scim-errors.ts';
import { USER_SCHEMA } from '../support/urns.ts';

let table: TestTable;
let service: DirectoryService;

beforeAll(async () => {
  table = await createTestTable('listing');
  service = new DirectoryService(new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName }));
});

function newDirectory(): ScimContext {
  const directoryId = `dir-${randomUUID().slice(0, 8)}`;
  return { directoryId, baseUrl: `https://scim.example.test/scim/v2/${directoryId}` };
}

async function createUser(ctx: ScimContext, userName: string): Promise<string> {
  const { body } = await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName });
  return body.id as string;
}

const idsOf = (result: { Resources: Array<Record<string, unknown>> }) => result.Resources.map((resource) => resource.id);

describe('one case rule for uniqueness and filters', () => {
  const NFD = 'Ame\u0301lie';
  const NFC = 'Am\u00e9lie';

  it('finds by eq, co, sw and ew the user whose name in another normal form is refused as a duplicate', async () => {
    const ctx = newDirectory();
    const id = await createUser(ctx, NFD);
    expect(await scimRejectionOf(() => createUser(ctx, NFC.toUpperCase()))).toMatchObject({ status: 409, scimType: 'uniqueness' });
    for (const filter of [`userName eq "${NFC.toUpperCase()}"`, `userName co "\u00c9LI"`, `userName sw "am\u00e9"`, `userName ew "\u00e9lie"`]) {
      expect(idsOf(await service.list(ctx, 'User', { filter })), filter).toEqual([id]);
    }
  });

  it('keeps ß and ss, İ and i, full-width and ASCII apart in claims and filters alike', async () => {
    const ctx = newDirectory();
    for (const [stored, other] of [
      ['stra\u00dfe', 'STRASSE'],
      ['\u0130stanbul', 'istanbul'],
      ['\uff41\uff44\uff41', 'ada'],
    ]) {
      const id = await createUser(ctx, stored as string);
      const otherId = await createUser(ctx, other as string);
      expect(idsOf(await service.list(ctx, 'User', { filter: `userName eq "${other}"` }))).toEqual([otherId]);
      expect(idsOf(await service.list(ctx, 'User', { filter: `userName eq "${stored}"` }))).toEqual([id]);
    }
  });

  it('finds with eq every value uniqueness refused (property, bounded)', async () => {
    const ctx = newDirectory();
    const forms = fc.constantFrom<'NFC' | 'NFD'>('NFC', 'NFD');
    const letterCase = fc.constantFrom('upper', 'lower', 'same');
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }), forms, forms, letterCase, async (name, storedForm, sentForm, sentCase) => {
        const stored = `${name}-${randomUUID().slice(0, 6)}`.normalize(storedForm);
        let sent = stored.normalize(sentForm);
        if (sentCase === 'upper') sent = sent.toUpperCase();
        if (sentCase === 'lower') sent = sent.toLowerCase();
        fc.pre(!/["\\\p{Cc}]/u.test(sent) && stored.trim() === stored);
        const id = await createUser(ctx, stored);
        const refused = await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: sent }).then(
          () => false,
          (error: unknown) => (isScimError(error) && error.scimType === 'uniqueness' ? true : Promise.reject(error)),
        );
        expect(refused).toBe(foldCase(sent) === foldCase(stored));
        if (refused) expect(idsOf(await service.list(ctx, 'User', { filter: `userName eq ${JSON.stringify(sent)}` }))).toEqual([id]);
      }),
      { numRuns: 25 },
    );
  });
});

describe('filters on attributes the resource type does not define', () => {
  it('answer 400 invalidFilter, whether or not an index would serve the rest of the filter', async () => {
    const ctx = newDirectory();
    await createUser(ctx, 'ada');
    for (const filter of ['nickname2 eq "ada"', 'userName eq "ada" and favouriteColour eq "blue"', 'employeeNumber eq "1"', 'name.middle pr']) {
      expect(await scimRejectionOf(() => service.list(ctx, 'User', { filter })), filter).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    }
    expect(await scimRejectionOf(() => service.list(ctx, 'Group', { filter: 'userName eq "ada"' }))).toMatchObject({ status: 400, scimType: 'invalidFilter' });
  });

  it('still answer a well-formed filter that matches nobody with an empty list (Entra ID Test Connection)', async () => {
    const ctx = newDirectory();
    const result = await service.list(ctx, 'User', { filter: `userName eq "${randomUUID()}"` });
    expect(result.totalResults).toBe(0);
  });
});

describe('cursor paging (RFC 9865)', () => {
  async function firstPage(ctx: ScimContext, filter?: string) {
    const page = await service.list(ctx, 'User', { cursor: '', count: '2', ...(filter === undefined ? {} : { filter }) });
    expect(page.nextCursor).toEqual(expect.any(String));
    return page.nextCursor as string;
  }

  it('walks every user once, and refuses a cursor in another directory, for another query or altered', async () => {
    const ctx = newDirectory();
    const other = newDirectory();
    const ids = [];
    for (const name of ['c-1', 'c-2', 'c-3', 'c-4', 'c-5']) ids.push(await createUser(ctx, name));
    await createUser(other, 'c-1');
    await createUser(other, 'c-2');
    await createUser(other, 'c-3');

    const seen: unknown[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page += 1) {
      const result = await service.list(ctx, 'User', { cursor, count: '2' });
      seen.push(...idsOf(result));
      if (result.nextCursor === undefined) break;
      cursor = result.nextCursor as string;
    }
    expect(seen.sort()).toEqual([...ids].sort());

    const unfiltered = await firstPage(ctx);
    const filtered = await firstPage(ctx, 'userName sw "c-"');
    const refusals: Array<[string, () => Promise<unknown>]> = [
      ['another directory', () => service.list(other, 'User', { cursor: unfiltered, count: '2' })],
      ['another filter', () => service.list(ctx, 'User', { cursor: filtered, count: '2', filter: 'userName sw "c"' })],
      ['no filter', () => service.list(ctx, 'User', { cursor: filtered, count: '2' })],
      ['Groups', () => service.list(ctx, 'Group', { cursor: unfiltered, count: '2' })],
      ['an altered cursor', () => service.list(ctx, 'User', { cursor: `A${unfiltered.slice(1)}`, count: '2' })],
      ['a count of 0', () => service.list(other, 'User', { cursor: unfiltered, count: '0' })],
    ];
    for (const [name, request] of refusals) {
      expect(await scimRejectionOf(request), name).toMatchObject({ status: 400, scimType: 'invalidCursor' });
    }
    // The same cursor still serves its own query, with another projection.
    expect((await service.list(ctx, 'User', { cursor: unfiltered, count: '2', attributes: ['userName'] })).Resources).toHaveLength(2);
  });
});
