/**
 * The ListResponse message of a query (RFC 7644 §3.4.2), with the cursor attributes of
 * RFC 9865 §3.
 */

/** ListResponse message URN (RFC 7644 §3.4.2). */
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** Paging facts of one page of results. */
export interface ListPage {
  /** Number of results matching the query, across all pages. */
  totalResults: number;
  /** 1-based index of the first result on this page; index paging only (RFC 7644 §3.4.2.4). */
  startIndex?: number;
  /** Number of results on this page. */
  itemsPerPage: number;
  /** Cursor of the next page; absent on the last page (RFC 9865 §3). */
  nextCursor?: string;
  /** Cursor of the previous page, when known (RFC 9865 §3). */
  previousCursor?: string;
}

/** The JSON body of a ListResponse. */
export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex?: number;
  itemsPerPage: number;
  nextCursor?: string;
  previousCursor?: string;
  Resources: T[];
}

/**
 * Builds a ListResponse. `Resources` is always present, even when empty: RFC 7644 §3.4.2 only
 * requires it for a non-zero total, but clients such as Entra ID's Test Connection read it
 * either way. Optional paging attributes appear only when given.
 *
 * @example
 * listResponse([], { totalResults: 0, startIndex: 1, itemsPerPage: 0 });
 * // { schemas: [LIST_RESPONSE_SCHEMA], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] }
 */
export function listResponse<T>(resources: T[], page: ListPage): ListResponse<T> {
  // Key order as in the RFC's examples, so that responses read naturally.
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: page.totalResults,
    ...(page.startIndex === undefined ? {} : { startIndex: page.startIndex }),
    itemsPerPage: page.itemsPerPage,
    ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    ...(page.previousCursor === undefined ? {} : { previousCursor: page.previousCursor }),
    Resources: resources,
  };
}
