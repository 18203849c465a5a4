/**
 * The read side of the host app's Directory API (docs/host-api.md): directories, users, groups
 * and memberships in the normalised shape of `scim-directory-sync/events`, paged by cursor.
 *
 * Cost: every page is one Query (or one GetItem) with `Limit` = the page size, plus at most one
 * BatchGetItem for as many keys, so a page costs reads proportional to its `limit` and never to
 * the directory's size (docs/benchmarks.md). Filters that no key can answer (`active`,
 * `updatedSince`) are applied to the items a page read, so such a page may hold fewer than
 * `limit` items (even none) and still carry a `nextCursor`: follow it until it is absent.
 *
 * Backfill without a gap: every list answer carries a `watermark` taken before the listing's
 * first read (the cursor carries it to later pages), moved back by {@link WATERMARK_MARGIN_MS} so
 * that a write stamped before the read but committed after it is still covered by the events.
 */
import { createHash } from 'node:crypto';
import type { RequestStatus } from '../activity/activity.ts';
import type { DirectoryRecord, DirectoryStore } from '../admin/directory-store.ts';
import { ScimError } from '../core/error.ts';
import { normalizeGroup, normalizeUser, type DirectoryGroup, type DirectoryUser, type ResourceContext } from '../events/resource.ts';
import { renderResource } from './render.ts';
import type { MemberRef, ResourceType, ScimRepository, StoredResource } from './repository.ts';

/** Page size bounds of every list route. */
export const HOST_PAGE_LIMIT = { min: 1, max: 100, default: 50 } as const;

/**
 * How far a watermark is set back from the moment of the first read. A write's `occurredAt` is
 * stamped by the function before its transaction commits; the SCIM functions time out after at
 * most 29 seconds (API Gateway's integration limit), and list reads are eventually consistent
 * (lag well under a second). Two minutes covers both and some clock skew; replaying a little more
 * is harmless by the recipe.
 */
export const WATERMARK_MARGIN_MS = 2 * 60_000;

/** Where the host API reads from. */
export interface HostDirectoryReaderDependencies {
  resources: Pick<ScimRepository, 'getResource' | 'getResources' | 'listResources' | 'listMembers'>;
  directories: Pick<DirectoryStore, 'get' | 'list' | 'getCounts'>;
  /** Tenant URL base (`https://…/scim/v2`) for the SCIM resource under `raw`. */
  scimBaseUrl: string;
  /** When the directory last heard from its identity provider; absent: not reported. */
  requestStatus?: (directoryId: string) => Promise<RequestStatus>;
  now?: () => number;
}

/** A directory as the host app sees it. */
export interface HostDirectory {
  id: string;
  name: string;
  organizationId: string | null;
  provider: string;
  status: 'active' | 'disabled' | 'deleting';
  tenantUrl: string;
  counts: { users: number; activeUsers: number; groups: number };
  created: string;
  lastModified: string;
  lastRequestAt?: string;
  lastFailureAt?: string;
}

/** One page of a listing. */
export interface HostPage<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
  /** ISO time before the listing's first read: apply events that occurred at or after it. */
  watermark: string;
}

/** A user with the ids of the groups it is a direct member of (the first page of them). */
export interface HostUserDetail {
  user: DirectoryUser;
  groupIds: string[];
  /** Present when the user is in more groups: continue with `GET …/users/{userId}/groups?cursor=`. */
  groupIdsNextCursor?: string;
}

export interface ListOptions {
  limit?: string | undefined;
  cursor?: string | undefined;
  /** Binds the caller's directory scope: a directory of another organization is not found. */
  organizationId?: string | undefined;
}

export interface UserListOptions extends ListOptions {
  group?: string | undefined;
  active?: string | undefined;
  updatedSince?: string | undefined;
}

export interface GroupListOptions extends ListOptions {
  user?: string | undefined;
}

interface CursorState {
  /** Last key read (resource or member id). */
  after: string;
  watermark: string;
  query: string;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined || value === '') return HOST_PAGE_LIMIT.default;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < HOST_PAGE_LIMIT.min || limit > HOST_PAGE_LIMIT.max) {
    throw ScimError.of('invalidValue', `limit must be an integer from ${HOST_PAGE_LIMIT.min} to ${HOST_PAGE_LIMIT.max}`);
  }
  return limit;
}

function parseBoolean(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw ScimError.of('invalidValue', `${name} must be true or false`);
}

function parseTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const time = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(time.getTime())) throw ScimError.of('invalidValue', `${name} must be an ISO 8601 date and time`);
  return time.toISOString();
}

/** Binds a cursor to its listing: the route, the directory and the filters. */
function queryKey(parts: Array<string | undefined>): string {
  return createHash('sha256').update(parts.map((part) => part ?? '').join('\u0000')).digest('base64url').slice(0, 16);
}

function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify([state.after, state.watermark, state.query])).toString('base64url');
}

function decodeCursor(cursor: string, query: string): CursorState {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || !decoded.every((part) => typeof part === 'string') || Number.isNaN(Date.parse(decoded[1] as string))) {
    throw ScimError.of('invalidCursor', 'The cursor is not one this API issued');
  }
  if (decoded[2] !== query) throw ScimError.of('invalidCursor', 'The cursor belongs to a different listing or filter');
  return { after: decoded[0] as string, watermark: decoded[1] as string, query };
}

/** Ids after `after` in sorted `ids`, at most `limit` of them, and the cursor key if more follow. */
function pageOfIds(ids: readonly string[], after: string | undefined, limit: number): { ids: string[]; lastKey?: string } {
  const sorted = [...ids].sort();
  const start = after === undefined ? 0 : sorted.findIndex((id) => id > after);
  const remaining = start === -1 ? [] : sorted.slice(start);
  const page = remaining.slice(0, limit);
  return remaining.length > limit ? { ids: page, lastKey: page[page.length - 1] as string } : { ids: page };
}

/**
 * Reads directories and their resources for the host app.
 *
 * @example
 * const reader = new HostDirectoryReader({ resources, directories, scimBaseUrl });
 * const page = await reader.listUsers(directoryId, { limit: '100', active: 'true' });
 */
export class HostDirectoryReader {
  readonly #deps: HostDirectoryReaderDependencies;
  readonly #now: () => number;

  constructor(dependencies: HostDirectoryReaderDependencies) {
    this.#deps = dependencies;
    this.#now = dependencies.now ?? Date.now;
  }

  /** Directories, optionally of one organization, in id order. */
  async listDirectories(options: { organizationId?: string | undefined }): Promise<{ items: HostDirectory[] }> {
    const all = await this.#deps.directories.list();
    const chosen = options.organizationId === undefined ? all : all.filter((directory) => directory.organizationId === options.organizationId);
    return { items: await Promise.all(chosen.map((directory) => this.#describe(directory))) };
  }

  async getDirectory(directoryId: string, options: { organizationId?: string | undefined } = {}): Promise<HostDirectory> {
    return this.#describe(await this.#directory(directoryId, options.organizationId));
  }

  /** Users of a directory, in id order, or the user members of one group in member order. */
  async listUsers(directoryId: string, options: UserListOptions): Promise<HostPage<DirectoryUser>> {
    const limit = parseLimit(options.limit);
    const active = parseBoolean('active', options.active);
    const updatedSince = parseTime('updatedSince', options.updatedSince);
    const query = queryKey(['users', directoryId, options.group, String(active), updatedSince]);
    const { watermark, after } = this.#position(options.cursor, query);
    const context = await this.#context(directoryId, options.organizationId);

    let resources: StoredResource[];
    let lastKey: string | undefined;
    if (options.group !== undefined) {
      await this.#resource(directoryId, 'Group', options.group);
      const members = await this.#deps.resources.listMembers(directoryId, options.group, { limit, ...(after === undefined ? {} : { startAfter: after }) });
      const userIds = members.items.filter((member) => member.type === 'User').map((member) => member.id);
      resources = userIds.length === 0 ? [] : await this.#deps.resources.getResources(directoryId, 'User', userIds);
      lastKey = members.lastKey;
    } else {
      const page = await this.#deps.resources.listResources(directoryId, 'User', { limit, ...(after === undefined ? {} : { startAfter: after }) });
      resources = page.items;
      lastKey = page.lastKey;
    }
    const items = resources
      .filter((resource) => active === undefined || (resource.attributes.active !== false) === active)
      .filter((resource) => updatedSince === undefined || resource.lastModified >= updatedSince)
      .map((resource) => this.#user(resource, context));
    return this.#page(items, lastKey, watermark, query);
  }

  /** One user, with the first page of its group ids. */
  async getUser(directoryId: string, userId: string, options: { organizationId?: string | undefined } = {}): Promise<HostUserDetail> {
    const query = queryKey(['userGroups', directoryId, userId]);
    // The rest of the ids continue the listing this read begins, watermark included.
    const { watermark } = this.#position(undefined, query);
    const context = await this.#context(directoryId, options.organizationId);
    const resource = await this.#resource(directoryId, 'User', userId);
    const groups = pageOfIds(resource.memberOf, undefined, HOST_PAGE_LIMIT.max);
    return {
      user: this.#user(resource, context),
      groupIds: groups.ids,
      ...(groups.lastKey === undefined ? {} : { groupIdsNextCursor: encodeCursor({ after: groups.lastKey, watermark, query }) }),
    };
  }

  /** The ids of the groups a user is a direct member of, paged (one GetItem per page). */
  async listUserGroupIds(directoryId: string, userId: string, options: ListOptions): Promise<HostPage<string>> {
    const limit = parseLimit(options.limit);
    const query = queryKey(['userGroups', directoryId, userId]);
    const { watermark, after } = this.#position(options.cursor, query);
    await this.#context(directoryId, options.organizationId);
    const resource = await this.#resource(directoryId, 'User', userId);
    const page = pageOfIds(resource.memberOf, after, limit);
    return this.#page(page.ids, page.lastKey, watermark, query);
  }

  /** Groups of a directory in id order, or the groups one user is a direct member of. */
  async listGroups(directoryId: string, options: GroupListOptions): Promise<HostPage<DirectoryGroup>> {
    const limit = parseLimit(options.limit);
    const query = queryKey(['groups', directoryId, options.user]);
    const { watermark, after } = this.#position(options.cursor, query);
    const context = await this.#context(directoryId, options.organizationId);
    if (options.user !== undefined) {
      const user = await this.#resource(directoryId, 'User', options.user);
      const page = pageOfIds(user.memberOf, after, limit);
      const groups = page.ids.length === 0 ? [] : await this.#deps.resources.getResources(directoryId, 'Group', page.ids);
      return this.#page(groups.map((group) => this.#group(group, context)), page.lastKey, watermark, query);
    }
    const page = await this.#deps.resources.listResources(directoryId, 'Group', { limit, ...(after === undefined ? {} : { startAfter: after }) });
    return this.#page(page.items.map((group) => this.#group(group, context)), page.lastKey, watermark, query);
  }

  async getGroup(directoryId: string, groupId: string, options: { organizationId?: string | undefined } = {}): Promise<DirectoryGroup & { memberCount?: number }> {
    const context = await this.#context(directoryId, options.organizationId);
    const group = await this.#resource(directoryId, 'Group', groupId);
    return { ...this.#group(group, context), ...(group.memberCount === undefined ? {} : { memberCount: group.memberCount }) };
  }

  /** Direct members of a group (users and groups, as ids), one Query of `limit` items per page. */
  async listMembers(directoryId: string, groupId: string, options: ListOptions): Promise<HostPage<MemberRef>> {
    const limit = parseLimit(options.limit);
    const query = queryKey(['members', directoryId, groupId]);
    const { watermark, after } = this.#position(options.cursor, query);
    await this.#context(directoryId, options.organizationId);
    await this.#resource(directoryId, 'Group', groupId);
    const page = await this.#deps.resources.listMembers(directoryId, groupId, { limit, ...(after === undefined ? {} : { startAfter: after }) });
    return this.#page(page.items, page.lastKey, watermark, query);
  }

  /** The watermark and start of a page: from the cursor, or fresh before the first read. */
  #position(cursor: string | undefined, query: string): { watermark: string; after?: string } {
    if (cursor === undefined || cursor === '') return { watermark: new Date(this.#now() - WATERMARK_MARGIN_MS).toISOString() };
    const state = decodeCursor(cursor, query);
    return { watermark: state.watermark, after: state.after };
  }

  #page<T>(items: T[], lastKey: string | undefined, watermark: string, query: string): HostPage<T> {
    return { items, ...(lastKey === undefined ? {} : { nextCursor: encodeCursor({ after: lastKey, watermark, query }) }), watermark };
  }

  async #directory(directoryId: string, organizationId: string | undefined): Promise<DirectoryRecord> {
    const directory = await this.#deps.directories.get(directoryId);
    // Another organization's directory is answered exactly like a missing one.
    if (directory === undefined || (organizationId !== undefined && directory.organizationId !== organizationId)) {
      throw new ScimError(404, 'No such directory');
    }
    return directory;
  }

  async #context(directoryId: string, organizationId: string | undefined): Promise<ResourceContext> {
    const directory = await this.#directory(directoryId, organizationId);
    return { directoryId, organizationId: directory.organizationId ?? null };
  }

  async #resource(directoryId: string, type: ResourceType, id: string): Promise<StoredResource> {
    const resource = await this.#deps.resources.getResource(directoryId, type, id);
    // One being deleted is gone already, as SCIM clients see it.
    if (resource === undefined || resource.deletion !== undefined) throw new ScimError(404, `No such ${type === 'User' ? 'user' : 'group'} in this directory`);
    return resource;
  }

  #tenantUrl(directoryId: string): string {
    return `${this.#deps.scimBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(directoryId)}`;
  }

  #user(resource: StoredResource, context: ResourceContext): DirectoryUser {
    return normalizeUser(renderResource('User', resource, this.#tenantUrl(context.directoryId)), context);
  }

  #group(resource: StoredResource, context: ResourceContext): DirectoryGroup {
    return normalizeGroup(renderResource('Group', resource, this.#tenantUrl(context.directoryId)), context);
  }

  async #describe(directory: DirectoryRecord): Promise<HostDirectory> {
    const [counts, requests] = await Promise.all([
      this.#deps.directories.getCounts(directory.directoryId),
      this.#deps.requestStatus?.(directory.directoryId) ?? Promise.resolve({} as RequestStatus),
    ]);
    return {
      id: directory.directoryId,
      name: directory.name,
      organizationId: directory.organizationId ?? null,
      provider: directory.provider,
      status: directory.deletingSince !== undefined ? 'deleting' : directory.status,
      tenantUrl: this.#tenantUrl(directory.directoryId),
      counts,
      created: directory.created,
      lastModified: directory.lastModified,
      ...(requests.lastRequestAt === undefined ? {} : { lastRequestAt: requests.lastRequestAt }),
      ...(requests.lastFailureAt === undefined ? {} : { lastFailureAt: requests.lastFailureAt }),
    };
  }
}
