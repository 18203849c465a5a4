/**
 * The storage port of the directory service. The service decides *what* changes; a repository
 * decides how that is written. Every method takes the directory id explicitly.
 *
 * Writes made for a SCIM request take its `RequestStamp`: the repository records it with the
 * write it already makes (on the item, or in a delete's transaction), so that the request shows
 * up as provisioning activity without a round trip of its own.
 */
import type { RequestStamp } from '../activity/entries.ts';
import type { ResourceType } from '../core/schemas/index.ts';

/** 'User' or 'Group': the protocol core's name, so the port and the core say the same thing. */
export type { ResourceType };

/** A stored SCIM resource: its id, bookkeeping and client-writable attributes. */
export interface StoredResource {
  id: string;
  version: number;
  created: string;
  lastModified: string;
  /** Client-writable attributes in canonical form (no id, meta, groups or members). */
  attributes: Record<string, unknown>;
  /** Groups this resource is a direct member of. */
  memberOf: string[];
  /** Groups only: how many direct members the group has, kept by membership writes (absent on groups stored before it was kept). */
  memberCount?: number;
  /** Groups only: the id of the member journal open on the group, whose change readers complete first. */
  openJournal?: string;
  /** The delete under way, when one is: the resource is gone to every reader, who completes it first. */
  deletion?: Deletion;
}

/**
 * A delete that takes more than one transaction (the resource has memberships to end first),
 * written on the resource item before any of it is applied (docs/storage.md, "Deletes"). From
 * then on the resource is gone to clients: reads complete the delete first or leave the resource
 * out, nothing can add it to a group, and a sweeper completes a delete that nobody touches.
 */
export interface Deletion {
  /** Unique per delete; the final transaction applies only while the item names it. */
  id: string;
  /** ISO time the delete was accepted; the sweeper takes over deletes older than a minute. */
  opened: string;
  /** The request that asked for it, recorded with the final transaction. */
  stamp?: RequestStamp;
}

/** A journal the sweeper finds open: a group's member change, or a resource's delete. */
export type OpenJournal =
  | { kind: 'members'; directoryId: string; groupId: string }
  | { kind: 'deletion'; directoryId: string; type: ResourceType; id: string };

/**
 * A group's member change too large for one transaction, written down whole before any of it is
 * applied (docs/storage.md, "Member journals"). While it is open, every request that reads the
 * group completes it first, and a sweeper completes one that nobody touches.
 */
export interface MemberJournal {
  /** Unique per journal; the group item names it while the journal is open. */
  id: string;
  groupId: string;
  /** ISO time the journal was opened; the sweeper takes over journals older than a minute. */
  opened: string;
  /** Members to add (each if not a member yet, and only if it still exists). */
  add: MemberRef[];
  /** Members to remove (each if still a member). */
  remove: MemberRef[];
  /** The request that opened it, recorded with the write that closes it. */
  stamp?: RequestStamp;
}

/**
 * A value a resource is found by with one key read. `userName` and `groupName` (a group's
 * displayName) are uniqueness claims: at most one resource of the directory holds each.
 * `externalId` is only an index: RFC 7643 §3.1 gives it no uniqueness, and Entra ID's default
 * mapping (`mailNickname → externalId`) repeats it for two people with the same mail nickname in
 * different domains, so several users may hold the same one. `groupExternalId` is the same index
 * for groups, in a key space of its own.
 */
export interface Claim {
  kind: 'userName' | 'externalId' | 'groupName' | 'groupExternalId';
  value: string;
}

/** True for the claims at most one resource may hold; a write that takes a held one is a conflict. */
export function isUniqueClaim(claim: Claim): boolean {
  return claim.kind !== 'externalId' && claim.kind !== 'groupExternalId';
}

/**
 * One attribute set without reading the resource: `path` under its attributes (`['title']`,
 * `['name', 'givenName']`, `[extension URN, 'department']`); every segment but the last exists.
 */
export interface AttributeAssignment {
  path: readonly string[];
  value: string | boolean;
}

/** Changes to the directory's counters, applied in the same transaction as the resource. */
export interface CounterDelta {
  users?: number;
  activeUsers?: number;
  groups?: number;
}

export interface Counters {
  users: number;
  activeUsers: number;
  groups: number;
}

export interface MemberRef {
  id: string;
  type: ResourceType;
  /** The member's name (RFC 7643 §4.2 `display`), when read for rendering. */
  display?: string;
}

/** A remembered paging position. */
export interface PageMarker {
  lastKey: string;
  total: number;
}

/** A page of a listing; `lastKey` is absent on the last page. */
export interface Page<T> {
  items: T[];
  lastKey?: string;
}

/** Raised when a write would take a value another resource holds (→ 409 uniqueness). */
export class UniquenessConflictError extends Error {
  override readonly name = 'UniquenessConflictError';
  constructor(readonly claim: Claim, options?: { cause?: unknown }) {
    super(`${claim.kind} is already taken`, options);
  }
}

/** Raised when the stored version is not the one the write was based on (concurrent change). */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(options?: { cause?: unknown }) {
    super('the resource changed since it was read', options);
  }
}

/** Raised when a membership write refers to a member or group that no longer exists. */
export class MissingReferenceError extends Error {
  override readonly name = 'MissingReferenceError';
  constructor(readonly ids: string[], options?: { cause?: unknown }) {
    super(`no such resource: ${ids.join(', ')}`, options);
  }
}

/**
 * Raised when a write made as part of a member journal finds the journal closed: another request
 * (or the sweeper) completed it meanwhile.
 */
export class JournalClosedError extends Error {
  override readonly name = 'JournalClosedError';
  constructor(options?: { cause?: unknown }) {
    super('the member journal was completed by another request', options);
  }
}

/**
 * Most groups one user or group may be a direct member of. A member's item lists its groups
 * (`memberOf`, 37 bytes a group): 5,000 of them take about 185 KB, which with a resource of at
 * most 200 KB stays under DynamoDB's 400 KB item limit.
 */
export const MAX_GROUPS_PER_MEMBER = 5_000;

/** Raised when a membership would put a member in more than {@link MAX_GROUPS_PER_MEMBER} groups (→ 400). */
export class TooManyGroupsError extends Error {
  override readonly name = 'TooManyGroupsError';
  constructor(
    readonly ids: string[],
    readonly limit: number = MAX_GROUPS_PER_MEMBER,
    options?: { cause?: unknown },
  ) {
    super(`already in ${limit} groups: ${ids.join(', ')}`, options);
  }
}

/**
 * Most member changes written in the same transaction as a group's create or attribute update:
 * DynamoDB's 100 items, less the group, up to four claim items (two taken, two given up) and the
 * counters, at two items a member. More are written in further transactions.
 */
export const MAX_MEMBERS_WITH_RESOURCE = 47;

/**
 * Most memberships ended in the transaction that deletes their user or group: DynamoDB's 100
 * items, less the resource, two claims, the counters and the activity entry, at two items a
 * membership. A resource with more is deleted through a `Deletion`.
 */
export const MAX_MEMBERSHIPS_WITH_DELETE = 47;

/**
 * Most member changes of one group written in one transaction without other resources: two
 * items a member, and the group item. A larger change is journaled ({@link MemberJournal}).
 */
export const MAX_MEMBERS_PER_TRANSACTION = 49;

export interface ScimRepository {
  /** A resource by id; one being deleted comes with its `deletion`, so that the reader can complete it. */
  getResource(directoryId: string, type: ResourceType, id: string): Promise<StoredResource | undefined>;
  /** The ids of the resources holding the claim (at most one for a unique claim), strongly consistent. */
  findIdsByClaim(directoryId: string, claim: Claim): Promise<string[]>;
  /**
   * Writes a new resource with its claims and counters, and (a group) up to
   * {@link MAX_MEMBERS_WITH_RESOURCE} first members, all in one transaction; a group's `memberCount` is
   * written with it. `references` are ids of users that must exist (the enterprise manager):
   * checked in the same transaction, MissingReferenceError when one does not. With `journal` (a
   * group with more members), the journal is written in the same transaction instead, and the
   * group is stored with no members and the journal open.
   */
  createResource(
    directoryId: string,
    type: ResourceType,
    resource: StoredResource,
    claims: Claim[],
    counters: CounterDelta,
    stamp?: RequestStamp,
    members?: MemberRef[],
    references?: string[],
    journal?: MemberJournal,
  ): Promise<void>;
  /**
   * Writes `after` if the stored version is still `before.version` and no journal is open on it;
   * swaps claims; applies counters; and (a group) changes up to {@link MAX_MEMBERS_WITH_RESOURCE}
   * memberships, its member count moving with them, or opens `journal`, all in one transaction;
   * `references` as for createResource.
   */
  updateResource(
    directoryId: string,
    type: ResourceType,
    before: StoredResource,
    after: StoredResource,
    claims: { add: Claim[]; remove: Claim[] },
    counters: CounterDelta,
    stamp?: RequestStamp,
    members?: { add: MemberRef[]; remove: MemberRef[] },
    references?: string[],
    journal?: MemberJournal,
  ): Promise<void>;
  /**
   * Sets attributes of a resource in one write, without reading it first: applies only if the
   * resource exists, each assignment's parent exists, the version is `expectedVersion` (when
   * given) and, with `activeTo`, `active` flips to it (the directory's active-user count moves
   * with it). Bumps the version and records `stamp`. Returns the resource as written, or
   * undefined, having written nothing, when a condition failed or the item would grow past
   * DynamoDB's item limit; the caller then reads, applies and writes.
   */
  assignAttributes(
    directoryId: string,
    type: ResourceType,
    id: string,
    change: { assignments: AttributeAssignment[]; expectedVersion?: number; activeTo?: boolean; now: string; stamp?: RequestStamp },
  ): Promise<StoredResource | undefined>;
  /**
   * Deletes a resource with its claims (and the request's activity entry), if it is still at
   * `resource.version` or, with `deletionId`, if it still names that delete (else
   * VersionConflictError). Its memberships end in the same transaction: `memberships.groups`
   * (the groups it leaves, each group's version and count moving) must be exactly the groups it
   * is in, and `memberships.members` (a group's) exactly its members; with `deletionId`, both are
   * empty and it must have none left. At most {@link MAX_MEMBERSHIPS_WITH_DELETE} in all.
   */
  deleteResource(
    directoryId: string,
    type: ResourceType,
    resource: StoredResource,
    claims: Claim[],
    counters: CounterDelta,
    stamp?: RequestStamp,
    deletionId?: string,
    memberships?: { groups: string[]; members: MemberRef[] },
  ): Promise<void>;
  /**
   * Accepts a delete: the resource item names it (and its version moves, so that no write based
   * on an earlier read applies), if the resource is at `resource.version` with no delete and no
   * member journal open (else VersionConflictError; MissingReferenceError when it is gone).
   */
  openDeletion(directoryId: string, type: ResourceType, resource: StoredResource, deletion: Deletion): Promise<void>;
  /** A page of a directory's users or groups, leaving out those being deleted (a page may then hold fewer). */
  listResources(directoryId: string, type: ResourceType, options: { limit: number; startAfter?: string }): Promise<Page<StoredResource>>;
  /** The resources of `ids` that exist, in that order, leaving out those being deleted. */
  getResources(directoryId: string, type: ResourceType, ids: string[]): Promise<StoredResource[]>;
  getCounters(directoryId: string): Promise<Counters>;

  /**
   * One read for a membership change: which of `candidates` exist in the directory (and as what;
   * `typeHints` spares the lookup of the other type; one being deleted does not exist), which of
   * them are in as many groups as a member may be (`full`, with that limit), and which of
   * `memberIds` are members of the group now (and as what).
   */
  inspectMembers(
    directoryId: string,
    groupId: string,
    request: { candidates: string[]; typeHints: Map<string, ResourceType>; memberIds: string[] },
  ): Promise<{ resolved: Map<string, ResourceType>; full: { ids: Set<string>; limit: number }; memberships: Map<string, ResourceType> }>;
  /**
   * A page of a group's members. `withDisplay` adds each member's display name, kept on its
   * membership (or, until the stream fan-out has written it there, read in one batch).
   */
  listMembers(directoryId: string, groupId: string, options: { limit: number; startAfter?: string; withDisplay?: boolean }): Promise<Page<MemberRef>>;
  /**
   * Adds and removes memberships of one group: each membership item and the member's `memberOf`
   * change together. With `bumpGroupVersion`, each transaction also bumps the group's version and
   * moves its `memberCount` by what it changed (and records `stamp`, when given); without it (a
   * purge before a delete, the members of a group being created) chunks run side by side and the
   * group item is not touched. Chunked into transactions of bounded size. With `expectedVersion`
   * (and `bumpGroupVersion`), the first transaction applies only to that version of the group and
   * each next one to the version the one before it left (If-Match), else VersionConflictError.
   * With `bumpGroupVersion`, the group must have no journal open (VersionConflictError) and must
   * not be being deleted (MissingReferenceError), unless `evenIfJournalOpen` (a member leaving
   * every group before it is deleted; a journal then skips it). A member being deleted is never
   * added (MissingReferenceError). With `journalId`, the changes are that journal's: each transaction applies only
   * while the group names it (else JournalClosedError) and moves the group's count, not its version.
   */
  changeMemberships(
    directoryId: string,
    groupId: string,
    changes: { add: MemberRef[]; remove: MemberRef[] },
    options: { now: string; bumpGroupVersion: boolean; expectedVersion?: number; stamp?: RequestStamp; journalId?: string; evenIfJournalOpen?: boolean },
  ): Promise<void>;

  /**
   * The same change as {@link changeMemberships} with `bumpGroupVersion`, as one transaction
   * written before anything is read: the member's type is as given (a guess, when the client sent
   * none), and the membership's absence (add) or presence (remove), the member's existence and the
   * group's existence (or, with `expectedVersion`, its version) are the transaction's conditions.
   * Returns false, having written nothing, when any condition fails or the change does not fit in
   * one transaction; the caller then reads, explains and plans.
   */
  changeMembershipsAtOnce(
    directoryId: string,
    groupId: string,
    changes: { add: MemberRef[]; remove: MemberRef[] },
    options: { now: string; expectedVersion?: number; stamp?: RequestStamp },
  ): Promise<boolean>;

  /**
   * Opens a member journal on a group whose attributes do not change: the journal is written and
   * the group names it, if the group is at `expectedVersion` and has no journal open (else
   * VersionConflictError; MissingReferenceError when the group is gone).
   */
  openMemberJournal(directoryId: string, journal: MemberJournal, options: { expectedVersion: number }): Promise<void>;
  /** The journal open on a group, if any (strongly consistent). */
  getMemberJournal(directoryId: string, groupId: string): Promise<MemberJournal | undefined>;
  /**
   * Closes a journal whose changes are all applied: deletes it, and the group stops naming it,
   * moves its version and records the journal's stamp, in one transaction. False when it was
   * closed already (by another request or the sweeper).
   */
  closeMemberJournal(directoryId: string, journal: MemberJournal, now: string): Promise<boolean>;
  /** Journals and deletes of every directory opened before `openedBefore` (an ISO time), oldest first, at most `limit`. */
  listOpenJournals(openedBefore: string, limit: number): Promise<OpenJournal[]>;

  /** Where a sequential page starts, and how many resources the directory held when it was left. */
  getPageMarker(directoryId: string, marker: string): Promise<PageMarker | undefined>;
  putPageMarker(directoryId: string, marker: string, position: PageMarker, ttlSeconds: number): Promise<void>;
}
