/**
 * Provisioning activity: what the identity provider asked of a directory and how it went.
 *
 * Every SCIM request that changed something or failed leaves one entry; reads that succeed are
 * only counted (the directory's last-request time). Entries never hold bodies, tokens or filters:
 * only the method, the resource's id and name (userName or displayName), the outcome and, for a
 * failure, the SCIM error the client was given. They expire after a retention period (30 days by
 * default) through DynamoDB's time to live.
 */

/** Days an activity entry is kept unless the deployment says otherwise. */
export const DEFAULT_ACTIVITY_RETENTION_DAYS = 30;

/** The identity provider a request came from, told by its User-Agent. */
export type ActivityClient = 'entra' | 'okta' | 'onelogin' | 'jumpcloud' | 'other';

export type ActivityOutcome = 'success' | 'failure';

/** One activity entry, as the portal, the CLI and the Directory API show it. */
export interface ActivityEntry {
  directoryId: string;
  /** ISO 8601 time the request was answered. */
  at: string;
  /** The request id the access log carries too. */
  requestId: string;
  /** HTTP method: POST, PUT, PATCH, DELETE (or GET for a failed read). */
  method: string;
  /** `User` or `Group`; absent for requests that name no resource type (discovery). */
  resourceType?: 'User' | 'Group';
  /** The resource's id, when the request named or created one. */
  resourceId?: string;
  /** userName of a user or displayName of a group, when known. */
  resourceName?: string;
  /** HTTP status answered. */
  status: number;
  outcome: ActivityOutcome;
  /** RFC 7644 §3.12 scimType of a failure, when it had one. */
  scimType?: string;
  /** The `detail` of the SCIM error answered (the service's own words, never client input). */
  detail?: string;
  client: ActivityClient;
}

/** When a directory last heard from its identity provider. */
export interface RequestStatus {
  /** Last authenticated request of any kind (updated at most about once a minute). */
  lastRequestAt?: string;
  /** Last request that was answered with an error. */
  lastFailureAt?: string;
}

/** A page of activity, newest first. */
export interface ActivityPage {
  items: ActivityEntry[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

/** Why `ActivityReader.list` refused: a `since` that is no time, or a cursor it did not issue for this listing. */
export class ActivityQueryError extends Error {
  override readonly name = 'ActivityQueryError';
}

/** Reads activity. Every call is scoped to one directory. */
export interface ActivityReader {
  list(directoryId: string, options: { limit: number; cursor?: string; outcome?: ActivityOutcome; since?: string }): Promise<ActivityPage>;
  requestStatus(directoryId: string): Promise<RequestStatus>;
}

/**
 * The identity provider behind a User-Agent. Entra ID's provisioning service sends
 * `Azure Active Directory SCIM Client` (and, in its newer form, a `Microsoft` product token); Okta
 * sends `Okta SCIM Client`; OneLogin and JumpCloud name themselves.
 */
export function clientOf(userAgent: string | undefined): ActivityClient {
  const text = (userAgent ?? '').toLowerCase();
  if (text.includes('azure active directory') || text.includes('microsoft') || text.includes('entra')) return 'entra';
  if (text.includes('okta')) return 'okta';
  if (text.includes('onelogin')) return 'onelogin';
  if (text.includes('jumpcloud')) return 'jumpcloud';
  return 'other';
}
