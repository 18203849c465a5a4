/**
 * GET /Users and GET /Groups for the directory service: filtering, index and cursor paging, and
 * the members of the groups on a page (RFC 7644 §3.4.2, RFC 9865).
 *
 * A filter that names an indexed value (id, userName, externalId, displayName) is a few key
 * reads; any other filter scans the directory up to `maxFilterScan` resources. Unfiltered index
 * paging continues from a marker the previous page left, so sequential pages cost O(count).
 */
import { isScimError, ScimError } from '../core/error.ts';
import { compileFilter, mentionsAttribute, parseFilter, type FilterNode } from '../core/filter/index.ts';
import { listResponse, type ListResponse } from '../core/list-response.ts';
import { projectionWants, projectResource } from '../core/projection.ts';
import { GROUP_SCHEMA, resolveAttribute, USER_SCHEMA } from '../core/schemas/index.ts';
import { isKeyable } from './claims.ts';
import { isPlausibleId, type ListQuery, type Projection, type ScimContext } from './context.ts';
import type { MemberJournals } from './member-journal.ts';
import type { MembershipPlanner } from './membership-planner.ts';
import { cursorKeyFromEnv } from './cursor-key.ts';
import { decodeCursor, encodeCursor, parsePaging, queryHash, type CursorBinding, type Paging } from './paging.ts';
import { planLookups, type Lookup } from './query-planner.ts';
import { forEachPage } from './read-pages.ts';
import { renderResource } from './render.ts';
import type { MemberRef, ResourceType, ScimRepository, StoredResource } from './repository.ts';

/** Page size for internal reads of the directory. */
const SCAN_PAGE = 500;
/** How long a startIndex paging marker is kept. */
const PAGE_MARKER_TTL_SECONDS = 3600;

const CORE_SCHEMA: Record<ResourceType, string> = { User: USER_SCHEMA, Group: GROUP_SCHEMA };

/** This process's cursor key, read once at cold start. */
const PROCESS_CURSOR_KEY = cursorKeyFromEnv();

/** The body of a list answer: a ListResponse of rendered, projected resources. */
export type ListResult = ListResponse<Record<string, unknown>>;

/** What a listing needs besides the repository. */
export interface ResourceListingOptions {
  now: () => Date;
  /** Most resources a filter that no index serves may read before answering tooMany. */
  maxFilterScan: number;
  /** Most members one response carries inline, across all its groups. */
  maxInlineMembers: number;
  /** Reads each group's members. */
  members: MembershipPlanner;
  /** Completes the member journals open on listed groups. */
  journals: MemberJournals;
  /** Signs and checks cursors (RFC 9865); by default `CURSOR_SIGNING_KEY` or a key of this process. */
  cursorKey?: Uint8Array;
}

/**
 * Lists the Users or Groups of a directory.
 *
 * @example
 * const page = await listing.list(ctx, 'User', { filter: 'userName eq "ada"' });
 * page.totalResults; // 1
 */
export class ResourceListing {
  readonly #repository: ScimRepository;
  readonly #options: ResourceListingOptions;
  readonly #cursorKey: Uint8Array;

  constructor(repository: ScimRepository, options: ResourceListingOptions) {
    this.#repository = repository;
    this.#options = options;
    this.#cursorKey = options.cursorKey ?? PROCESS_CURSOR_KEY;
  }

  /** GET /Users, GET /Groups with filter, paging and projection (RFC 7644 §3.4.2, RFC 9865). */
  async list(ctx: ScimContext, type: ResourceType, query: ListQuery): Promise<ListResult> {
    const filter = query.filter === undefined || query.filter.trim() === '' ? undefined : parseFilter(query.filter);
    const paging = parsePaging(query);
    const projection: Projection = { attributes: query.attributes, excludedAttributes: query.excludedAttributes };
    // A cursor continues one query in one directory: the resource type and filter text fix which
    // resources it walks, in id order. Projection and count only shape the pages, so they may change.
    const hash = queryHash([type, query.filter ?? '']);
    const binding: CursorBinding = { directoryId: ctx.directoryId, queryHash: hash };
    const now = this.#options.now().getTime();

    let candidates: StoredResource[];
    let more: boolean;
    const loadedMembers = new Map<string, MemberRef[]>();
    let totalResults: number;
    if (filter === undefined) {
      const total = this.#repository.getCounters(ctx.directoryId).then((counters) => (type === 'User' ? counters.users : counters.groups));
      total.catch(() => undefined);
      const page = await this.#unfilteredPage(ctx, type, paging, binding, total);
      candidates = page.items;
      more = page.more;
      totalResults = await total;
    } else {
      const matches = await this.#filteredMatches(ctx, type, filter, loadedMembers);
      let offset = 0;
      if (paging.mode === 'index') offset = paging.startIndex - 1;
      else if (paging.cursor !== undefined) {
        const lastId = decodeCursor(paging.cursor, binding, now, this.#cursorKey);
        offset = matches.findIndex((resource) => resource.id > lastId);
        if (offset < 0) offset = matches.length;
      }
      candidates = matches.slice(offset, offset + paging.count);
      more = offset + candidates.length < matches.length;
      totalResults = matches.length;
    }

    if (type === 'Group') candidates = await this.#withJournalsCompleted(ctx, candidates, loadedMembers);

    // Members are part of a group's default representation (RFC 7643 §4.2), in lists too. When the
    // page's groups hold more members than one response can carry, the page ends early
    // (itemsPerPage < count, RFC 7644 §3.4.2.4) and the next page starts where it stopped.
    const withMembers = type === 'Group' && projectionWants('members', projection);
    const withGroups = type === 'User' && projectionWants('groups', projection);
    const { kept, members } = withMembers
      ? await this.#membersWithin(ctx, candidates, loadedMembers)
      : { kept: withGroups ? this.#groupsWithin(candidates) : candidates, members: undefined };
    if (kept.length < candidates.length) more = true;
    const last = kept[kept.length - 1];
    let nextCursor: string | undefined;
    if (more && last !== undefined) {
      if (paging.mode === 'cursor') nextCursor = encodeCursor({ lastKey: last.id, issuedAt: now }, binding, this.#cursorKey);
      else if (filter === undefined) {
        await this.#repository.putPageMarker(
          ctx.directoryId,
          queryHash([hash, String(paging.startIndex + kept.length)]),
          { lastKey: last.id, total: totalResults },
          PAGE_MARKER_TTL_SECONDS,
        );
      }
    }
    const resources = kept.map((resource) => projectResource(type, renderResource(type, resource, ctx.baseUrl, members?.get(resource.id)), projection));
    return listResponse(resources, {
      totalResults,
      itemsPerPage: resources.length,
      ...(paging.mode === 'index' ? { startIndex: paging.startIndex } : {}),
      ...(nextCursor === undefined ? {} : { nextCursor }),
    });
  }

  /**
   * The groups of a page, those with a member journal open read again once it is completed, so
   * that a list never shows part of a request (docs/storage.md, "Member journals"). Costs nothing
   * when no journal is open, which the group items themselves say. A group deleted meanwhile
   * drops out of the page.
   */
  async #withJournalsCompleted(ctx: ScimContext, groups: StoredResource[], loadedMembers: Map<string, MemberRef[]>): Promise<StoredResource[]> {
    const open = groups.filter((group) => group.openJournal !== undefined);
    if (open.length === 0) return groups;
    for (const group of open) {
      await this.#options.journals.complete(ctx.directoryId, group.id);
      // Members read to evaluate the filter were read before the journal was completed.
      loadedMembers.delete(group.id);
    }
    const reread = new Map((await this.#repository.getResources(ctx.directoryId, 'Group', open.map((group) => group.id))).map((group) => [group.id, group]));
    return groups.flatMap((group) => {
      if (group.openJournal === undefined) return [group];
      const completed = reread.get(group.id);
      return completed === undefined ? [] : [completed];
    });
  }

  /**
   * The leading users whose groups (RFC 7643 §4.1.2, each a reference in the response) fit one
   * response together, on the same budget as group members: a user may be in up to 5,000 groups,
   * so a page of them could pass Lambda's response limit. The first user always fits.
   */
  #groupsWithin(users: StoredResource[]): StoredResource[] {
    let budget = this.#options.maxInlineMembers;
    const kept: StoredResource[] = [];
    for (const user of users) {
      if (kept.length > 0 && user.memberOf.length > budget) break;
      budget -= user.memberOf.length;
      kept.push(user);
    }
    return kept;
  }

  /** The members of each group, within one budget of `maxInlineMembers` for all of them together; tooMany past it. */
  async #membersOf(ctx: ScimContext, groups: StoredResource[]): Promise<Map<string, MemberRef[]>> {
    const { kept, members } = await this.#membersWithin(ctx, groups);
    if (kept.length < groups.length) {
      throw ScimError.of('tooMany', `These groups have more than ${this.#options.maxInlineMembers} members together; narrow the filter`);
    }
    return members;
  }

  /**
   * The leading groups whose members fit one response together, with their members. Only a first
   * group too large on its own is an error (tooMany), as for a GET of that group.
   */
  async #membersWithin(
    ctx: ScimContext,
    groups: StoredResource[],
    known?: Map<string, MemberRef[]>,
  ): Promise<{ kept: StoredResource[]; members: Map<string, MemberRef[]> }> {
    const members = new Map<string, MemberRef[]>();
    const kept: StoredResource[] = [];
    let budget = this.#options.maxInlineMembers;
    for (const group of groups) {
      let list: MemberRef[];
      try {
        list = known?.get(group.id) ?? (await this.#options.members.allMembers(ctx, group.id, budget, { withDisplay: true }));
        if (list.length > budget) throw ScimError.of('tooMany', `The group has more than ${budget} members; read it with excludedAttributes=members`);
      } catch (error) {
        if (kept.length > 0 && isScimError(error) && error.scimType === 'tooMany') break;
        throw error;
      }
      budget -= list.length;
      members.set(group.id, list);
      kept.push(group);
    }
    return { kept, members };
  }

  /**
   * One page without a filter, and whether more may follow. Index paging continues from the
   * marker the previous page left, so sequential pages cost O(count); a jump to an arbitrary
   * startIndex reads what it skips.
   */
  async #unfilteredPage(
    ctx: ScimContext,
    type: ResourceType,
    paging: Paging,
    binding: CursorBinding,
    total: Promise<number>,
  ): Promise<{ items: StoredResource[]; more: boolean }> {
    const hash = binding.queryHash;
    if (paging.count === 0) {
      if (paging.mode === 'cursor' && paging.cursor !== undefined) decodeCursor(paging.cursor, binding, this.#options.now().getTime(), this.#cursorKey);
      return { items: [], more: false };
    }
    let startAfter: string | undefined;
    if (paging.mode === 'cursor') {
      startAfter = paging.cursor === undefined ? undefined : decodeCursor(paging.cursor, binding, this.#options.now().getTime(), this.#cursorKey);
    } else if (paging.startIndex > 1) {
      // A marker is trusted only while the directory holds as many resources as when it was left:
      // a create or delete since then shifts every position after it.
      const [marker, count] = await Promise.all([this.#repository.getPageMarker(ctx.directoryId, queryHash([hash, String(paging.startIndex)])), total]);
      startAfter = marker !== undefined && marker.total === count ? marker.lastKey : undefined;
      if (startAfter === undefined) {
        const toSkip = paging.startIndex - 1;
        if (toSkip > this.#options.maxFilterScan) {
          throw ScimError.of('tooMany', `startIndex ${paging.startIndex} would read ${toSkip} resources to skip them; page sequentially or use cursor paging (RFC 9865)`);
        }
        let skipped = 0;
        await forEachPage(
          (after) => this.#repository.listResources(ctx.directoryId, type, { limit: Math.min(SCAN_PAGE, toSkip - skipped), ...(after === undefined ? {} : { startAfter: after }) }),
          (items) => {
            skipped += items.length;
            startAfter = items[items.length - 1]?.id ?? startAfter;
            return skipped >= toSkip;
          },
          // Every page reads at least one resource until the listing ends.
          { maxPages: toSkip, what: 'Skipping to startIndex' },
        );
        // Fewer resources than startIndex skips: the page is empty.
        if (skipped < toSkip) return { items: [], more: false };
      }
    }
    const page = await this.#repository.listResources(ctx.directoryId, type, { limit: paging.count, ...(startAfter === undefined ? {} : { startAfter }) });
    // A full page whose last key exists may be followed by more; an empty next page is harmless.
    return { items: page.items, more: page.lastKey !== undefined };
  }

  /** Every resource matching the filter, ordered by id. */
  async #filteredMatches(
    ctx: ScimContext,
    type: ResourceType,
    filter: FilterNode,
    loadedMembers?: Map<string, MemberRef[]>,
  ): Promise<StoredResource[]> {
    // An attribute the resource type does not define is invalidFilter (RFC 7644 §3.4.2.2), refused
    // before any read, rather than a filter that silently matches nothing.
    const predicate = compileFilter(filter, {
      resolve: (ref, parent) => resolveAttribute(type, ref, parent),
      coreSchema: CORE_SCHEMA[type],
      rejectUnknownAttributes: true,
    });
    // A filter on members (`members[value eq "…"]`, Entra ID's membership check) needs each
    // candidate's members; other filters never read them.
    const needsMembers = type === 'Group' && mentionsAttribute(filter, 'members');
    const keep = async (read: StoredResource[]) => {
      // A filter on members sees no journal half applied: open ones are completed first.
      const resources = needsMembers ? await this.#withJournalsCompleted(ctx, read, new Map()) : read;
      const members = needsMembers ? await this.#membersOf(ctx, resources) : undefined;
      const matched = resources.filter((resource) => predicate(renderResource(type, resource, ctx.baseUrl, members?.get(resource.id) ?? (needsMembers ? [] : undefined))));
      // Kept for the response, so matched groups' members are not read twice.
      for (const group of matched) {
        const list = members?.get(group.id);
        if (list !== undefined) loadedMembers?.set(group.id, list);
      }
      return matched;
    };
    const lookups = planLookups(type, filter);
    if (lookups !== undefined) {
      const candidates = await this.#lookup(ctx, type, lookups);
      return (await keep(candidates)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    const found: StoredResource[] = [];
    let read = 0;
    const { maxFilterScan } = this.#options;
    await forEachPage(
      (startAfter) => this.#repository.listResources(ctx.directoryId, type, { limit: SCAN_PAGE, ...(startAfter === undefined ? {} : { startAfter }) }),
      async (items) => {
        read += items.length;
        if (read > maxFilterScan) {
          throw ScimError.of('tooMany', `This filter would read more than ${maxFilterScan} resources; filter by id, userName, externalId or displayName`);
        }
        found.push(...(await keep(items)));
      },
      // Every page but the last reads at least one resource, so tooMany comes before the bound.
      { maxPages: maxFilterScan + 1, what: 'A filtered scan' },
    );
    return found;
  }

  /** Fetches the candidates of direct lookups: each id or claim costs one strongly consistent read, then the resources it names. */
  async #lookup(ctx: ScimContext, type: ResourceType, lookups: Lookup[]): Promise<StoredResource[]> {
    // A value no resource could hold (too long to key, or not an id) simply matches nothing.
    const ids = await Promise.all(
      lookups.map(async (lookup): Promise<string[]> => {
        if (lookup.kind === 'id') return isPlausibleId(lookup.id) ? [lookup.id] : [];
        return isKeyable(lookup.claim) ? this.#repository.findIdsByClaim(ctx.directoryId, lookup.claim) : [];
      }),
    );
    const unique = [...new Set(ids.flat())];
    if (unique.length === 0) return [];
    if (unique.length === 1) {
      const resource = await this.#repository.getResource(ctx.directoryId, type, unique[0] as string);
      // One being deleted is gone to clients (lists leave it out, as getResources does).
      return resource === undefined || resource.deletion !== undefined ? [] : [resource];
    }
    return this.#repository.getResources(ctx.directoryId, type, unique);
  }
}
