/**
 * The shapes every directory-service use case takes and gives: who is asking, what to return,
 * and a resource answer. Kept apart from the service so that its listing and membership
 * modules can share them without importing the service itself.
 */
import type { RequestInfo, RequestStamp } from '../activity/entries.ts';
import type { ProjectionOptions } from '../core/projection.ts';

/** Who is asking: the directory from the path and the Tenant URL to build locations from. */
export interface ScimContext {
  directoryId: string;
  /** The directory's Tenant URL, e.g. `https://api.example.com/scim/v2/<directoryId>`. */
  baseUrl: string;
  /**
   * The SCIM request being served, when there is one: its writes are stamped with it, so that
   * they are recorded as provisioning activity. Calls made for no request (tests, tools) leave none.
   */
  request?: RequestInfo;
}

/** The stamp of a write made at `at` for the context's request, if it has one. */
export function stampOf(ctx: ScimContext, at: string): RequestStamp | undefined {
  return ctx.request === undefined ? undefined : { ...ctx.request, at };
}

/** `attributes` / `excludedAttributes` of a read (RFC 7644 §3.4.2.5). */
export type Projection = ProjectionOptions;

/** The query parameters of GET /Users and GET /Groups (RFC 7644 §3.4.2, RFC 9865), as sent. */
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

/** Ids this service mints are UUIDs; anything outside this shape cannot name a stored resource. */
const ID_PATTERN = /^[\w.~-]{1,128}$/;

/** True when `id` could be one this service minted; anything else is not found without a read. */
export function isPlausibleId(id: string): boolean {
  return ID_PATTERN.test(id);
}
