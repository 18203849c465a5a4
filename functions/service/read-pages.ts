/**
 * Bounded walks over the storage port's paged listings. Every internal read of "all of
 * something" goes through here, so that a listing which does not end within its bound fails
 * with an error instead of stopping quietly and answering with part of the data.
 */
import type { Page } from './repository.ts';

/** Raised when a paged read did not finish within its bound: a defect or corrupt data, never a client error. */
export class PagingLimitError extends Error {
  override readonly name = 'PagingLimitError';
  constructor(what: string, maxPages: number) {
    super(`${what} did not finish within ${maxPages} pages`);
  }
}

/** How far a walk may go, and what it reads (for the error). */
export interface PageBound {
  maxPages: number;
  what: string;
}

/**
 * Reads a listing page after page, from the start, handing each page's items to `visit`, until
 * the listing ends or `visit` returns true (enough read). Throws {@link PagingLimitError} when
 * the listing still has pages after `maxPages`.
 *
 * @example
 * const members: MemberRef[] = [];
 * await forEachPage((startAfter) => repository.listMembers(dir, group, { limit: 1000, startAfter }), (items) => {
 *   members.push(...items);
 * }, { maxPages: 100, what: 'the members of a group' });
 */
export async function forEachPage<T>(
  read: (startAfter: string | undefined) => Promise<Page<T>>,
  visit: (items: T[]) => boolean | void | Promise<boolean | void>,
  bound: PageBound,
): Promise<void> {
  let startAfter: string | undefined;
  for (let pages = 0; pages < bound.maxPages; pages++) {
    const page = await read(startAfter);
    if ((await visit(page.items)) === true || page.lastKey === undefined) return;
    startAfter = page.lastKey;
  }
  throw new PagingLimitError(bound.what, bound.maxPages);
}

/**
 * Empties a listing: reads its first page and hands it to `consume` (which removes those items),
 * again and again until a read finds nothing. Re-reading the first page rather than following a
 * key also catches items added meanwhile. Throws {@link PagingLimitError} past `maxPages`.
 */
export async function drainPages<T>(read: () => Promise<Page<T>>, consume: (items: T[]) => Promise<void>, bound: PageBound): Promise<void> {
  for (let pages = 0; pages < bound.maxPages; pages++) {
    const page = await read();
    if (page.items.length === 0) return;
    await consume(page.items);
  }
  throw new PagingLimitError(bound.what, bound.maxPages);
}
