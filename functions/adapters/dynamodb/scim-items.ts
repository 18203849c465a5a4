/**
 * How the SCIM repository's item families lay out what they share: resource keys, a resource
 * item written and read back as a StoredResource, the request stamp.
 *
 * A user or group item stores nothing its keys or its other attributes already say: its id is
 * the end of its sort key, its directory the end of its partition key, and `schemas` is left out
 * when it is the canonical list (RFC 7643 §3). A transaction pays for every started KB of each
 * item, so these bytes decide whether a member's item, with its `memberOf` set, stays within one
 * KB. Reading puts them back ({@link completeResourceItem}); items written before carry them and
 * are read as they are.
 */
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import type { RequestStamp } from '../../activity/entries.ts';
import { isJsonObject } from '../../core/json.ts';
import { canonicalSchemas } from '../../core/resource.ts';
import type { Deletion, ResourceType, StoredResource } from '../../service/repository.ts';
import { keptMemberCount } from './items.ts';
import { directoryIdOfPartition, keys, resourceOfSortKey } from './keys.ts';
import type { Key } from './table-writes.ts';

/**
 * The user or group item's attribute naming the delete under way (`Deletion`): a map of its id,
 * when it was accepted and the request's stamp. Writes that must not apply to a resource being
 * deleted (adding it to a group, changing it without reading it) condition on its absence.
 */
export const DELETION_MARKER = 'deletion';

/** A condition of a write that is tried before anything is read did not hold. */
export class ConditionNotMet extends Error {}

/** The key of a user or group item. */
export function resourceKey(directoryId: string, type: ResourceType, id: string): Key {
  return type === 'User' ? keys.user(directoryId, id) : keys.group(directoryId, id);
}

const sameList = (a: unknown, b: readonly string[]) => Array.isArray(a) && a.length === b.length && a.every((value, i) => value === b[i]);

/** A resource's attributes as a user or group item stores them: without `schemas` when it is the canonical list. */
export function storedAttributes(type: ResourceType, attributes: Record<string, unknown>): Record<string, unknown> {
  const { schemas, ...rest } = attributes;
  return sameList(schemas, canonicalSchemas(type, rest)) ? rest : attributes;
}

/**
 * A user or group item with what it does not store put back: `id` from its sort key,
 * `directoryId` from its partition key, `schemas` (canonical) from its attributes. Fields an item
 * holds (every item written before they were left out) are kept as they are; anything that is
 * not a user or group item is returned unchanged. Works on items read through the document
 * client and on stream images turned into plain values alike.
 */
export function completeResourceItem<T extends Record<string, unknown>>(item: T): T {
  const resource = typeof item.sk === 'string' ? resourceOfSortKey(item.sk) : undefined;
  if (resource === undefined) return item;
  const completed: Record<string, unknown> = { ...item };
  if (completed.id === undefined) completed.id = resource.id;
  const directoryId = typeof item.pk === 'string' ? directoryIdOfPartition(item.pk) : undefined;
  if (completed.directoryId === undefined && directoryId !== undefined) completed.directoryId = directoryId;
  const attributes = item.attributes;
  if (isJsonObject(attributes) && attributes.schemas === undefined) completed.attributes = { schemas: canonicalSchemas(resource.type, attributes), ...attributes };
  return completed as T;
}

/** A user or group item as the directory service sees it. */
export function toStoredResource(stored: Record<string, NativeAttributeValue>): StoredResource {
  const item = completeResourceItem(stored);
  const memberOf = item.memberOf instanceof Set ? [...(item.memberOf as Set<string>)].sort() : [];
  const resource: StoredResource = {
    id: item.id as string,
    version: item.version as number,
    created: item.created as string,
    lastModified: item.lastModified as string,
    attributes: (item.attributes ?? {}) as Record<string, unknown>,
    memberOf,
  };
  const memberCount = keptMemberCount(item);
  if (memberCount !== undefined) resource.memberCount = memberCount;
  // The member journal's marker (member-journals.ts names it; read here to keep the import one-way).
  if (typeof item.journal === 'string') resource.openJournal = item.journal;
  const deletion = item[DELETION_MARKER] as { id?: unknown; opened?: unknown; stamp?: RequestStamp } | undefined;
  if (typeof deletion?.id === 'string' && typeof deletion.opened === 'string') {
    resource.deletion = { id: deletion.id, opened: deletion.opened, ...(deletion.stamp === undefined ? {} : { stamp: deletion.stamp }) } satisfies Deletion;
  }
  return resource;
}

/** The `lastRequest` attribute of a stamped write (read back by the stream fan-out, never rendered). */
export function stampAttribute(stamp: RequestStamp): Record<string, string | number> {
  return { requestId: stamp.requestId, method: stamp.method, client: stamp.client, status: stamp.status, at: stamp.at };
}
