/**
 * Building activity entries, for the three places that record them: the stream fan-out (creates
 * and changes, from the stamp the write left on the item), the delete transaction, and the
 * failure path of the SCIM handlers. Pure: no storage here.
 */
import type { ActivityClient, ActivityEntry } from './activity.ts';

/**
 * The request a write was made for. It is stamped on the user or group item (as `lastRequest`)
 * in the very write that changes it, so that the stream fan-out can record the change as
 * activity without a round trip on the request path.
 */
export interface RequestStamp {
  /** The request id the access log carries too (API Gateway's `requestContext.requestId`). */
  requestId: string;
  /** HTTP method: POST, PUT, PATCH or DELETE. */
  method: string;
  client: ActivityClient;
  /** The status a success of this request answers (201 for POST, 204 for a group PATCH …). */
  status: number;
  /** ISO 8601 time of the write. */
  at: string;
}

/** What a SCIM request is, before it writes: the stamp without the time of the write. */
export type RequestInfo = Omit<RequestStamp, 'at'>;

/**
 * Every field an activity entry may have: the item's top-level attributes besides its keys and
 * expiry. The stack's IAM grant lets the fan-out write items with these attributes only.
 */
export const ACTIVITY_ENTRY_FIELDS = [
  'directoryId',
  'at',
  'requestId',
  'method',
  'resourceType',
  'resourceId',
  'resourceName',
  'status',
  'outcome',
  'scimType',
  'detail',
  'client',
] as const satisfies ReadonlyArray<keyof ActivityEntry>;

// Fails to compile when ActivityEntry gains a field the list above lacks.
const everyFieldListed: Record<Exclude<keyof ActivityEntry, (typeof ACTIVITY_ENTRY_FIELDS)[number]>, never> = {};
void everyFieldListed;

/** Longest resource name kept in an entry; names are keys elsewhere and capped at 512 bytes there too. */
const MAX_NAME_LENGTH = 512;

/** The name the portal shows for a resource: a user's userName, a group's displayName. */
export function resourceNameOf(type: 'User' | 'Group', attributes: Record<string, unknown>): string | undefined {
  const name = type === 'User' ? attributes.userName : attributes.displayName;
  return typeof name === 'string' && name !== '' && name.length <= MAX_NAME_LENGTH ? name : undefined;
}

/** The entry of a successful write, from its stamp and the resource it wrote. */
export function successEntry(
  directoryId: string,
  type: 'User' | 'Group',
  resource: { id: string; attributes: Record<string, unknown> },
  stamp: RequestStamp,
): ActivityEntry {
  const name = resourceNameOf(type, resource.attributes);
  return {
    directoryId,
    at: stamp.at,
    requestId: stamp.requestId,
    method: stamp.method,
    resourceType: type,
    resourceId: resource.id,
    ...(name === undefined ? {} : { resourceName: name }),
    status: stamp.status,
    outcome: 'success',
    client: stamp.client,
  };
}

/** What the failure path knows of a request that was answered with an error. */
export interface FailedRequest {
  directoryId: string;
  requestId: string;
  method: string;
  client: ActivityClient;
  at: string;
  resourceType?: 'User' | 'Group';
  resourceId?: string;
  resourceName?: string;
  status: number;
  scimType?: string;
  detail?: string;
}

/** The entry of a request answered with an error (RFC 7644 §3.12 status, scimType and detail). */
export function failureEntry(request: FailedRequest): ActivityEntry {
  const { scimType, detail, resourceType, resourceId, resourceName, ...rest } = request;
  return {
    ...rest,
    ...(resourceType === undefined ? {} : { resourceType }),
    ...(resourceId === undefined ? {} : { resourceId }),
    ...(resourceName === undefined ? {} : { resourceName }),
    outcome: 'failure',
    ...(scimType === undefined ? {} : { scimType }),
    ...(detail === undefined ? {} : { detail }),
  };
}
