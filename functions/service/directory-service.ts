/**
 * The directory service: SCIM use cases for Users and Groups over the storage port.
 *
 * Every method takes the directory explicitly (`ScimContext`), validates everything before it
 * writes anything, and writes through conditional transactions so that a rejected request
 * leaves stored data exactly as it was.
 *
 * Just over 400 lines because every SCIM use case starts here; what each delegates has a module
 * of its own (membership-planner.ts, member-journal.ts, listing.ts, the PATCH engine in core/patch).
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ScimError } from '../core/error.ts';
import { applyPatch, parsePatchRequest, plainAssignments, splitMembershipOperations, type MembershipStep, type SplitOperations } from '../core/patch-op.ts';
import { projectionWants, projectResource } from '../core/projection.ts';
import { ENTERPRISE_USER_SCHEMA } from '../core/schemas/index.ts';
import { assertImmutableUnchanged, parseResourceInput } from '../core/resource.ts';
import { claimChanges, claimedAttribute, claimsOf, isKeyable, MAX_UNIQUE_VALUE_BYTES } from './claims.ts';
import { isPlausibleId, stampOf, type ListQuery, type Projection, type ResourceResult, type ScimContext } from './context.ts';
import { Deletions } from './deletions.ts';
import { ResourceListing, type ListResult } from './listing.ts';
import { MemberJournals, newMemberJournal } from './member-journal.ts';
import { foldMembershipSteps, MAX_MEMBER_CHANGES, MAX_REPLACED_MEMBERS, MembershipPlanner, refuseFullMembers, tooManyMemberChanges } from './membership-planner.ts';
import { etagOf, ifMatchSatisfied, renderResource } from './render.ts';
import {
  MAX_MEMBERS_PER_TRANSACTION,
  MAX_MEMBERS_WITH_RESOURCE,
  MissingReferenceError,
  TooManyGroupsError,
  UniquenessConflictError,
  VersionConflictError,
  type CounterDelta,
  type MemberRef,
  type ResourceType,
  type ScimRepository,
  type StoredResource,
} from './repository.ts';

export type { ListQuery, Projection, ResourceResult, ScimContext } from './context.ts';
export type { ListResult } from './listing.ts';
export { isPlausibleId, MAX_MEMBER_CHANGES, MAX_UNIQUE_VALUE_BYTES };

export interface DirectoryServiceOptions {
  now?: () => Date;
  newId?: () => string;
  /** Most resources a filter that no index serves may read before answering tooMany. */
  maxFilterScan?: number;
  /** Most members a group GET renders inline; larger groups must be read with excludedAttributes=members. */
  maxInlineMembers?: number;
  /** Largest group a members replace or remove-all may rewrite; default {@link MAX_REPLACED_MEMBERS}. */
  maxReplacedMembers?: number;
}

/** Default of `maxFilterScan`: a filter no index serves reads at most this many resources. */
export const MAX_FILTER_SCAN = 50_000;
/** Default of `maxInlineMembers`: keeps a group response well under Lambda's 6 MB payload limit. */
export const MAX_INLINE_MEMBERS = 20_000;
/**
 * Largest stored resource, as JSON: far above any real user, and half of DynamoDB's 400 KB item
 * limit, leaving the rest for the item's `memberOf` set (about 5,000 groups).
 */
export const MAX_RESOURCE_BYTES = 200 * 1024;
/** Attempts of a read-modify-write that lost a race to a concurrent change. */
const MAX_WRITE_ATTEMPTS = 5;

/** What `#patchAtOnce` answers when the request needs the general read-apply-write. */
const NOT_AT_ONCE = Symbol('not at once');

/**
 * The version an If-Match header pins, for a condition of a write made before any read:
 * undefined when nothing is pinned (no header, or `*`), null when the header is not one
 * version this service issued (then the general path compares it after reading).
 */
function expectedVersionOf(ifMatch: string | undefined): number | undefined | null {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/i.exec(ifMatch);
  return match === null ? null : Number(match[1]);
}

function notFound(type: ResourceType, id: string): ScimError {
  return new ScimError(404, `${type} ${id} not found`);
}

/** Rejects values the store could not key or hold, before anything is written. */
function checkStorable(type: ResourceType, attributes: Record<string, unknown>): void {
  for (const claim of claimsOf(type, attributes)) {
    if (!isKeyable(claim)) {
      throw ScimError.of('invalidValue', `${claimedAttribute(claim)} must be at most ${MAX_UNIQUE_VALUE_BYTES} bytes`);
    }
  }
  if (Buffer.byteLength(JSON.stringify(attributes)) > MAX_RESOURCE_BYTES) {
    throw ScimError.of('invalidValue', `The resource would be larger than ${MAX_RESOURCE_BYTES / 1024} KB`);
  }
}

const isActive = (attributes: Record<string, unknown>) => attributes.active !== false;

function uniquenessError(error: UniquenessConflictError): ScimError {
  return ScimError.of('uniqueness', `${claimedAttribute(error.claim)} is already in use in this directory`, { cause: error });
}

function checkIfMatch(ifMatch: string | undefined, resource: StoredResource): void {
  if (ifMatch !== undefined && !ifMatchSatisfied(ifMatch, resource.version)) {
    throw new ScimError(412, `The resource is at version ${etagOf(resource.version)}, not ${ifMatch}`);
  }
}

/**
 * The manager a user's attributes name (RFC 7643 §4.3 `manager.value`) when it is new: it must be
 * a user of this directory, which the write checks. Undefined when there is none or it is unchanged.
 */
function newManagerOf(type: ResourceType, before: Record<string, unknown> | undefined, after: Record<string, unknown>): string | undefined {
  if (type !== 'User') return undefined;
  const managerOf = (attributes: Record<string, unknown> | undefined) => {
    const extension = attributes?.[ENTERPRISE_USER_SCHEMA] as { manager?: { value?: unknown } } | undefined;
    return typeof extension?.manager?.value === 'string' ? extension.manager.value : undefined;
  };
  const manager = managerOf(after);
  if (manager === undefined || manager === managerOf(before)) return undefined;
  if (!isPlausibleId(manager)) throw ScimError.of('invalidValue', 'manager.value must be the id of a User in this directory');
  return manager;
}

/** Converts storage-level conflicts into the SCIM errors a client sees. */
function translateWriteError(error: unknown, manager?: string): never {
  if (error instanceof MissingReferenceError && manager !== undefined && error.ids.includes(manager)) {
    throw ScimError.of('invalidValue', `manager.value: no User with id ${manager} in this directory`, { cause: error });
  }
  if (error instanceof UniquenessConflictError) throw uniquenessError(error);
  if (error instanceof TooManyGroupsError) {
    throw ScimError.of('invalidValue', `A member can be in at most ${error.limit} groups; ${error.ids.slice(0, 5).join(', ')} already is`, { cause: error });
  }
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
  readonly #repository: ScimRepository;
  readonly #now: () => Date;
  readonly #newId: () => string;
  readonly #maxInlineMembers: number;
  readonly #members: MembershipPlanner;
  readonly #listing: ResourceListing;
  readonly #journals: MemberJournals;
  readonly #deletions: Deletions;

  constructor(repository: ScimRepository, options: DirectoryServiceOptions = {}) {
    this.#repository = repository;
    this.#now = options.now ?? (() => new Date());
    this.#newId = options.newId ?? randomUUID;
    this.#maxInlineMembers = options.maxInlineMembers ?? MAX_INLINE_MEMBERS;
    this.#members = new MembershipPlanner(repository, options.maxReplacedMembers ?? MAX_REPLACED_MEMBERS);
    this.#journals = new MemberJournals(repository, this.#now);
    this.#deletions = new Deletions(repository, this.#members, this.#now);
    this.#listing = new ResourceListing(repository, {
      now: this.#now,
      maxFilterScan: options.maxFilterScan ?? MAX_FILTER_SCAN,
      maxInlineMembers: this.#maxInlineMembers,
      members: this.#members,
      journals: this.#journals,
    });
  }

  /** POST /Users, POST /Groups (RFC 7644 §3.3). Group members in the body are added too. */
  async create(ctx: ScimContext, type: ResourceType, body: unknown, projection: Projection = {}): Promise<ResourceResult> {
    const { attributes, members } = parseResourceInput(type, body);
    checkStorable(type, attributes);
    if (members !== undefined && members.length > MAX_MEMBER_CHANGES) throw tooManyMemberChanges();
    const id = this.#newId();
    const now = this.#now().toISOString();
    const resolved = type === 'Group' && members !== undefined ? await this.#members.resolveNewMembers(ctx, id, members) : undefined;
    const memberRefs = resolved === undefined ? [] : refuseFullMembers(resolved.newMembers, resolved.full);
    const resource: StoredResource = { id, version: 1, created: now, lastModified: now, attributes, memberOf: [] };
    const counters: CounterDelta = type === 'User' ? { users: 1, activeUsers: isActive(attributes) ? 1 : 0 } : { groups: 1 };
    // Up to MAX_MEMBERS_WITH_RESOURCE members are stored with the group, atomically; more are
    // journaled with it and follow (the group's count moving with each of their transactions).
    const withCreate = memberRefs.length <= MAX_MEMBERS_WITH_RESOURCE ? memberRefs : [];
    const journal = withCreate.length < memberRefs.length ? newMemberJournal(this.#newId(), id, { add: memberRefs, remove: [] }, stampOf(ctx, now) ?? now) : undefined;
    if (type === 'Group') resource.memberCount = withCreate.length;
    const manager = newManagerOf(type, undefined, attributes);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#repository.createResource(ctx.directoryId, type, resource, claimsOf(type, attributes), counters, stampOf(ctx, now), withCreate, manager === undefined ? [] : [manager], journal);
        break;
      } catch (error) {
        // A name held by a resource being deleted is free once that delete is completed.
        if (error instanceof UniquenessConflictError && attempt === 1 && (await this.#freeClaim(ctx, type, error))) continue;
        translateWriteError(error, manager);
      }
    }
    if (journal === undefined) return this.#respond(ctx, type, resource, projection, memberRefs);
    const completed = await this.#journals.completeOpened(ctx.directoryId, resource, journal);
    // Members deleted meanwhile were skipped: the answer lists those the group holds.
    const stored = projectionWants('members', projection) ? await this.#members.allMembers(ctx, id, this.#maxInlineMembers) : undefined;
    return this.#respond(ctx, type, completed, projection, stored);
  }

  /** GET /Users/{id}, GET /Groups/{id} (RFC 7644 §3.4.1). */
  async get(ctx: ScimContext, type: ResourceType, id: string, projection: Projection = {}): Promise<ResourceResult> {
    const resource = isPlausibleId(id) ? await this.#read(ctx, type, id) : undefined;
    if (resource === undefined) throw notFound(type, id);
    const members = type === 'Group' && projectionWants('members', projection) ? await this.#members.allMembers(ctx, id, this.#maxInlineMembers, { withDisplay: true }) : undefined;
    return this.#respond(ctx, type, resource, projection, members);
  }

  /** PUT /Users/{id}, PUT /Groups/{id} (RFC 7644 §3.5.1). */
  async replace(ctx: ScimContext, type: ResourceType, id: string, body: unknown, ifMatch?: string, projection: Projection = {}): Promise<ResourceResult> {
    const { attributes, members } = parseResourceInput(type, body);
    // A PUT without a members attribute leaves memberships as they are: clients that rename a
    // group with PUT must not silently empty it. An explicit list (even empty) replaces them.
    const steps: MembershipStep[] = members === undefined ? [] : [{ kind: 'replace', members }];
    const result = await this.#modify(ctx, type, id, ifMatch, projection, async () => ({ attributes, steps }));
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
    const atOnce = await this.#patchAtOnce(ctx, type, id, { attributeOperations, membershipSteps }, ifMatch, projection);
    if (atOnce !== NOT_AT_ONCE) return atOnce;
    return this.#modify(ctx, type, id, ifMatch, projection, async (current) => {
      const patched = attributeOperations.length === 0 ? undefined : applyPatch(type, renderResource(type, current, ctx.baseUrl), attributeOperations);
      const attributes = patched === undefined ? current.attributes : parseResourceInput(type, patched).attributes;
      return { attributes, steps: membershipSteps };
    });
  }

  /**
   * DELETE /Users/{id}, DELETE /Groups/{id} (RFC 7644 §3.6): memberships go with the resource, all
   * at once from the client's view (deletions.ts).
   */
  async delete(ctx: ScimContext, type: ResourceType, id: string, ifMatch?: string): Promise<void> {
    if (!isPlausibleId(id)) throw notFound(type, id);
    for (let attempt = 1; ; attempt++) {
      const resource = await this.#read(ctx, type, id);
      if (resource === undefined) throw notFound(type, id);
      checkIfMatch(ifMatch, resource);
      const now = this.#now().toISOString();
      const stamp = stampOf(ctx, now);
      try {
        await this.#deletions.delete(ctx.directoryId, type, resource, { id: this.#newId(), opened: now, ...(stamp === undefined ? {} : { stamp }) });
        return;
      } catch (error) {
        if (error instanceof MissingReferenceError && error.ids.includes(id)) throw notFound(type, id);
        if (!(error instanceof VersionConflictError) || attempt >= MAX_WRITE_ATTEMPTS || ifMatch !== undefined) translateWriteError(error);
      }
    }
  }

  /** GET /Users, GET /Groups with filter, paging and projection (RFC 7644 §3.4.2, RFC 9865). */
  list(ctx: ScimContext, type: ResourceType, query: ListQuery): Promise<ListResult> {
    return this.#listing.list(ctx, type, query);
  }

  /**
   * The shared read-modify-write of PUT and PATCH. `change` computes the new attributes and the
   * membership steps from the current resource; a lost race re-reads and recomputes, unless the
   * client pinned a version with If-Match, which then answers 412.
   */
  async #modify(
    ctx: ScimContext,
    type: ResourceType,
    id: string,
    ifMatch: string | undefined,
    projection: Projection | undefined,
    change: (current: StoredResource) => Promise<{ attributes: Record<string, unknown>; steps: MembershipStep[] }>,
  ): Promise<ResourceResult | undefined> {
    if (!isPlausibleId(id)) throw notFound(type, id);
    for (let attempt = 1; ; attempt++) {
      const current = await this.#read(ctx, type, id);
      if (current === undefined) throw notFound(type, id);
      checkIfMatch(ifMatch, current);
      const { attributes, steps } = await change(current);
      assertImmutableUnchanged(type, current.attributes, attributes);
      checkStorable(type, attributes);
      const memberChanges = steps.length === 0 ? { add: [], remove: [] } : await this.#members.plan(ctx, id, steps);
      const now = this.#now().toISOString();
      const attributesChanged = !isDeepStrictEqual(current.attributes, attributes);
      const named = newManagerOf(type, current.attributes, attributes);
      // A user who is their own manager exists: the write's version condition says so already.
      const manager = named === id ? undefined : named;
      const memberCount = memberChanges.add.length + memberChanges.remove.length;
      // Attributes and a few member changes are one transaction: the request applies whole or not at all.
      const membersWithAttributes = attributesChanged && memberCount > 0 && memberCount <= MAX_MEMBERS_WITH_RESOURCE;
      // More than one transaction holds are journaled: written down whole, then applied.
      const journal =
        memberCount > (attributesChanged ? MAX_MEMBERS_WITH_RESOURCE : MAX_MEMBERS_PER_TRANSACTION) ? newMemberJournal(this.#newId(), id, memberChanges, stampOf(ctx, now) ?? now) : undefined;
      let updated = current;
      try {
        if (attributesChanged) {
          updated = { ...current, attributes, version: current.version + 1, lastModified: now };
          const counters: CounterDelta =
            type === 'User' && isActive(current.attributes) !== isActive(attributes) ? { activeUsers: isActive(attributes) ? 1 : -1 } : {};
          await this.#repository.updateResource(
            ctx.directoryId,
            type,
            current,
            updated,
            claimChanges(claimsOf(type, current.attributes), claimsOf(type, attributes)),
            counters,
            stampOf(ctx, now),
            membersWithAttributes ? memberChanges : undefined,
            manager === undefined ? [] : [manager],
            journal,
          );
        } else if (journal !== undefined) {
          // The version read is the one If-Match was checked against.
          await this.#repository.openMemberJournal(ctx.directoryId, journal, { expectedVersion: current.version });
        }
        if (journal === undefined && memberCount > 0 && !membersWithAttributes) {
          const stamp = stampOf(ctx, now);
          // Under If-Match the member writes, too, apply only to the version just checked (or written).
          const expectedVersion = ifMatch === undefined ? undefined : updated.version;
          await this.#repository.changeMemberships(ctx.directoryId, id, memberChanges, {
            now,
            bumpGroupVersion: true,
            ...(stamp === undefined ? {} : { stamp }),
            ...(expectedVersion === undefined ? {} : { expectedVersion }),
          });
          if (projection !== undefined) updated = (await this.#repository.getResource(ctx.directoryId, type, id)) ?? updated;
        }
      } catch (error) {
        if (error instanceof VersionConflictError && attempt < MAX_WRITE_ATTEMPTS && ifMatch === undefined) continue;
        if (error instanceof VersionConflictError) throw new ScimError(412, 'The resource was changed by another request', undefined, { cause: error });
        // The resource itself went (or began to go) since it was read.
        if (error instanceof MissingReferenceError && error.ids.includes(id)) throw notFound(type, id);
        translateWriteError(error, manager);
      }
      if (journal !== undefined) updated = await this.#journals.completeOpened(ctx.directoryId, updated, journal);
      if (projection === undefined) return undefined;
      const members = type === 'Group' && projectionWants('members', projection) ? await this.#members.allMembers(ctx, id, this.#maxInlineMembers, { withDisplay: true }) : undefined;
      return this.#respond(ctx, type, updated, projection, members);
    }
  }

  /**
   * The one-write forms of PATCH, tried before anything is read: a User PATCH of plain attributes
   * (`plainAssignments`) and a Group PATCH that only adds and removes members (answered without a
   * body). The write carries every condition the read would have checked; when one fails, nothing
   * was written and the general read-apply-write runs and explains (NOT_AT_ONCE).
   */
  async #patchAtOnce(
    ctx: ScimContext,
    type: ResourceType,
    id: string,
    { attributeOperations, membershipSteps }: SplitOperations,
    ifMatch: string | undefined,
    projection: Projection | undefined,
  ): Promise<ResourceResult | undefined | typeof NOT_AT_ONCE> {
    const expectedVersion = expectedVersionOf(ifMatch);
    if (!isPlausibleId(id) || expectedVersion === null) return NOT_AT_ONCE;
    const now = this.#now().toISOString();
    const stamp = stampOf(ctx, now);
    const common = { now, ...(stamp === undefined ? {} : { stamp }), ...(expectedVersion === undefined ? {} : { expectedVersion }) };
    if (type === 'User') {
      // Users only: a group's displayName is unique here, so it is never a plain attribute.
      const assignments = plainAssignments('User', attributeOperations);
      if (assignments === undefined) return NOT_AT_ONCE;
      const active = assignments.find((assignment) => assignment.path.length === 1 && assignment.path[0] === 'active');
      const written = await this.#repository.assignAttributes(ctx.directoryId, 'User', id, {
        ...common,
        assignments,
        ...(active === undefined ? {} : { activeTo: active.value === true }),
      });
      if (written === undefined) return NOT_AT_ONCE;
      return projection === undefined ? undefined : this.#respond(ctx, 'User', written, projection);
    }
    if (attributeOperations.length > 0 || projection !== undefined) return NOT_AT_ONCE;
    const { replaceAll, adds, removes } = foldMembershipSteps(membershipSteps);
    if (replaceAll || adds.size + removes.size === 0 || adds.size + removes.size > MAX_MEMBER_CHANGES) return NOT_AT_ONCE;
    if ([...adds.keys()].some((memberId) => memberId === id || !isPlausibleId(memberId))) return NOT_AT_ONCE;
    // Entra ID never says what a member is: a User is the likely answer, and a wrong guess fails
    // the member's condition like a missing member does.
    const changes = {
      add: [...adds].map(([memberId, hint]) => ({ id: memberId, type: hint ?? ('User' as const) })),
      remove: [...removes].filter(isPlausibleId).map((memberId) => ({ id: memberId, type: 'User' as const })),
    };
    if (changes.add.length + changes.remove.length === 0) return NOT_AT_ONCE;
    return (await this.#repository.changeMembershipsAtOnce(ctx.directoryId, id, changes, common)) ? undefined : NOT_AT_ONCE;
  }

  /** Completes the delete under way of the resource holding a claim, if one is; true when it did. */
  async #freeClaim(ctx: ScimContext, type: ResourceType, conflict: UniquenessConflictError): Promise<boolean> {
    const [holder] = await this.#repository.findIdsByClaim(ctx.directoryId, conflict.claim);
    if (holder === undefined) return true;
    const resource = await this.#repository.getResource(ctx.directoryId, type, holder);
    return resource?.deletion !== undefined && (await this.#deletions.complete(ctx.directoryId, type, holder));
  }

  /**
   * A resource read by id; a group with a member journal open is read after completing it, so
   * that no reader sees part of a request (docs/storage.md, "Member journals"). One being deleted
   * is not there (its delete is completed first, if it can be now).
   */
  async #read(ctx: ScimContext, type: ResourceType, id: string): Promise<StoredResource | undefined> {
    const resource = await this.#repository.getResource(ctx.directoryId, type, id);
    if (resource?.deletion !== undefined) {
      // Gone to clients already; completed now, so that a retried DELETE finds it done.
      await this.#deletions.complete(ctx.directoryId, type, id).catch(() => undefined);
      return undefined;
    }
    if (resource?.openJournal === undefined) return resource;
    await this.#journals.complete(ctx.directoryId, id);
    return this.#repository.getResource(ctx.directoryId, type, id);
  }

  #respond(ctx: ScimContext, type: ResourceType, resource: StoredResource, projection: Projection, members?: MemberRef[]): ResourceResult {
    const full = renderResource(type, resource, ctx.baseUrl, members);
    const meta = full.meta as { location: string; version: string };
    return { body: projectResource(type, full, projection), etag: meta.version, location: meta.location };
  }
}
