/**
 * How the SCIM repository's item families lay out what they share: resource keys, a resource
 * item read back as a StoredResource, the request stamp.
 */
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import type { RequestStamp } from '../../activity/entries.ts';
import type { ResourceType, StoredResource } from '../../service/repository.ts';
import { keptMemberCount } from './items.ts';
import { keys } from './keys.ts';
import type { Key } from './table-writes.ts';

/** A condition of a write that is tried before anything is read did not hold. */
export class ConditionNotMet extends Error {}

/** The key of a user or group item. */
export function resourceKey(directoryId: string, type: ResourceType, id: string): Key {
  return type === 'User' ? keys.user(directoryId, id) : keys.group(directoryId, id);
}

/** A user or group item as the directory service sees it. */
export function toStoredResource(item: Record<string, NativeAttributeValue>): StoredResource {
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
  return resource;
}

/** The `lastRequest` attribute of a stamped write (read back by the stream fan-out, never rendered). */
export function stampAttribute(stamp: RequestStamp): Record<string, string | number> {
  return { requestId: stamp.requestId, method: stamp.method, client: stamp.client, status: stamp.status, at: stamp.at };
}
