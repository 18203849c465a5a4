/**
 * The write side of provisioning activity, as a port: the fan-out, the SCIM handlers' failure
 * path and the token verifier record through it; the DynamoDB adapter implements it.
 */
import type { ActivityEntry } from './activity.ts';

export interface ActivityLog {
  /**
   * Writes entries. Idempotent: an entry's key is its time and request id, so writing it again
   * (a redelivered stream record) rewrites the same item.
   */
  write(entries: readonly ActivityEntry[]): Promise<void>;
  /** Writes the entry of a failed request and moves the directory's last-failure time forward. */
  recordFailure(entry: ActivityEntry): Promise<void>;
  /** Moves the directory's last-request time forward (never back). */
  recordRequest(directoryId: string, at: Date): Promise<void>;
}
