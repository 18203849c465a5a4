/**
 * Directory and bearer-token administration: the use cases behind the admin Lambda, the
 * `scim-admin` CLI and the local runtime's start-up.
 *
 * A directory lives in two places: its DIRECTORY item in the table (the record, announced on the
 * stream) and its token secret (token hashes plus status, the only thing request authentication
 * reads). Every operation that changes status writes both.
 *
 * Longer than 400 lines for a reason: every use case goes through the same few private steps
 * (the per-directory queue, the cross-process secret lease, the versioned record update), and
 * keeping them private to one class is what guarantees no caller changes a secret outside the
 * lease. Input checks and token views live in `admin-input.ts` and `token-views.ts`.
 */
import { randomUUID } from 'node:crypto';
import { SecretStoreError, type SecretStore } from '../adapters/secrets/secret-store.ts';
import { MAX_TOKEN_CACHE_TTL_MS } from '../auth/config.ts';
import { generateDirectoryId, generateToken, generateTokenId, hashToken } from '../auth/token-format.ts';
import { isTokenLive, parseTokenSecret, serializeTokenSecret, tokenSecretName, type StoredToken, type TokenSecret } from '../auth/token-secret.ts';
import type { Counters } from '../service/repository.ts';
import { AdminError } from './admin-error.ts';
import { checkDays, checkDirectoryId, cleanText, invalid, MAX_LABEL_LENGTH, MAX_NAME_LENGTH } from './admin-input.ts';
import {
  DirectoryStoreError,
  PROVIDERS,
  type DirectoryChanges,
  type DirectoryProvider,
  type DirectoryRecord,
  type DirectoryStatus,
  type DirectoryStore,
} from './directory-store.ts';
import { pruneTokens, toTokenView, type TokenView } from './token-views.ts';
import { sleep } from '../shared/sleep.ts';

/** At most this many tokens of a directory work at the same time: enough to rotate without downtime. */
export const MAX_LIVE_TOKENS = 2;
/** How long a rotated-out token keeps working by default. */
export const DEFAULT_ROTATION_GRACE_DAYS = 7;
export const MAX_ROTATION_GRACE_DAYS = 90;
export const MAX_TOKEN_LIFETIME_DAYS = 3650;

/**
 * After a directory's secret is deleted, warm Lambdas may still accept its tokens for one cache
 * TTL (at most 60 s), and a request accepted at that moment may still be writing for up to API
 * Gateway's 29 s limit. The purge finishes only with a sweep that starts after this window.
 */
export const DEFAULT_DELETION_DRAIN_MS = MAX_TOKEN_CACHE_TTL_MS + 30_000;

/** Items deleted per purge page. */
const PURGE_PAGE_SIZE = 500;
/** Bounds the optimistic-concurrency retries of a directory update. */
const MAX_UPDATE_ATTEMPTS = 4;
const DAY_MS = 86_400_000;
/** How long one admin command may hold a directory's secret lease (a crashed holder's lease lapses). */
const SECRET_LEASE_MS = 15_000;
/** Tries to take a busy lease before answering `conflict` (about 5 s). */
const SECRET_LEASE_ATTEMPTS = 40;

/** A directory as operators see it. */
export interface DirectoryView {
  id: string;
  name: string;
  organizationId?: string;
  provider: DirectoryProvider;
  status: DirectoryStatus;
  /** The SCIM endpoint to paste into the identity provider. */
  tenantUrl: string;
  created: string;
  lastModified: string;
  version: number;
  /** Live counts from the directory's counters. */
  counts: Counters;
  /** Set while the directory is being deleted. */
  deletingSince?: string;
}

/** A token just minted: the only time its value is ever shown. */
export interface MintedToken {
  tokenId: string;
  token: string;
  label: string;
  createdAt: string;
  expiresAt?: string;
}

export interface CreatedDirectory {
  directory: DirectoryView;
  tenantUrl: string;
  token: MintedToken;
}

export interface RotatedToken {
  token: MintedToken;
  /** The token it replaces, now expiring at the end of the grace period (absent if none was live). */
  previous?: TokenView;
}

/**
 * How far a deletion got. `purging`: items remain, call again. `draining`: the partition is
 * empty but tokens may still be cached somewhere; call again after `retryAfterMs`. `done`: gone.
 */
export interface DeleteProgress {
  directoryId: string;
  phase: 'purging' | 'draining' | 'done';
  done: boolean;
  /** Items deleted by this call. */
  deletedItems: number;
  retryAfterMs?: number;
}

export interface AdminServiceOptions {
  /** Where directory records live (the DynamoDB `DirectoryRepository` outside tests). */
  directories: DirectoryStore;
  secretStore: SecretStore;
  /** Secret name prefix; the secret of a directory is `<secretPrefix><directoryId>`. */
  secretPrefix: string;
  /** SCIM base URL; a directory's Tenant URL is `<baseUrl>/<directoryId>`. */
  baseUrl: string;
  /** Clock in epoch milliseconds (tests inject one). */
  now?: () => number;
  /** See DEFAULT_DELETION_DRAIN_MS; the local runtime may use a shorter window matching its own cache. */
  deletionDrainMs?: number;
}

/**
 * The admin use cases.
 *
 * @example
 * const admin = new AdminService({ directories: new DirectoryRepository(documentClient, tableName), secretStore, secretPrefix, baseUrl });
 * const { tenantUrl, token } = await admin.createDirectory({ name: 'Hero SaaS', provider: 'entra' });
 */
export class AdminService {
  readonly #directories: DirectoryStore;
  readonly #secrets: SecretStore;
  readonly #secretPrefix: string;
  readonly #baseUrl: string;
  readonly #now: () => number;
  readonly #drainMs: number;
  /** Serialises read-modify-write of one directory's secret within this process. */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(options: AdminServiceOptions) {
    this.#directories = options.directories;
    this.#secrets = options.secretStore;
    this.#secretPrefix = options.secretPrefix;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#now = options.now ?? Date.now;
    this.#drainMs = options.deletionDrainMs ?? DEFAULT_DELETION_DRAIN_MS;
  }

  /** The Tenant URL of a directory. */
  tenantUrl(directoryId: string): string {
    return `${this.#baseUrl}/${directoryId}`;
  }

  /** Creates a directory with its first token. */
  async createDirectory(input: { name: string; provider: DirectoryProvider; organizationId?: string }): Promise<CreatedDirectory> {
    const name = cleanText(input.name, 'name', MAX_NAME_LENGTH);
    if (!(PROVIDERS as readonly unknown[]).includes(input.provider)) throw invalid(`provider must be one of ${PROVIDERS.join(', ')}`);
    const organizationId = input.organizationId === undefined ? undefined : cleanText(input.organizationId, 'organizationId', MAX_NAME_LENGTH);
    const at = this.#iso();

    // The secret is created here and only here (token commands replace it, never create it), and
    // before the record: the id is shown to no one until both exist, so a request can never find
    // a directory without its secret, and a write that outlived a deletion cannot recreate one.
    let stored: DirectoryRecord | undefined;
    let token: MintedToken | undefined;
    for (let attempt = 0; stored === undefined || token === undefined; attempt++) {
      const directoryId = generateDirectoryId();
      const secret: TokenSecret = { directoryId, status: 'active', tokens: [] };
      const minted = this.#mint(secret, 'initial', undefined);
      try {
        await this.#secrets.create(this.#secretName(directoryId), serializeTokenSecret(secret));
      } catch (error) {
        // 128 random bits never collide in practice; retry with a new id anyway rather than fail.
        if (!(error instanceof SecretStoreError && error.failure === 'exists') || attempt >= 2) throw error;
        continue;
      }
      try {
        stored = await this.#directories.create({ directoryId, name, provider: input.provider, at, ...(organizationId === undefined ? {} : { organizationId }) });
        token = minted;
      } catch (error) {
        // Nobody has seen the id or the token: remove the secret so no orphan is left.
        await this.#secrets.delete(this.#secretName(directoryId)).catch(() => undefined);
        if (!(error instanceof DirectoryStoreError && error.reason === 'exists') || attempt >= 2) throw error;
      }
    }
    const directory = this.#view(stored, { users: 0, activeUsers: 0, groups: 0 });
    return { directory, tenantUrl: directory.tenantUrl, token };
  }

  /** Every directory (optionally of one organisation), with live counts. */
  async listDirectories(filter: { organizationId?: string } = {}): Promise<DirectoryView[]> {
    const all = await this.#directories.list();
    const selected = filter.organizationId === undefined ? all : all.filter((d) => d.organizationId === filter.organizationId);
    const counts = await this.#directories.getCountsOf(selected.map((d) => d.directoryId));
    return selected.map((d) => this.#view(d, counts.get(d.directoryId) ?? { users: 0, activeUsers: 0, groups: 0 }));
  }

  async getDirectory(directoryId: string): Promise<DirectoryView> {
    const stored = await this.#require(directoryId);
    return this.#view(stored, await this.#directories.getCounts(stored.directoryId));
  }

  /** Renames a directory or changes its organisation (`organizationId: null` clears it). */
  async updateDirectory(directoryId: string, changes: { name?: string; organizationId?: string | null }): Promise<DirectoryView> {
    const update: DirectoryChanges = {};
    if (changes.name !== undefined) update.name = cleanText(changes.name, 'name', MAX_NAME_LENGTH);
    if (changes.organizationId !== undefined) {
      update.organizationId = changes.organizationId === null ? null : cleanText(changes.organizationId, 'organizationId', MAX_NAME_LENGTH);
    }
    if (update.name === undefined && update.organizationId === undefined) throw invalid('nothing to update: give a name or an organizationId');
    const stored = await this.#change(directoryId, () => update);
    return this.#view(stored, await this.#directories.getCounts(directoryId));
  }

  /** Makes the directory refuse SCIM requests (within one token cache TTL); its data stays. */
  async disableDirectory(directoryId: string): Promise<DirectoryView> {
    return this.#setStatus(directoryId, 'disabled');
  }

  async enableDirectory(directoryId: string): Promise<DirectoryView> {
    return this.#setStatus(directoryId, 'active');
  }

  /**
   * Deletes a directory: disables it and deletes its token secret at once, then purges its
   * partition page by page for about `budgetMs`, and deletes the DIRECTORY item last. Call again
   * until `done`; each call carries on where the partition stands, so any process may continue.
   */
  async deleteDirectory(directoryId: string, options: { budgetMs: number }): Promise<DeleteProgress> {
    const started = this.#now();
    let stored = await this.#require(directoryId);
    if (stored.deletingSince === undefined) {
      const since = this.#iso();
      stored = await this.#change(directoryId, () => ({ status: 'disabled', deletingSince: since }), { allowDeleting: true });
    }
    // Every call, so a failed earlier attempt is repaired; deleting an absent secret is a no-op.
    // Under the lease, so a token change already in flight lands first and is deleted with it.
    await this.#underSecretLease(directoryId, () => this.#secrets.delete(this.#secretName(directoryId)));

    const drainEnds = Date.parse(stored.deletingSince ?? new Date(started).toISOString()) + this.#drainMs;
    let deletedItems = 0;
    // Bounded in count as well as time; each page removes up to PURGE_PAGE_SIZE items.
    for (let page = 0; page < 100_000; page++) {
      const sweepStartedAt = this.#now();
      const deleted = await this.#directories.purgePage(directoryId, PURGE_PAGE_SIZE);
      deletedItems += deleted;
      if (deleted === 0) {
        if (sweepStartedAt >= drainEnds) {
          await this.#directories.deleteRecord(directoryId);
          return { directoryId, phase: 'done', done: true, deletedItems };
        }
        return { directoryId, phase: 'draining', done: false, deletedItems, retryAfterMs: Math.max(0, drainEnds - this.#now()) };
      }
      if (this.#now() - started >= options.budgetMs) break;
    }
    return { directoryId, phase: 'purging', done: false, deletedItems };
  }

  /** Mints an extra token; refused when the directory already has two live tokens. */
  async createToken(directoryId: string, options: { label?: string; expiresInDays?: number } = {}): Promise<MintedToken> {
    const label = options.label === undefined ? 'token' : cleanText(options.label, 'label', MAX_LABEL_LENGTH);
    const lifetime = options.expiresInDays === undefined ? undefined : checkDays(options.expiresInDays, 'expiresInDays', 1 / 24, MAX_TOKEN_LIFETIME_DAYS);
    await this.#requireMutable(directoryId);
    return this.#withSecret(directoryId, undefined, (secret, nowMs) => {
      const live = secret.tokens.filter((token) => isTokenLive(token, nowMs));
      if (live.length >= MAX_LIVE_TOKENS) {
        throw new AdminError('tooManyTokens', `Directory ${directoryId} already has ${MAX_LIVE_TOKENS} live tokens: revoke the one you no longer use first`);
      }
      return this.#mint(secret, label, lifetime);
    });
  }

  /** Every token of the directory still on record, live first, with its last use. */
  async listTokens(directoryId: string): Promise<TokenView[]> {
    await this.#require(directoryId);
    const [secret, uses] = await Promise.all([this.#readSecret(directoryId), this.#directories.listTokenUses(directoryId)]);
    const nowMs = this.#now();
    const order = { active: 0, expiring: 1, expired: 2, revoked: 3 } as const;
    return (secret?.tokens ?? [])
      .map((token) => toTokenView(token, nowMs, uses.get(token.id)))
      .sort((a, b) => order[a.state] - order[b.state] || b.createdAt.localeCompare(a.createdAt));
  }

  /** Revokes a token at once (warm Lambdas stop accepting it within one cache TTL). */
  async revokeToken(directoryId: string, tokenId: string): Promise<TokenView> {
    await this.#requireMutable(directoryId);
    return this.#withSecret(directoryId, undefined, (secret, nowMs) => {
      const token = secret.tokens.find((candidate) => candidate.id === tokenId);
      if (token === undefined) throw new AdminError('tokenNotFound', `Token ${tokenId} not found in directory ${directoryId}`);
      if (token.revokedAt === undefined) token.revokedAt = new Date(nowMs).toISOString();
      return toTokenView(token, nowMs);
    });
  }

  /**
   * Mints a new token and lets the one live token expire after a grace period (default 7 days),
   * so the identity provider can be updated without downtime. Refused while two tokens are live.
   */
  async rotateToken(directoryId: string, options: { graceDays?: number; label?: string } = {}): Promise<RotatedToken> {
    const graceDays = options.graceDays === undefined ? DEFAULT_ROTATION_GRACE_DAYS : checkDays(options.graceDays, 'graceDays', 0, MAX_ROTATION_GRACE_DAYS);
    const label = options.label === undefined ? 'rotated' : cleanText(options.label, 'label', MAX_LABEL_LENGTH);
    await this.#requireMutable(directoryId);
    return this.#withSecret(directoryId, undefined, (secret, nowMs) => {
      const live = secret.tokens.filter((token) => isTokenLive(token, nowMs));
      if (live.length >= MAX_LIVE_TOKENS) {
        throw new AdminError(
          'tooManyTokens',
          `Directory ${directoryId} has ${live.length} live tokens (${live.map((t) => t.id).join(', ')}): revoke the one you no longer use, then rotate`,
        );
      }
      const old = live[0];
      if (old !== undefined) {
        const graceEnd = nowMs + graceDays * DAY_MS;
        if (old.expiresAt === undefined || Date.parse(old.expiresAt) > graceEnd) old.expiresAt = new Date(graceEnd).toISOString();
      }
      const token = this.#mint(secret, label, undefined);
      return old === undefined ? { token } : { token, previous: toTokenView(old, nowMs) };
    });
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  #secretName(directoryId: string): string {
    return tokenSecretName(this.#secretPrefix, directoryId);
  }

  #view(stored: DirectoryRecord, counts: Counters): DirectoryView {
    return {
      id: stored.directoryId,
      name: stored.name,
      ...(stored.organizationId === undefined ? {} : { organizationId: stored.organizationId }),
      provider: stored.provider,
      status: stored.status,
      tenantUrl: this.tenantUrl(stored.directoryId),
      created: stored.created,
      lastModified: stored.lastModified,
      version: stored.version,
      counts,
      ...(stored.deletingSince === undefined ? {} : { deletingSince: stored.deletingSince }),
    };
  }

  async #require(directoryId: string): Promise<DirectoryRecord> {
    const stored = await this.#directories.get(checkDirectoryId(directoryId));
    if (stored === undefined) throw new AdminError('directoryNotFound', `Directory ${directoryId} not found`);
    return stored;
  }

  async #requireMutable(directoryId: string): Promise<DirectoryRecord> {
    const stored = await this.#require(directoryId);
    if (stored.deletingSince !== undefined) throw new AdminError('directoryDeleting', `Directory ${directoryId} is being deleted`);
    return stored;
  }

  /** Applies a change computed from the current record, retrying on concurrent updates. */
  async #change(
    directoryId: string,
    compute: (current: DirectoryRecord) => DirectoryChanges | undefined,
    options: { allowDeleting?: boolean } = {},
  ): Promise<DirectoryRecord> {
    for (let attempt = 1; ; attempt++) {
      const current = options.allowDeleting === true ? await this.#require(directoryId) : await this.#requireMutable(directoryId);
      const changes = compute(current);
      if (changes === undefined) return current;
      try {
        return await this.#directories.update(directoryId, current.version, changes, this.#iso());
      } catch (error) {
        if (!(error instanceof DirectoryStoreError && error.reason === 'versionConflict')) throw error;
        if (attempt >= MAX_UPDATE_ATTEMPTS) throw new AdminError('conflict', `Directory ${directoryId} is being changed concurrently; try again`, { cause: error });
      }
    }
  }

  /**
   * Sets the status in the secret first (that is what authentication enforces), then in the
   * record; both writes are idempotent, so repeating the command repairs a half-done change.
   */
  async #setStatus(directoryId: string, status: DirectoryStatus): Promise<DirectoryView> {
    await this.#requireMutable(directoryId);
    await this.#withSecret(directoryId, status, () => undefined);
    const stored = await this.#change(directoryId, (current) => (current.status === status ? undefined : { status }));
    return this.#view(stored, await this.#directories.getCounts(directoryId));
  }

  async #readSecret(directoryId: string): Promise<TokenSecret | undefined> {
    return (await this.#readVersionedSecret(directoryId))?.secret;
  }

  async #readVersionedSecret(directoryId: string): Promise<{ secret: TokenSecret; version: string } | undefined> {
    const read = await this.#secrets.read(this.#secretName(directoryId));
    if (read === undefined) return undefined;
    try {
      return { secret: parseTokenSecret(read.value), version: read.version };
    } catch (error) {
      throw new AdminError('conflict', `The token secret of directory ${directoryId} is unreadable; revoke and recreate its tokens`, { cause: error });
    }
  }

  /**
   * Read-modify-write of a directory's secret, one at a time per directory in this process and
   * under the cross-process lease; `status`, when given, overwrites the secret's status.
   *
   * The write is fenced: it lands only if the secret is still at the version read under the
   * lease. A holder that stalled past its lease (a paused process, a slow network) therefore
   * cannot overwrite what the next holder wrote (a revoke, say), nor recreate a deleted secret.
   */
  async #withSecret<T>(directoryId: string, status: DirectoryStatus | undefined, change: (secret: TokenSecret, nowMs: number) => T): Promise<T> {
    const previous = this.#locks.get(directoryId) ?? Promise.resolve();
    const run = () =>
      this.#underSecretLease(directoryId, async (): Promise<T> => {
        // Checked again under the lease: a deletion that started meanwhile has deleted the
        // secret, and writing it back would revive the directory's tokens.
        const current = await this.#directories.get(directoryId);
        if (current === undefined) throw new AdminError('directoryNotFound', `Directory ${directoryId} not found`);
        if (current.deletingSince !== undefined) throw new AdminError('directoryDeleting', `Directory ${directoryId} is being deleted`);
        const read = await this.#readVersionedSecret(directoryId);
        if (read === undefined) {
          // Only a creation interrupted by an older release leaves a directory without its secret;
          // recreating it here is what would let a late write revive a deleted directory.
          throw new AdminError('conflict', `Directory ${directoryId} has no token secret: its creation did not finish; delete it and create a new one`);
        }
        const { secret } = read;
        const nowMs = this.#now();
        const result = change(secret, nowMs);
        if (status !== undefined) secret.status = status;
        secret.tokens = pruneTokens(secret.tokens, nowMs);
        try {
          await this.#secrets.replace(this.#secretName(directoryId), serializeTokenSecret(secret), read.version);
        } catch (error) {
          if (error instanceof SecretStoreError && error.failure === 'conflict') {
            throw new AdminError('conflict', `The tokens of directory ${directoryId} changed while this command held them; nothing was written, try again`, { cause: error });
          }
          throw error;
        }
        return result;
      });
    const next = previous.then(run, run);
    const settled = next.catch(() => undefined);
    this.#locks.set(directoryId, settled);
    void settled.then(() => {
      if (this.#locks.get(directoryId) === settled) this.#locks.delete(directoryId);
    });
    return next;
  }

  /**
   * Runs `work` holding the directory's secret lease (a conditional DynamoDB item), so that two
   * admin invocations changing the same secret at once cannot overwrite each other's change.
   */
  async #underSecretLease<T>(directoryId: string, work: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    for (let attempt = 0; ; attempt++) {
      if (await this.#directories.tryLockSecret(directoryId, owner, this.#now(), SECRET_LEASE_MS)) break;
      if (attempt >= SECRET_LEASE_ATTEMPTS) {
        throw new AdminError('conflict', `Another admin command is changing the tokens of directory ${directoryId}; try again`);
      }
      await sleep(50 + Math.random() * 200);
    }
    try {
      return await work();
    } finally {
      await this.#directories.unlockSecret(directoryId, owner).catch(() => undefined);
    }
  }


  #mint(secret: TokenSecret, label: string, lifetimeDays: number | undefined): MintedToken {
    const nowMs = this.#now();
    const token = generateToken();
    const stored: StoredToken = {
      id: generateTokenId(),
      label,
      hash: hashToken(token),
      createdAt: new Date(nowMs).toISOString(),
      ...(lifetimeDays === undefined ? {} : { expiresAt: new Date(nowMs + lifetimeDays * DAY_MS).toISOString() }),
    };
    secret.tokens.push(stored);
    return {
      tokenId: stored.id,
      token,
      label,
      createdAt: stored.createdAt,
      ...(stored.expiresAt === undefined ? {} : { expiresAt: stored.expiresAt }),
    };
  }
}
