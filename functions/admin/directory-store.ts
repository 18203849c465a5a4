/**
 * Directories as the admin use cases see them, and the storage port those use cases talk to.
 *
 * The admin service decides what changes; a `DirectoryStore` decides how it is written. The
 * DynamoDB implementation lives in `adapters/dynamodb/directory-repository.ts` and is injected at
 * the edges (admin Lambda, local runtime, CLI), like the directory service's `ScimRepository`.
 */
import type { Counters } from '../service/repository.ts';

/** Identity providers a directory can be created for (they change only the set-up instructions). */
export const PROVIDERS = ['entra', 'okta', 'onelogin', 'jumpcloud', 'generic'] as const;

export type DirectoryProvider = (typeof PROVIDERS)[number];

/** Display names of the providers, as the portal and the CLI show them. */
export const PROVIDER_LABELS: Record<DirectoryProvider, string> = {
  entra: 'Microsoft Entra ID',
  okta: 'Okta',
  onelogin: 'OneLogin',
  jumpcloud: 'JumpCloud',
  generic: 'SCIM 2.0 client',
};

export type DirectoryStatus = 'active' | 'disabled';

/** A directory's record: one identity provider connection of one organization of the host app. */
export interface DirectoryRecord {
  directoryId: string;
  name: string;
  organizationId?: string;
  provider: DirectoryProvider;
  status: DirectoryStatus;
  /** ISO 8601 times. */
  created: string;
  lastModified: string;
  /** Bumped by every change, so each lifecycle change is one announced event. */
  version: number;
  /** Set when a deletion began: the directory is disabled and being purged; only the purge may finish it. */
  deletingSince?: string;
}

/** Fields an update may change. `organizationId: null` removes it. */
export interface DirectoryChanges {
  name?: string;
  organizationId?: string | null;
  status?: DirectoryStatus;
  deletingSince?: string;
}

/** Why a store call failed in a way the caller can act on. */
export class DirectoryStoreError extends Error {
  override readonly name = 'DirectoryStoreError';
  readonly reason: 'exists' | 'notFound' | 'versionConflict';

  constructor(reason: 'exists' | 'notFound' | 'versionConflict', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Storage of directory records, their counters, token last use, the secret lease and the purge. */
export interface DirectoryStore {
  /** Writes a new record (status `active`, version 1); fails with reason `exists` if the id is taken. */
  create(directory: { directoryId: string; name: string; organizationId?: string; provider: DirectoryProvider; at: string }): Promise<DirectoryRecord>;
  /** The record, read strongly consistent, or undefined. */
  get(directoryId: string): Promise<DirectoryRecord | undefined>;
  /** Every record, in id order. */
  list(): Promise<DirectoryRecord[]>;
  /** Live counts of a directory; absent counters mean zeros. */
  getCounts(directoryId: string): Promise<Counters>;
  getCountsOf(directoryIds: readonly string[]): Promise<Map<string, Counters>>;
  /** Applies changes and bumps `version` if the stored version is still `expectedVersion` (else `versionConflict`). */
  update(directoryId: string, expectedVersion: number, changes: DirectoryChanges, at: string): Promise<DirectoryRecord>;
  /** Deletes the record, only once its deletion has begun (else `notFound`). */
  deleteRecord(directoryId: string): Promise<void>;
  /** Takes the lease serialising changes to the directory's token secret; false while another holder's lease runs. */
  tryLockSecret(directoryId: string, owner: string, nowMs: number, leaseMs: number): Promise<boolean>;
  /** Releases the lease if this owner still holds it. */
  unlockSecret(directoryId: string, owner: string): Promise<void>;
  /** Last use of every token of a directory that was ever used, by token id. */
  listTokenUses(directoryId: string): Promise<Map<string, string>>;
  /** Deletes up to `limit` items of the directory other than its record; 0 means nothing else is left. */
  purgePage(directoryId: string, limit: number): Promise<number>;
}
