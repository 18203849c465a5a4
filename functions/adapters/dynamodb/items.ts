/**
 * The shapes of the items stored in the table. The DynamoDB repository writes them; the stream
 * fan-out reads them from stream images. Keys come from `keys.ts`.
 */
import type { ENTITY } from './table-definition.ts';

/** A SCIM resource body as stored: every client-writable attribute in canonical form
 * (including `schemas` and extension objects under their URN), but never `id`, `meta`,
 * `groups` or group `members`, which are derived from item fields and membership items. */
export type StoredAttributes = Record<string, unknown>;

interface ResourceItemBase {
  pk: string;
  sk: string;
  directoryId: string;
  id: string;
  /** Incremented by every write; the ETag is W/"<version>". */
  version: number;
  /** ISO 8601 timestamps for meta.created / meta.lastModified. */
  created: string;
  lastModified: string;
  attributes: StoredAttributes;
  /** Ids of the groups this resource is a direct member of; absent when none. Changing it does not bump `version`. */
  memberOf?: Set<string>;
}

export interface UserItem extends ResourceItemBase {
  entity: typeof ENTITY.user;
}

export interface GroupItem extends ResourceItemBase {
  entity: typeof ENTITY.group;
}

/** One group membership (group → member). Raises member_added / member_removed events. */
export interface MembershipItem {
  pk: string;
  sk: string;
  entity: typeof ENTITY.membership;
  directoryId: string;
  groupId: string;
  memberId: string;
  memberType: 'User' | 'Group';
  created: string;
}

export type DirectoryProvider = 'entra' | 'okta' | 'generic';
export type DirectoryStatus = 'active' | 'disabled';

/** A directory record. Lives in the directory's own partition and in the directory index. */
export interface DirectoryItem {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  entity: typeof ENTITY.directory;
  directoryId: string;
  name: string;
  organizationId?: string;
  provider: DirectoryProvider;
  status: DirectoryStatus;
  created: string;
  lastModified: string;
  version: number;
}

/** Live counts for totalResults and directory statistics, updated in the same transaction as the resources. */
export interface CountersItem {
  pk: string;
  sk: string;
  users: number;
  activeUsers: number;
  groups: number;
}

/** A uniqueness claim; its sort key carries the claimed value. */
export interface ClaimItem {
  pk: string;
  sk: string;
  resourceId: string;
}
