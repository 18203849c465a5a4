/**
 * Reserved concurrency of the functions, derived from the stage throttle.
 *
 * Without a bound, one large sync (Groups requests may run 25 s) could take the account's whole
 * Lambda concurrency and starve the fan-out, the admin function and the host app's own functions.
 * Reserved concurrency both caps a function and keeps that much aside for it.
 */
import type { ApiThrottling } from './scim-api.ts';

/** Reserved concurrency per function. */
export interface ConcurrencyLimits {
  /**
   * The users function and the groups function, each.
   * @default half the stage's steady rate limit, rounded up (100 at 200 requests/s)
   */
  readonly resourceFunctions?: number;
  /** The discovery function. @default a fifth of `resourceFunctions`, at least 2 (20 at 200 requests/s) */
  readonly discoveryFunction?: number;
  /**
   * The fallback function: SCIM paths spelled in another letter case than the canonical one
   * (test collections, a few clients; Entra ID's provisioning uses the canonical spelling).
   * @default as `discoveryFunction`
   */
  readonly scimFallbackFunction?: number;
  /** The host app's Directory API (backfill, lookups, replays). @default as `discoveryFunction` */
  readonly directoryApiFunction?: number;
  /**
   * The stream fan-out. It runs one batch per stream shard at a time, so it needs about as many as
   * the table stream has shards; reserving them keeps events flowing while the API is busy.
   * @default 10
   */
  readonly streamFanoutFunction?: number;
  /**
   * The admin function: operators' commands and directory purges (a purge is one chain of
   * invocations at a time). The cap also bounds how wide any runaway self-invocation could spread.
   * @default 5
   */
  readonly adminFunction?: number;
  /** The Admin Portal: a few IT admins' browsers at a time. @default 5 */
  readonly portalFunction?: number;
}

/**
 * The limits with every default filled in.
 *
 * Why half the rate limit: the stage admits `rateLimit` requests per second on average; a function
 * needs `rate × average duration` concurrent executions, so half the rate serves the whole rate at
 * 500 ms per request (SCIM requests take tens of milliseconds when warm). Requests beyond it, in a
 * burst or when requests slow down, are throttled by Lambda and retried by the identity provider,
 * instead of taking concurrency from everything else in the account.
 */
export function resolveConcurrency(throttling: ApiThrottling, limits: ConcurrencyLimits = {}): Required<ConcurrencyLimits> {
  const resourceFunctions = limits.resourceFunctions ?? Math.max(1, Math.ceil(throttling.rateLimit / 2));
  const resolved = {
    resourceFunctions,
    discoveryFunction: limits.discoveryFunction ?? Math.max(2, Math.ceil(resourceFunctions / 5)),
    scimFallbackFunction: limits.scimFallbackFunction ?? limits.discoveryFunction ?? Math.max(2, Math.ceil(resourceFunctions / 5)),
    directoryApiFunction: limits.directoryApiFunction ?? limits.discoveryFunction ?? Math.max(2, Math.ceil(resourceFunctions / 5)),
    streamFanoutFunction: limits.streamFanoutFunction ?? 10,
    adminFunction: limits.adminFunction ?? 5,
    portalFunction: limits.portalFunction ?? 5,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`concurrency.${name} must be a whole number of at least 1, not ${value}`);
  }
  return resolved;
}

/** What the limits reserve from the account's pool in total (Lambda keeps at least 100 unreserved). */
export function totalReserved(limits: Required<ConcurrencyLimits>): number {
  return (
    2 * limits.resourceFunctions +
    limits.discoveryFunction +
    limits.scimFallbackFunction +
    limits.directoryApiFunction +
    limits.streamFanoutFunction +
    limits.adminFunction +
    limits.portalFunction
  );
}
