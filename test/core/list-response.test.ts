import { describe, expect, it } from 'vitest';
import { LIST_RESPONSE_SCHEMA, listResponse } from '../../functions/core/list-response.ts';

describe('listResponse (RFC 7644 §3.4.2, RFC 9865 §3)', () => {
  it.each<[string, Parameters<typeof listResponse>[1], Record<string, unknown>]>([
    ['an empty index page, as Test Connection expects', { totalResults: 0, startIndex: 1, itemsPerPage: 0 }, { totalResults: 0, startIndex: 1, itemsPerPage: 0 }],
    ['a cursor page with a next cursor', { totalResults: 5, itemsPerPage: 2, nextCursor: 'c2' }, { totalResults: 5, itemsPerPage: 2, nextCursor: 'c2' }],
    ['a last cursor page', { totalResults: 5, itemsPerPage: 1, previousCursor: 'c2' }, { totalResults: 5, itemsPerPage: 1, previousCursor: 'c2' }],
  ])('%s', (_label, page, expected) => {
    expect(listResponse([], page)).toEqual({ schemas: [LIST_RESPONSE_SCHEMA], ...expected, Resources: [] });
  });

  it('keeps the resources in order and the RFC key order', () => {
    const response = listResponse([{ id: 'a' }, { id: 'b' }], { totalResults: 7, startIndex: 3, itemsPerPage: 2, nextCursor: 'n', previousCursor: 'p' });
    expect(response.Resources).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(Object.keys(response)).toEqual(['schemas', 'totalResults', 'startIndex', 'itemsPerPage', 'nextCursor', 'previousCursor', 'Resources']);
  });
});
