/**
 * The portal's use cases (`PortalDirectories`): directories, tokens, users, groups, members and
 * activity of one organization, built on the admin service, the directory service and the
 * activity reader.
 *
 * Every method first loads the directory and checks it belongs to the caller's organization; a
 * directory of another organization is refused with the very sentence an unknown id gets, so the
 * portal never tells one from the other. Users, groups and members are then read inside that
 * directory only (every key starts with it), so another directory's are never reachable.
 */
import { ActivityQueryError, type ActivityEntry, type ActivityOutcome, type ActivityReader } from '../activity/activity.ts';
import type { AdminService, DirectoryView } from '../admin/admin-service.ts';
import type { TokenView } from '../admin/token-views.ts';
import { PROVIDER_LABELS, PROVIDERS } from '../admin/directory-store.ts';
import { TOKEN_PREFIX } from '../auth/token-format.ts';
import { isScimError } from '../core/error.ts';
import { isPlausibleId, type DirectoryService, type ScimContext } from '../service/directory-service.ts';
import type { MemberRef, ScimRepository } from '../service/repository.ts';
import { checkDirectoryId, checkOrganizationId, directoryNotFound, portalRefusals } from './portal-input.ts';
import { toPortalGroup, toPortalUser, userSearchFilter, groupSearchFilter, type ListResponseBody } from './portal-views.ts';
import {
  PortalError,
  type PortalDirectories,
  type PortalDirectory,
  type PortalGroup,
  type PortalMember,
  type PortalMintedToken,
  type PortalPage,
  type PortalProvider,
  type PortalTokenView,
  type PortalUser,
  type PortalUserDetail,
} from './ports.ts';

/** Most items one portal page shows. Member and group pages also bound one name lookup (BatchGetItem takes 100 keys). */
export const MAX_PORTAL_PAGE = 100;
/**
 * A group without a kept member count is counted; past this many memberships the page says
 * "at least" this number rather than reading on (see `PortalLookups.countMembers`).
 */
export const MAX_COUNTED_MEMBERS = 100_000;

/** Display name and kept member count of a stored resource. */
export interface ResourceSummary {
  display?: string;
  memberCount?: number;
}

/** Reads the portal needs beyond the directory service's use cases (DynamoDB: `DynamoDbPortalLookups`). */
export interface PortalLookups {
  /** Names and member counts of up to 100 resources in one read, by id; missing resources are absent. */
  summaries(directoryId: string, refs: readonly MemberRef[]): Promise<Map<string, ResourceSummary>>;
  /** Counts a group's memberships, up to `max`. */
  countMembers(directoryId: string, groupId: string, max: number): Promise<number>;
}

export interface PortalDirectoryServiceOptions {
  admin: AdminService;
  directories: DirectoryService;
  /** For member pages: a page of a 50,000-member group costs one query. */
  members: Pick<ScimRepository, 'listMembers'>;
  lookups: PortalLookups;
  activity: ActivityReader;
  /**
   * Carries a started deletion on in the background: in AWS the edge invokes the admin Lambda
   * asynchronously with `directory.delete` and `background: true`; locally it may loop.
   */
  continueDeletion: (directoryId: string) => Promise<void>;
}

const MASK = `${TOKEN_PREFIX}${'•'.repeat(8)}`;

function toTokenView(token: TokenView): PortalTokenView {
  return { ...token, masked: MASK };
}

function isLive(token: TokenView): boolean {
  return token.state === 'active' || token.state === 'expiring';
}

function pageLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new PortalError('invalidInput', 'limit must be a whole number from 1');
  return Math.min(limit, MAX_PORTAL_PAGE);
}

/** Member cursors: the last member id of the page, bound to the group it pages through. */
function encodeMemberCursor(groupId: string, lastKey: string): string {
  return Buffer.from(JSON.stringify([groupId, lastKey])).toString('base64url');
}

function decodeMemberCursor(groupId: string, cursor: string): string {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === 2 && decoded[0] === groupId && typeof decoded[1] === 'string' && /^[\w.~-]{1,128}$/.test(decoded[1])) {
      return decoded[1];
    }
  } catch {
    // Refused below, like any other foreign value.
  }
  throw new PortalError('invalidInput', 'This page link is no longer valid; start from the first page');
}

/** Runs a directory-service call, turning a refused query (bad cursor, filter too costly) into `invalidInput`. */
async function scimRefusals<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isScimError(error) && error.status < 500 && error.status !== 404) throw new PortalError('invalidInput', error.detail ?? error.message, { cause: error });
    throw error;
  }
}

/**
 * `PortalDirectories` over the project's services.
 *
 * @example
 * const portal = new PortalDirectoryService({ admin, directories, members: scimRepository, lookups, activity, continueDeletion });
 * const list = await portal.listDirectories(session.organizationId);
 */
export class PortalDirectoryService implements PortalDirectories {
  readonly #admin: AdminService;
  readonly #directories: DirectoryService;
  readonly #members: Pick<ScimRepository, 'listMembers'>;
  readonly #lookups: PortalLookups;
  readonly #activity: ActivityReader;
  readonly #continueDeletion: (directoryId: string) => Promise<void>;

  constructor(options: PortalDirectoryServiceOptions) {
    this.#admin = options.admin;
    this.#directories = options.directories;
    this.#members = options.members;
    this.#lookups = options.lookups;
    this.#activity = options.activity;
    this.#continueDeletion = options.continueDeletion;
  }

  async listDirectories(organizationId: string): Promise<PortalDirectory[]> {
    const org = checkOrganizationId(organizationId);
    const views = await this.#admin.listDirectories({ organizationId: org });
    return Promise.all(views.map((view) => this.#present(view)));
  }

  async getDirectory(organizationId: string, directoryId: string): Promise<PortalDirectory> {
    return this.#present(await this.#owned(organizationId, directoryId));
  }

  async configure(
    organizationId: string,
    input: { provider: PortalProvider; directoryId?: string; name?: string },
  ): Promise<{ directory: PortalDirectory; token?: PortalMintedToken }> {
    if (!(PROVIDERS as readonly unknown[]).includes(input.provider)) throw new PortalError('invalidInput', `provider must be one of ${PROVIDERS.join(', ')}`);
    if (input.directoryId === undefined) {
      const org = checkOrganizationId(organizationId);
      const created = await portalRefusals(() =>
        this.#admin.createDirectory({ name: input.name ?? PROVIDER_LABELS[input.provider], provider: input.provider, organizationId: org }),
      );
      const { tokenId, token, createdAt } = created.token;
      return { directory: await this.#present(created.directory), token: { tokenId, token, createdAt } };
    }
    const view = await this.#owned(organizationId, input.directoryId);
    const tokens = await portalRefusals(() => this.#admin.listTokens(view.id));
    if (tokens.some(isLive)) return { directory: await this.#present(view) };
    const minted = await portalRefusals(() => this.#admin.createToken(view.id, { label: 'portal' }));
    return { directory: await this.#present(view), token: { tokenId: minted.tokenId, token: minted.token, createdAt: minted.createdAt } };
  }

  async rotateToken(organizationId: string, directoryId: string): Promise<PortalMintedToken> {
    const view = await this.#owned(organizationId, directoryId);
    const rotated = await portalRefusals(() => this.#admin.rotateToken(view.id, { label: 'portal' }));
    return { tokenId: rotated.token.tokenId, token: rotated.token.token, createdAt: rotated.token.createdAt };
  }

  async revokeToken(organizationId: string, directoryId: string, tokenId: string): Promise<PortalTokenView> {
    const view = await this.#owned(organizationId, directoryId);
    const revoked = await portalRefusals(() => this.#admin.revokeToken(view.id, tokenId));
    const lastUsedAt = (await this.#admin.listTokens(view.id)).find((token) => token.tokenId === revoked.tokenId)?.lastUsedAt;
    return toTokenView(lastUsedAt === undefined ? revoked : { ...revoked, lastUsedAt });
  }

  async disableDirectory(organizationId: string, directoryId: string): Promise<PortalDirectory> {
    const view = await this.#owned(organizationId, directoryId);
    return this.#present(await portalRefusals(() => this.#admin.disableDirectory(view.id)));
  }

  async enableDirectory(organizationId: string, directoryId: string): Promise<PortalDirectory> {
    const view = await this.#owned(organizationId, directoryId);
    return this.#present(await portalRefusals(() => this.#admin.enableDirectory(view.id)));
  }

  /**
   * Marks the directory deleted (tokens stop working at once) with a first short pass, then hands
   * the rest of the purge to `continueDeletion`. The typed name must match exactly.
   */
  async deleteDirectory(organizationId: string, directoryId: string, confirmName: string): Promise<void> {
    const view = await this.#owned(organizationId, directoryId);
    if (typeof confirmName !== 'string' || confirmName.trim() !== view.name) {
      throw new PortalError('invalidInput', `Type the directory's name, ${view.name}, to confirm`);
    }
    // A short first pass marks the directory as being deleted and removes its token secret, so
    // the deletion has begun (and shows as such) before this call answers.
    const progress = await portalRefusals(() => this.#admin.deleteDirectory(view.id, { budgetMs: 1_000 }));
    if (!progress.done) await this.#continueDeletion(view.id);
  }

  async listUsers(organizationId: string, directoryId: string, options: { limit: number; cursor?: string; search?: string }): Promise<PortalPage<PortalUser>> {
    const view = await this.#owned(organizationId, directoryId);
    const search = options.search?.trim() ?? '';
    const body = (await scimRefusals(() =>
      this.#directories.list(this.#ctx(view), 'User', {
        count: String(pageLimit(options.limit)),
        cursor: options.cursor ?? '',
        ...(search === '' ? {} : { filter: userSearchFilter(search) }),
      }),
    )) as ListResponseBody;
    return {
      items: await this.#withGroupNames(view.id, body.Resources.map((resource) => toPortalUser(resource))),
      totalResults: body.totalResults,
      ...(body.nextCursor === undefined ? {} : { nextCursor: body.nextCursor }),
    };
  }

  /**
   * Names the groups of users, in one read for a page: the first 100 distinct groups by name, any
   * others (a page of users in very many groups) by id.
   */
  async #withGroupNames(directoryId: string, users: PortalUser[]): Promise<PortalUser[]> {
    const ids = [...new Set(users.flatMap((user) => user.groups.map((group) => group.id)))].slice(0, MAX_PORTAL_PAGE);
    if (ids.length === 0) return users;
    const names = await this.#lookups.summaries(directoryId, ids.map((id) => ({ id, type: 'Group' as const })));
    return users.map((user) => ({
      ...user,
      groups: user.groups.map((group) => {
        const display = names.get(group.id)?.display;
        return display === undefined ? group : { ...group, display };
      }),
    }));
  }

  async getUser(organizationId: string, directoryId: string, userId: string): Promise<PortalUserDetail> {
    const view = await this.#owned(organizationId, directoryId);
    const { body } = await this.#get(view, 'User', userId);
    const [user] = await this.#withGroupNames(view.id, [toPortalUser(body)]);
    return {
      ...(user as PortalUser),
      ...(typeof body.externalId === 'string' ? { externalId: body.externalId } : {}),
      resource: body,
    };
  }

  async listGroups(organizationId: string, directoryId: string, options: { limit: number; cursor?: string; search?: string }): Promise<PortalPage<PortalGroup>> {
    const view = await this.#owned(organizationId, directoryId);
    const search = options.search?.trim() ?? '';
    const body = (await scimRefusals(() =>
      this.#directories.list(this.#ctx(view), 'Group', {
        count: String(pageLimit(options.limit)),
        cursor: options.cursor ?? '',
        excludedAttributes: ['members'],
        ...(search === '' ? {} : { filter: groupSearchFilter(search) }),
      }),
    )) as ListResponseBody;
    const summaries = await this.#lookups.summaries(view.id, body.Resources.map((resource) => ({ id: String(resource.id), type: 'Group' as const })));
    const items = await Promise.all(body.Resources.map(async (resource) => toPortalGroup(resource, await this.#memberCount(view.id, String(resource.id), summaries.get(String(resource.id))))));
    return { items, totalResults: body.totalResults, ...(body.nextCursor === undefined ? {} : { nextCursor: body.nextCursor }) };
  }

  async getGroup(organizationId: string, directoryId: string, groupId: string): Promise<PortalGroup> {
    const view = await this.#owned(organizationId, directoryId);
    const { body } = await this.#get(view, 'Group', groupId, ['members']);
    const summaries = await this.#lookups.summaries(view.id, [{ id: groupId, type: 'Group' }]);
    return toPortalGroup(body, await this.#memberCount(view.id, groupId, summaries.get(groupId)));
  }

  /**
   * One page of members, with names: one Query and one BatchGetItem (which also reads the group
   * itself, for its existence and member count), whatever the group's size.
   */
  async listMembers(organizationId: string, directoryId: string, groupId: string, options: { limit: number; cursor?: string }): Promise<PortalPage<PortalMember>> {
    const view = await this.#owned(organizationId, directoryId);
    const startAfter = options.cursor === undefined ? undefined : decodeMemberCursor(groupId, options.cursor);
    // One key of the name lookup is the group's own.
    const limit = Math.min(pageLimit(options.limit), MAX_PORTAL_PAGE - 1);
    const groupNotFound = () => new PortalError('notFound', `Group ${groupId} not found`);
    if (!isPlausibleId(groupId)) throw groupNotFound();
    const page = await this.#members.listMembers(view.id, groupId, { limit, ...(startAfter === undefined ? {} : { startAfter }) });
    const summaries = await this.#lookups.summaries(view.id, [{ id: groupId, type: 'Group' }, ...page.items]);
    const group = summaries.get(groupId);
    if (group === undefined) throw groupNotFound();
    return {
      items: page.items.map((member) => {
        const display = summaries.get(member.id)?.display;
        return { id: member.id, type: member.type, ...(display === undefined ? {} : { display }) };
      }),
      ...(page.lastKey === undefined ? {} : { nextCursor: encodeMemberCursor(groupId, page.lastKey) }),
      ...(group.memberCount === undefined ? {} : { totalResults: group.memberCount }),
    };
  }

  async listActivity(
    organizationId: string,
    directoryId: string,
    options: { limit: number; cursor?: string; outcome?: ActivityOutcome },
  ): Promise<PortalPage<ActivityEntry>> {
    const view = await this.#owned(organizationId, directoryId);
    try {
      return await this.#activity.list(view.id, {
        limit: pageLimit(options.limit),
        ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
        ...(options.outcome === undefined ? {} : { outcome: options.outcome }),
      });
    } catch (error) {
      if (error instanceof ActivityQueryError) throw new PortalError('invalidInput', error.message, { cause: error });
      throw error;
    }
  }

  /** The directory, if it exists and belongs to the organization; `notFound` with one sentence otherwise. */
  async #owned(organizationId: string, directoryId: string): Promise<DirectoryView> {
    const org = checkOrganizationId(organizationId);
    const id = checkDirectoryId(directoryId);
    let view: DirectoryView;
    try {
      view = await portalRefusals(() => this.#admin.getDirectory(id));
    } catch (error) {
      if (error instanceof PortalError && error.code === 'notFound') throw directoryNotFound(id);
      throw error;
    }
    if (view.organizationId !== org) throw directoryNotFound(id);
    return view;
  }

  async #present(view: DirectoryView): Promise<PortalDirectory> {
    const [requests, tokens] = await Promise.all([this.#activity.requestStatus(view.id), portalRefusals(() => this.#admin.listTokens(view.id))]);
    return {
      id: view.id,
      name: view.name,
      provider: view.provider,
      status: view.deletingSince !== undefined ? 'deleting' : view.status,
      tenantUrl: view.tenantUrl,
      created: view.created,
      counts: view.counts,
      requests,
      tokens: tokens.map(toTokenView),
    };
  }

  #ctx(view: DirectoryView): ScimContext {
    return { directoryId: view.id, baseUrl: view.tenantUrl };
  }

  async #get(view: DirectoryView, type: 'User' | 'Group', id: string, excludedAttributes?: string[]) {
    try {
      return await this.#directories.get(this.#ctx(view), type, id, excludedAttributes === undefined ? {} : { excludedAttributes });
    } catch (error) {
      if (isScimError(error) && error.status === 404) throw new PortalError('notFound', `${type} ${id} not found`, { cause: error });
      throw error;
    }
  }

  async #memberCount(directoryId: string, groupId: string, summary: ResourceSummary | undefined): Promise<number> {
    return summary?.memberCount ?? this.#lookups.countMembers(directoryId, groupId, MAX_COUNTED_MEMBERS);
  }
}
