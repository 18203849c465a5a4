/**
 * The host-app organization of a directory, for the `organizationId` of every event. Read from
 * the directory's DIRECTORY item and cached for a short while per warm Lambda: a batch of
 * membership records of one group would otherwise read the same item a hundred times.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../adapters/dynamodb/keys.ts';
import { DEFAULT_ORGANIZATION_CACHE_TTL_SECONDS } from '../config/environment.ts';

/** Answers the organization of a directory (null when none is set or the directory is gone). */
export interface OrganizationLookup {
  organizationIdOf(directoryId: string): Promise<string | null>;
  /** Records what a directory record in the stream says, so a change is seen at once. */
  remember(directoryId: string, organizationId: string | null): void;
}

export interface CachedOrganizationLookupOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** How long an answer is trusted. @default 10 s */
  ttlMs?: number;
  /** Most directories kept; the oldest entry is dropped beyond it. @default 10 000 */
  maxEntries?: number;
  now?: () => number;
}

/** Default time an organization id is trusted from memory. */
export const ORGANIZATION_CACHE_TTL_MS = DEFAULT_ORGANIZATION_CACHE_TTL_SECONDS * 1000;

/** {@link OrganizationLookup} over DynamoDB GetItem with a TTL cache. */
export class CachedOrganizationLookup implements OrganizationLookup {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { organizationId: string | null; expiresAt: number }>();

  constructor(options: CachedOrganizationLookupOptions) {
    this.#db = options.documentClient;
    this.#table = options.tableName;
    this.#ttlMs = options.ttlMs ?? ORGANIZATION_CACHE_TTL_MS;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  async organizationIdOf(directoryId: string): Promise<string | null> {
    const cached = this.#cache.get(directoryId);
    if (cached !== undefined && cached.expiresAt > this.#now()) return cached.organizationId;
    // Strongly consistent: the directory record is written moments before its first users.
    const { Item } = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: keys.directory(directoryId),
        ProjectionExpression: 'organizationId',
        ConsistentRead: true,
      }),
    );
    const organizationId = typeof Item?.organizationId === 'string' ? Item.organizationId : null;
    this.remember(directoryId, organizationId);
    return organizationId;
  }

  remember(directoryId: string, organizationId: string | null): void {
    this.#cache.delete(directoryId);
    if (this.#cache.size >= this.#maxEntries) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    this.#cache.set(directoryId, { organizationId, expiresAt: this.#now() + this.#ttlMs });
  }
}
