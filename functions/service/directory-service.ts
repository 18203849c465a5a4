/**
 * The directory service: SCIM use cases for Users and Groups over the storage port.
 *
 * Every method takes the directory explicitly (`ScimContext`), validates everything before it
 * writes anything, and writes through conditional transactions so that a rejected request
 * leaves stored data exactly as it was.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { foldCase } from '../core/case-fold.ts';
import { isScimError, ScimError } from '../core/error.ts';
import { compileFilter, parseFilter, type FilterNode } from '../core/filter/index.ts';
import { listResponse } from '../core/list-response.ts';
import { applyPatch, parsePatchRequest, splitMembershipOperations, type MembershipStep } from '../core/patch-op.ts';
import { projectResource } from '../core/projection.ts';
import { assertImmutableUnchanged, parseResourceInput } from '../core/resource.ts';
import { GROUP_SCHEMA, resolveAttribute, USER_SCHEMA } from '../core/schemas/index.ts';
import { decodeCursor, encodeCursor, parsePaging, queryHash, type Paging } from './paging.ts';
import { planLookups, type Lookup } from './query-planner.ts';
import { etagOf, ifMatchSatisfied, renderResource } from './render.ts';
import {
  MissingReferenceError,
  UniquenessConflictError,
  VersionConflictError,
  type Claim,
  type CounterDelta,
  type MemberRef,
  type ResourceType,
  type ScimRepository,
  type StoredResource,
} from './repository.ts';

/** Who is asking: the directory from the path and the Tenant URL to build locations from. */
export interface ScimContext {
  directoryId: string;
  /** The directory's Tenant URL, e.g. `https://api.example.com/scim/v2/<directoryId>`. */
  baseUrl: string;
}

/** `attributes` / `excludedAttributes` of a read (RFC 7644 §3.4.2.5). */
export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

export interface ListQuery extends Projection {
  filter?: string;
  startIndex?: string;
  count?: string;
  cursor?: string;
}

/** A resource answer: the body, and the version for the ETag header. */
export interface ResourceResult {
  body: Record<string, unknown>;
  etag: string;
  location: string;
}

export interface DirectoryServiceOptions {
  now?: () => Date;
  newId?: () => string;
  /** Most resources a filter that no index serves may read before answering tooMany. */
  maxFilterScan?: number;
  /** Most members a group GET renders inline; larger groups must be read with excludedAttributes=members. */
  maxInlineMembers?: number;
}

/** Default of `maxFilterScan`: a filter no index serves reads at most this many resources. */
export const MAX_FILTER_SCAN = 50_000;
/** Default of `maxInlineMembers`: keeps a group response well under Lambda's 6 MB payload limit. */
export const MAX_INLINE_MEMBERS = 20_000;
/** Ids this service mints are UUIDs; anything outside this shape cannot name a stored resource. */
const ID_PATTERN = /^[\w.~-]{1,128}$/;
/** Longest uniqueness value (userName, externalId, displayName) in UTF-8 bytes; DynamoDB sort keys stop at 1,024. */
export const MAX_UNIQUE_VALUE_BYTES = 512;
/**
 * Largest stored resource, as JSON: far above any real user, and half of DynamoDB's 400 KB item
 * limit, leaving the rest for the item's `memberOf` set (about 5,000 groups).
 */
export const MAX_RESOURCE_BYTES = 200 * 1024;
/** Most members one request may add or remove; keeps a request well inside API Gateway's 29 s. */
export const MAX_MEMBER_CHANGES = 5_000;
/** Attempts of a read-modify-write that lost a race to a concurrent change. */
const MAX_WRITE_ATTEMPTS = 5;
/** Page size for internal reads of the directory. */
const SCAN_PAGE = 500;
/** How long a startIndex paging marker is kept. */
const PAGE_MARKER_TTL_SECONDS = 3600;

const CORE_SCHEMA: Record<ResourceType, string> = { User: USER_SCHEMA, Group: GROUP_SCHEMA };

function tooManyMemberChanges(): ScimError {
  return ScimError.of('invalidValue', `At most ${MAX_MEMBER_CHANGES} members can be added or removed in one request; split it`);
}

function notFound(type: ResourceType, id: string): ScimError {
  return new ScimError(404, `${type} ${id} not found`);
}

function claimsOf(type: ResourceType, attributes: Record<string, unknown>): Claim[] {
  if (type === 'Group') {
    return typeof attributes.displayName === 'string' ? [{ kind: 'groupName', value: attributes.displayName }] : [];
  }
  const claims: Claim[] = [];
  if (typeof attributes.userName === 'string') claims.push({ kind: 'userName', value: attributes.userName });
  if (typeof attributes.externalId === 'string' && attributes.externalId !== '') {
    claims.push({ kind: 'externalId', value: attributes.externalId });
  }
  return claims;
}

/** True when `id` could be one this service minted; anything else is not found without a read. */
export function isPlausibleId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** Rejects values the store could not key or hold, before anything is written. */
function checkStorable(type: ResourceType, attributes: Record<string, unknown>): void {
  for (const claim of claimsOf(type, attributes)) {
    if (Buffer.byteLength(claimedValue(claim)) > MAX_UNIQUE_VALUE_BYTES) {
      const attribute = claim.kind === 'groupName' ? 'displayName' : claim.kind;
      throw ScimError.of('invalidValue', `${attribute} must be at most ${MAX_UNIQUE_VALUE_BYTES} bytes`);
    }
  }
  if (Buffer.byteLength(JSON.stringify(attributes)) > MAX_RESOURCE_BYTES) {
    throw ScimError.of('invalidValue', `The resource would be larger than ${MAX_RESOURCE_BYTES / 1024} KB`);
  }
}

/** The value a claim is unique by: userName and group names case-folded, externalId exactly. */
function claimedValue(claim: Claim): string {
  return claim.kind === 'externalId' ? claim.value : foldCase(claim.value);
}

function claimKey(claim: Claim): string {
  return `${claim.kind}:${claimedValue(claim)}`;
}

function claimChanges(before: Claim[], after: Claim[]): { add: Claim[]; remove: Claim[] } {
  const beforeKeys = new Set(before.map(claimKey));
  const afterKeys = new Set(after.map(claimKey));
  return {
    add: after.filter((claim) => !beforeKeys.has(claimKey(claim))),
    remove: before.filter((claim) => !afterKeys.has(claimKey(claim))),
  };
}

const isActive = (attributes: Record<string, unknown>) => attributes.active !== false;

function uniquenessError(error: UniquenessConflictError): ScimError {
  const attribute = error.claim.kind === 'groupName' ? 'displayName' : error.claim.kind;
  return ScimError.of('uniqueness', `${attribute} is already in use in this directory`, { cause: error });
}

function checkIfMatch(ifMatch: string | undefined, resource: StoredResource): void {
  if (ifMatch !== undefined && !ifMatchSatisfied(ifMatch, resource.version)) {
    throw new ScimError(412, `The resource is at version ${etagOf(resource.version)}, not ${ifMatch}`);
  }
}

/** True when the filter refers to the top-level attribute `name` anywhere. */
function mentionsAttribute(node: FilterNode, name: string): boolean {
  switch (node.kind) {
    case 'logical':
      return mentionsAttribute(node.left, name) || mentionsAttribute(node.right, name);
    case 'not':
      return mentionsAttribute(node.filter, name);
    default:
      return node.path.attribute.toLowerCase() === name.toLowerCase();
  }
}

/** True when the response would include `name` given the projection (members of groups). */
function projectionWants(name: string, projection: Projection): boolean {
  const lower = name.toLowerCase();
  const mentions = (list: string[] | undefined) =>
    (list ?? []).some((entry) => {
      const value = entry.toLowerCase();
      return value === lower || value.startsWith(`${lower}.`) || value.endsWith(`:${lower}`) || value.includes(`:${lower}.`);
    });
  if (projection.attributes !== undefined && projection.attributes.length > 0) return mentions(projection.attributes);
  return !mentions(projection.excludedAttributes);
}

/** Converts storage-level conflicts into the SCIM errors a client sees. */
function translateWriteError(error: unknown): never {
  if (error instanceof UniquenessConflictError) throw uniquenessError(error);
  if (error instanceof MissingReferenceError) {
    throw ScimError.of('invalidValue', `No User or Group with id ${error.ids.join(', ')} in this directory`, { cause: error });
  }
  throw error;
}

/**
 * SCIM Users and Groups of one table, for any directory.
 *
 * @example
 * const service = new DirectoryService(new DynamoDbScimRepository({ documentClient, tableName }));
 * const { body } = await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'ada' });
 */
export class DirectoryService {
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly maxFilterScan: number;
  private readonly maxInlineMembers: number;

  constructor(
    private readonly repository: ScimRepository,
    options: DirectoryServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
    this.maxFilterScan = options.maxFilterScan ?? MAX_FILTER_SCAN;
    this.maxInlineMembers = options.maxInlineMembers ?? MAX_INLINE_MEMBERS;
  }

  /** POST /Users, POST /Groups (RFC 7644 §3.3). Group members in the body are added too. */
  async create(ctx: ScimContext, type: ResourceType, body: unknown, projection: Projection = {}): Promise<ResourceResult> {
    const { attributes, members } = parseResourceInput(type, body);
    checkStorable(type, attributes);
    if (members !== undefined && members.length > MAX_MEMBER_CHANGES) throw tooManyMemberChanges();
    const id = this.newId();
    const now = this.now().toISOString();
    const memberRefs = type === 'Group' && members !== undefined ? (await this.resolveNewMembers(ctx, id, members)).newMembers : [];
    const resource: StoredResource = { id, version: 1, created: now, lastModified: now, attributes, memberOf: [] };
    const counters: CounterDelta = type === 'User' ? { users: 1, activeUsers: isActive(attributes) ? 1 : 0 } : { groups: 1 };
    try {
      await this.repository.createResource(ctx.directoryId, type, resource, claimsOf(type, attributes), counters);
    } catch (error) {
      translateWriteError(error);
    }
    if (memberRefs.length > 0) {
      try {
        await this.repository.changeMemberships(ctx.directoryId, id, { add: memberRefs, remove: [] }, { now, bumpGroupVersion: false });
      } catch (error) {
        // A member vanished between the check and the write: undo the create, so that the
        // rejected request leaves nothing behind and the client's retry is not a 409.
        await this.delete(ctx, 'Group', id);
        translateWriteError(error);
      }
    }
    return this.respond(ctx, type, resource, projection, memberRefs);
  }

  /** GET /Users/{id}, GET /Groups/{id} (RFC 7644 §3.4.1). */
  async get(ctx: ScimContext, type: ResourceType, id: string, projection: Projection = {}): Promise<ResourceResult> {
    const resource = isPlausibleId(id) ? await this.repository.getResource(ctx.directoryId, type, id) : undefined;
    if (resource === undefined) throw notFound(type, id);
    const members = type === 'Group' && projectionWants('members', projection) ? await this.allMembers(ctx, id, this.maxInlineMembers) : undefined;
    return this.respond(ctx, type, resource, projection, members);
  }

  /** PUT /Users/{id}, PUT /Groups/{id} (RFC 7644 §3.5.1). */
  async replace(ctx: ScimContext, type: ResourceType, id: string, body: unknown, ifMatch?: string, projection: Projection = {}): Promise<ResourceResult> {
    const { attributes, members } = parseResourceInput(type, body);
    // A PUT without a members attribute leaves memberships as they are: clients that rename a
    // group with PUT must not silently empty it. An explicit list (even empty) replaces them.
    const steps: MembershipStep[] = members === undefined ? [] : [{ kind: 'replace', members }];
    const result = await this.modify(ctx, type, id, ifMatch, projection, async () => ({ attributes, steps }));
    return result as ResourceResult;
  }

  /**
   * PATCH /Users/{id}, PATCH /Groups/{id} (RFC 7644 §3.5.2): all operations apply, or none.
   * Without a projection nothing is rendered (a group PATCH answers 204 and must not read its members).
   */
  async patch(ctx: ScimContext, type: ResourceType, id: string, body: unknown, ifMatch?: string, projection?: Projection): Promise<ResourceResult | undefined> {
    const operations = parsePatchRequest(body);
    const { attributeOperations, membershipSteps } =
      type === 'Group' ? splitMembershipOperations(operations) : { attributeOperations: operations, membershipSteps: [] };
    return this.modify(ctx, type, id, ifMatch, projection, async (current) => {
      const patched = attributeOperations.length === 0 ? undefined : applyPatch(type, renderResource(type, current, ctx.baseUrl), attributeOperations);
      const attributes = patched === undefined ? current.attributes : parseResourceInput(type, patched).attributes;
      return { attributes, steps: membershipSteps };
    });
  }

  /** DELETE /Users/{id}, DELETE /Groups/{id} (RFC 7644 §3.6): memberships go with the resource. */
  async delete(ctx: ScimContext, type: ResourceType, id: string, ifMatch?: string): Promise<void> {
    if (!isPlausibleId(id)) throw notFound(type, id);
    for (let attempt = 1; ; attempt++) {
      const resource = await this.repository.getResource(ctx.directoryId, type, id);
      if (resource === undefined) throw notFound(type, id);
      checkIfMatch(ifMatch, resource);
      const now = this.now().toISOString();
      try {
        if (type === 'Group') await this.removeAllMembers(ctx, id, now);
        // Leave every group this resource belongs to; each group's version moves.
        for (const groupId of resource.memberOf) {
          await this.repository
            .changeMemberships(ctx.directoryId, groupId, { add: [], remove: [{ id, type }] }, { now, bumpGroupVersion: true })
            .catch((error: unknown) => {
              // The group went away meanwhile; its purge took the membership with it.
              if (!(error instanceof MissingReferenceError)) throw error;
            });
        }
        const counters: CounterDelta =
          type === 'User' ? { users: -1, activeUsers: isActive(resource.attributes) ? -1 : 0 } : { groups: -1 };
        await this.repository.deleteResource(ctx.directoryId, type, { ...resource, memberOf: [] }, claimsOf(type, resource.attributes), counters);
        return;
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt >= MAX_WRITE_ATTEMPTS || ifMatch !== undefined) translateWriteError(error);
      }
    }
  }

  /** GET /Users, GET /Groups with filter, paging and projection (RFC 7644 §3.4.2, RFC 9865). */
  async list(ctx: ScimContext, type: ResourceType, query: ListQuery): Promise<object> {
    const filter = query.filter === undefined || query.filter.trim() === '' ? undefined : parseFilter(query.filter);
    const paging = parsePaging(query);
    const projection: Projection = { attributes: query.attributes, excludedAttributes: query.excludedAttributes };
    const hash = queryHash([type, query.filter ?? '']);
    const now = this.now().getTime();

    let candidates: StoredResource[];
    let more: boolean;
    const loadedMembers = new Map<string, MemberRef[]>();
    let totalResults: number;
    if (filter === undefined) {
      const total = this.repository.getCounters(ctx.directoryId).then((counters) => (type === 'User' ? counters.users : counters.groups));
      total.catch(() => undefined);
      const page = await this.unfilteredPage(ctx, type, paging, hash, total);
      candidates = page.items;
      more = page.more;
      totalResults = await total;
    } else {
      const matches = await this.filteredMatches(ctx, type, filter, loadedMembers);
      let offset = 0;
      if (paging.mode === 'index') offset = paging.startIndex - 1;
      else if (paging.cursor !== undefined) {
        const lastId = decodeCursor(paging.cursor, hash, now);
        offset = matches.findIndex((resource) => resource.id > lastId);
        if (offset < 0) offset = matches.length;
      }
      candidates = matches.slice(offset, offset + paging.count);
      more = offset + candidates.length < matches.length;
      totalResults = matches.length;
    }

    // Members are part of a group's default representation (RFC 7643 §4.2), in lists too. When the
    // page's groups hold more members than one response can carry, the page ends early
    // (itemsPerPage < count, RFC 7644 §3.4.2.4) and the next page starts where it stopped.
    const withMembers = type === 'Group' && projectionWants('members', projection);
    const { kept, members } = withMembers ? await this.membersWithin(ctx, candidates, loadedMembers) : { kept: candidates, members: undefined };
    if (kept.length < candidates.length) more = true;
    const last = kept[kept.length - 1];
    let nextCursor: string | undefined;
    if (more && last !== undefined) {
      if (paging.mode === 'cursor') nextCursor = encodeCursor({ lastKey: last.id, filterHash: hash, issuedAt: now });
      else if (filter === undefined) {
        await this.repository.putPageMarker(
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

  /** The members of each group, within one budget of `maxInlineMembers` for all of them together; tooMany past it. */
  private async membersOf(ctx: ScimContext, groups: StoredResource[]): Promise<Map<string, MemberRef[]>> {
    const { kept, members } = await this.membersWithin(ctx, groups);
    if (kept.length < groups.length) {
      throw ScimError.of('tooMany', `These groups have more than ${this.maxInlineMembers} members together; narrow the filter`);
    }
    return members;
  }

  /**
   * The leading groups whose members fit one response together, with their members. Only a first
   * group too large on its own is an error (tooMany), as for a GET of that group.
   */
  private async membersWithin(
    ctx: ScimContext,
    groups: StoredResource[],
    known?: Map<string, MemberRef[]>,
  ): Promise<{ kept: StoredResource[]; members: Map<string, MemberRef[]> }> {
    const members = new Map<string, MemberRef[]>();
    const kept: StoredResource[] = [];
    let budget = this.maxInlineMembers;
    for (const group of groups) {
      let list: MemberRef[];
      try {
        list = known?.get(group.id) ?? (await this.allMembers(ctx, group.id, budget));
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
  private async unfilteredPage(
    ctx: ScimContext,
    type: ResourceType,
    paging: Paging,
    hash: string,
    total: Promise<number>,
  ): Promise<{ items: StoredResource[]; more: boolean }> {
    if (paging.count === 0) {
      if (paging.mode === 'cursor' && paging.cursor !== undefined) decodeCursor(paging.cursor, hash, this.now().getTime());
      return { items: [], more: false };
    }
    let startAfter: string | undefined;
    if (paging.mode === 'cursor') {
      startAfter = paging.cursor === undefined ? undefined : decodeCursor(paging.cursor, hash, this.now().getTime());
    } else if (paging.startIndex > 1) {
      // A marker is trusted only while the directory holds as many resources as when it was left:
      // a create or delete since then shifts every position after it.
      const [marker, count] = await Promise.all([this.repository.getPageMarker(ctx.directoryId, queryHash([hash, String(paging.startIndex)])), total]);
      startAfter = marker !== undefined && marker.total === count ? marker.lastKey : undefined;
      if (startAfter === undefined) {
        if (paging.startIndex - 1 > this.maxFilterScan) {
          throw ScimError.of('tooMany', `startIndex ${paging.startIndex} would read ${paging.startIndex - 1} resources to skip them; page sequentially or use cursor paging (RFC 9865)`);
        }
        let skipped = 0;
        for (let guard = 0; skipped < paging.startIndex - 1 && guard < 100_000; guard++) {
          const skip = await this.repository.listResources(ctx.directoryId, type, {
            limit: Math.min(SCAN_PAGE, paging.startIndex - 1 - skipped),
            ...(startAfter === undefined ? {} : { startAfter }),
          });
          skipped += skip.items.length;
          const last = skip.items[skip.items.length - 1];
          if (last === undefined || (skip.lastKey === undefined && skipped < paging.startIndex - 1)) return { items: [], more: false };
          startAfter = last.id;
        }
      }
    }
    const page = await this.repository.listResources(ctx.directoryId, type, { limit: paging.count, ...(startAfter === undefined ? {} : { startAfter }) });
    // A full page whose last key exists may be followed by more; an empty next page is harmless.
    return { items: page.items, more: page.lastKey !== undefined };
  }

  /** Every resource matching the filter, ordered by id. */
  private async filteredMatches(
    ctx: ScimContext,
    type: ResourceType,
    filter: FilterNode,
    loadedMembers?: Map<string, MemberRef[]>,
  ): Promise<StoredResource[]> {
    const predicate = compileFilter(filter, {
      resolve: (ref, parent) => resolveAttribute(type, ref, parent),
      coreSchema: CORE_SCHEMA[type],
    });
    // A filter on members (`members[value eq "…"]`, Entra ID's membership check) needs each
    // candidate's members; other filters never read them.
    const needsMembers = type === 'Group' && mentionsAttribute(filter, 'members');
    const keep = async (resources: StoredResource[]) => {
      const members = needsMembers ? await this.membersOf(ctx, resources) : undefined;
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
      const candidates = await this.lookup(ctx, type, lookups);
      return (await keep(candidates)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    const found: StoredResource[] = [];
    let startAfter: string | undefined;
    let read = 0;
    for (let guard = 0; guard < 10_000; guard++) {
      const page = await this.repository.listResources(ctx.directoryId, type, { limit: SCAN_PAGE, ...(startAfter === undefined ? {} : { startAfter }) });
      read += page.items.length;
      if (read > this.maxFilterScan) {
        throw ScimError.of('tooMany', `This filter would read more than ${this.maxFilterScan} resources; filter by id, userName, externalId or displayName`);
      }
      found.push(...(await keep(page.items)));
      if (page.lastKey === undefined) break;
      startAfter = page.lastKey;
    }
    return found;
  }

  /** Fetches the candidates of direct lookups: each id or claim costs one strongly consistent read. */
  private async lookup(ctx: ScimContext, type: ResourceType, lookups: Lookup[]): Promise<StoredResource[]> {
    // A value no resource could hold (too long to key, or not an id) simply matches nothing.
    const ids = await Promise.all(
      lookups.map((lookup) => {
        if (lookup.kind === 'id') return isPlausibleId(lookup.id) ? lookup.id : undefined;
        return Buffer.byteLength(claimedValue(lookup.claim)) > MAX_UNIQUE_VALUE_BYTES ? undefined : this.repository.findIdByClaim(ctx.directoryId, lookup.claim);
      }),
    );
    const unique = [...new Set(ids.filter((id): id is string => id !== undefined))];
    if (unique.length === 0) return [];
    if (unique.length === 1) {
      const resource = await this.repository.getResource(ctx.directoryId, type, unique[0] as string);
      return resource === undefined ? [] : [resource];
    }
    return this.repository.getResources(ctx.directoryId, type, unique);
  }

  /**
   * The shared read-modify-write of PUT and PATCH. `change` computes the new attributes and the
   * membership steps from the current resource; a lost race re-reads and recomputes, unless the
   * client pinned a version with If-Match, which then answers 412.
   */
  private async modify(
    ctx: ScimContext,
    type: ResourceType,
    id: string,
    ifMatch: string | undefined,
    projection: Projection | undefined,
    change: (current: StoredResource) => Promise<{ attributes: Record<string, unknown>; steps: MembershipStep[] }>,
  ): Promise<ResourceResult | undefined> {
    if (!isPlausibleId(id)) throw notFound(type, id);
    for (let attempt = 1; ; attempt++) {
      const current = await this.repository.getResource(ctx.directoryId, type, id);
      if (current === undefined) throw notFound(type, id);
      checkIfMatch(ifMatch, current);
      const { attributes, steps } = await change(current);
      assertImmutableUnchanged(type, current.attributes, attributes);
      checkStorable(type, attributes);
      const memberChanges = steps.length === 0 ? { add: [], remove: [] } : await this.planMembershipSteps(ctx, id, steps);
      const now = this.now().toISOString();
      const attributesChanged = !isDeepStrictEqual(current.attributes, attributes);
      let updated = current;
      try {
        if (attributesChanged) {
          updated = { ...current, attributes, version: current.version + 1, lastModified: now };
          const counters: CounterDelta =
            type === 'User' && isActive(current.attributes) !== isActive(attributes) ? { activeUsers: isActive(attributes) ? 1 : -1 } : {};
          await this.repository.updateResource(
            ctx.directoryId,
            type,
            current,
            updated,
            claimChanges(claimsOf(type, current.attributes), claimsOf(type, attributes)),
            counters,
          );
        }
        if (memberChanges.add.length > 0 || memberChanges.remove.length > 0) {
          await this.repository.changeMemberships(ctx.directoryId, id, memberChanges, { now, bumpGroupVersion: true });
          if (projection !== undefined) updated = (await this.repository.getResource(ctx.directoryId, type, id)) ?? updated;
        }
      } catch (error) {
        if (error instanceof VersionConflictError && attempt < MAX_WRITE_ATTEMPTS && ifMatch === undefined) continue;
        if (error instanceof VersionConflictError) throw new ScimError(412, 'The resource was changed by another request', undefined, { cause: error });
        translateWriteError(error);
      }
      if (projection === undefined) return undefined;
      const members = type === 'Group' && projectionWants('members', projection) ? await this.allMembers(ctx, id, this.maxInlineMembers) : undefined;
      return this.respond(ctx, type, updated, projection, members);
    }
  }

  /**
   * Folds membership steps, in order, into the members to add and remove. Costs O(members named)
   * reads, except removeAll/replace, which must read the current member list.
   */
  private async planMembershipSteps(ctx: ScimContext, groupId: string, steps: MembershipStep[]): Promise<{ add: MemberRef[]; remove: MemberRef[] }> {
    let replaceAll = false;
    const adds = new Map<string, ResourceType | undefined>();
    const removes = new Set<string>();
    for (const step of steps) {
      switch (step.kind) {
        case 'add':
          for (const member of step.members) {
            adds.set(member.value, member.type);
            removes.delete(member.value);
          }
          break;
        case 'remove':
          for (const memberId of step.memberIds) {
            adds.delete(memberId);
            removes.add(memberId);
          }
          break;
        case 'removeAll':
          replaceAll = true;
          adds.clear();
          removes.clear();
          break;
        case 'replace':
          replaceAll = true;
          adds.clear();
          removes.clear();
          for (const member of step.members) adds.set(member.value, member.type);
          break;
      }
    }
    if (adds.size + removes.size > MAX_MEMBER_CHANGES) throw tooManyMemberChanges();
    // Removing an id that cannot exist changes nothing.
    for (const memberId of removes) if (!isPlausibleId(memberId)) removes.delete(memberId);
    const candidates = [...adds].map(([value, type]) => (type === undefined ? { value } : { value, type }));
    if (replaceAll) {
      const { newMembers } = await this.resolveNewMembers(ctx, groupId, candidates);
      const current = await this.allMembers(ctx, groupId, Number.MAX_SAFE_INTEGER);
      const currentIds = new Set(current.map((member) => member.id));
      return {
        add: newMembers.filter((member) => !currentIds.has(member.id)),
        remove: current.filter((member) => !adds.has(member.id)),
      };
    }
    const { newMembers, memberships } = await this.resolveNewMembers(ctx, groupId, candidates, [...adds.keys(), ...removes].filter(isPlausibleId));
    return {
      add: newMembers.filter((member) => !memberships.has(member.id)),
      remove: [...removes].flatMap((memberId) => {
        const type = memberships.get(memberId);
        return type === undefined ? [] : [{ id: memberId, type }];
      }),
    };
  }

  /**
   * Checks that every new member is a User or Group of this directory (and not the group itself),
   * and reads which of `memberIds` are members already, in the same round trip.
   */
  private async resolveNewMembers(
    ctx: ScimContext,
    groupId: string,
    members: Array<{ value: string; type?: ResourceType }>,
    memberIds: string[] = [],
  ): Promise<{ newMembers: MemberRef[]; memberships: Map<string, ResourceType> }> {
    if (members.length === 0 && memberIds.length === 0) return { newMembers: [], memberships: new Map() };
    const self = members.find((member) => member.value === groupId);
    if (self !== undefined) throw ScimError.of('invalidValue', 'A group cannot be a member of itself');
    const typeHints = new Map(members.flatMap((member) => (member.type === undefined ? [] : [[member.value, member.type] as const])));
    const { resolved, memberships } = await this.repository.inspectMembers(ctx.directoryId, groupId, {
      candidates: members.map((member) => member.value).filter(isPlausibleId),
      typeHints,
      memberIds,
    });
    const missing = members.filter((member) => !resolved.has(member.value)).map((member) => member.value);
    if (missing.length > 0) {
      throw ScimError.of('invalidValue', `members: no User or Group with id ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (+${missing.length - 5} more)` : ''} in this directory`);
    }
    const unique = new Map(members.map((member) => [member.value, resolved.get(member.value) as ResourceType]));
    return { newMembers: [...unique].map(([id, type]) => ({ id, type })), memberships };
  }

  /** Every member of a group, in pages; tooMany beyond `limit`. */
  private async allMembers(ctx: ScimContext, groupId: string, limit: number): Promise<MemberRef[]> {
    const members: MemberRef[] = [];
    let startAfter: string | undefined;
    for (let guard = 0; guard < 100_000; guard++) {
      const page = await this.repository.listMembers(ctx.directoryId, groupId, { limit: 1000, ...(startAfter === undefined ? {} : { startAfter }) });
      members.push(...page.items);
      if (members.length > limit) {
        throw ScimError.of('tooMany', `The group has more than ${limit} members; read it with excludedAttributes=members`);
      }
      if (page.lastKey === undefined) break;
      startAfter = page.lastKey;
    }
    return members;
  }

  /** Removes every member of a group (before it is deleted), page by page. */
  private async removeAllMembers(ctx: ScimContext, groupId: string, now: string): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      const page = await this.repository.listMembers(ctx.directoryId, groupId, { limit: 1000 });
      if (page.items.length === 0) return;
      await this.repository.changeMemberships(ctx.directoryId, groupId, { add: [], remove: page.items }, { now, bumpGroupVersion: false });
    }
  }

  private respond(ctx: ScimContext, type: ResourceType, resource: StoredResource, projection: Projection, members?: MemberRef[]): ResourceResult {
    const full = renderResource(type, resource, ctx.baseUrl, members);
    const meta = full.meta as { location: string; version: string };
    return { body: projectResource(type, full, projection), etag: meta.version, location: meta.location };
  }
}
