/**
 * Bearer token verification for SCIM requests (RFC 7644 §2 leaves the scheme to the service
 * provider; this project uses RFC 6750 bearer tokens).
 *
 * A warm Lambda keeps each directory's token secret in memory for a short TTL, so verification
 * costs no Secrets Manager call on most requests, while a revoked token stops working within
 * that TTL (at most 60 s) everywhere.
 *
 * Floods stay cheap: a malformed token or directory id is refused before any I/O; a wrong token
 * for a known directory is compared against the cached hashes; and a directory id with no secret
 * is remembered as unknown for `UNKNOWN_DIRECTORY_TTL_MS` (even when the secret cache is turned
 * off), in a bounded map of its own, so repeating a made-up id costs one Secrets Manager read per
 * Lambda and TTL, not one per request.
 */
import { timingSafeEqual } from 'node:crypto';
import { hashToken, isWellFormedToken, DIRECTORY_ID_PATTERN } from './token-format.ts';
import { DEFAULT_TOKEN_SECRET_PREFIX, isTokenLive, parseTokenSecret, tokenSecretName, type TokenSecret } from './token-secret.ts';
import { MAX_TOKEN_CACHE_TTL_MS, DEFAULT_TOKEN_CACHE_TTL_MS } from './config.ts';

/** The outcome of a verification. `disabled` is only ever answered for a valid token. */
export type VerifyResult = { ok: true; tokenId: string } | { ok: false; reason: 'invalid' | 'disabled' };

/**
 * Port: reads a directory's token secret by name (Secrets Manager in AWS, a file locally);
 * `undefined` when there is none. Throws only when the store itself fails.
 */
export interface TokenSecretReader {
  get(name: string): Promise<string | undefined>;
}

/**
 * Port: records that a valid token was used at `at` (its last-use time, and the directory's
 * last-request time). Called at most once per token per `RECORD_USE_INTERVAL_MS`; failures are
 * ignored, since use tracking is informational.
 */
export type TokenUseRecorder = (directoryId: string, tokenId: string, at: Date) => Promise<void>;

/** Options of a TokenVerifier. */
export interface TokenVerifierOptions {
  /** Secret name prefix; defaults to `scim-directory-sync/tokens/`. */
  secretPrefix?: string;
  /** How long a directory's secret is trusted from memory; default 30 s, capped at 60 s. */
  cacheTtlMs?: number;
  /** How long "this directory has no secret" is remembered; default `UNKNOWN_DIRECTORY_TTL_MS`, capped at 60 s. */
  unknownTtlMs?: number;
  /** Known directories kept in memory (least recently used dropped first); default 1,000. */
  maxCachedDirectories?: number;
  /** Unknown directory ids remembered (oldest dropped first); default 10,000. */
  maxUnknownDirectories?: number;
  /** Clock in epoch milliseconds (tests inject one). */
  now?: () => number;
  recordUse?: TokenUseRecorder;
}

/**
 * Use records per token and process are spaced at least this far apart: one minute, so that the
 * directory's "last request" is never more than a minute behind, at one small write a minute.
 */
export const RECORD_USE_INTERVAL_MS = 60_000;

/**
 * How long a warm Lambda remembers that a directory id has no secret. Independent of the secret
 * cache's TTL, because remembering an absence never delays a revocation: a directory's secret is
 * created before its id is shown to anyone, so no id turns from unknown to known while in use.
 */
export const UNKNOWN_DIRECTORY_TTL_MS = 30_000;

/** Directories kept in memory; the least recently used entry is dropped beyond this. */
const MAX_CACHED_DIRECTORIES = 1000;
/** Unknown directories remembered apart, so that guessing directory ids cannot evict real ones. */
const MAX_CACHED_UNKNOWN_DIRECTORIES = 10_000;
/** Tokens whose last-use write time is remembered. */
const MAX_TRACKED_TOKENS = 4000;

/** A hash no token can have, compared against when a directory is unknown so that path does the same work. */
const DECOY_HASH = Buffer.alloc(32, 0);

interface CacheEntry {
  loadedAt: number;
  /** Undefined when the directory has no secret (unknown or deleted): cached too. */
  secret: TokenSecret | undefined;
  /** Token hashes decoded once, in the order of `secret.tokens`. */
  hashes: Buffer[];
}

/** Inserts into a Map used as an LRU, evicting the oldest entries beyond `max`. */
function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done === true) break;
    map.delete(oldest.value);
  }
}

/**
 * Verifies bearer tokens against a directory's token secret.
 *
 * An unknown directory, a malformed token, and a revoked or expired token all answer
 * `{ ok: false, reason: 'invalid' }`, so a caller cannot tell whether a directory exists.
 *
 * @example
 * const verifier = new TokenVerifier(secretStore, { recordUse });
 * const result = await verifier.verify(directoryId, bearerToken);
 * if (!result.ok) throw new ScimError(401, 'Invalid bearer token');
 */
export class TokenVerifier {
  readonly #store: TokenSecretReader;
  readonly #secretPrefix: string;
  readonly #cacheTtlMs: number;
  readonly #unknownTtlMs: number;
  readonly #maxCached: number;
  readonly #maxUnknown: number;
  readonly #now: () => number;
  readonly #recordUse: TokenUseRecorder | undefined;
  readonly #cache = new Map<string, CacheEntry>();
  /**
   * Directories with no secret, apart from the known ones: a flood of requests for made-up
   * directories fills this map, never evicting the real directories' secrets from `#cache`.
   */
  readonly #unknown = new Map<string, CacheEntry>();
  /** Loads in flight, so a burst of requests on a cold Lambda costs one Secrets Manager call. */
  readonly #loading = new Map<string, Promise<CacheEntry>>();
  readonly #lastRecorded = new Map<string, number>();

  constructor(store: TokenSecretReader, options: TokenVerifierOptions = {}) {
    this.#store = store;
    this.#secretPrefix = options.secretPrefix ?? DEFAULT_TOKEN_SECRET_PREFIX;
    const ttl = options.cacheTtlMs ?? DEFAULT_TOKEN_CACHE_TTL_MS;
    this.#cacheTtlMs = Math.min(Math.max(ttl, 0), MAX_TOKEN_CACHE_TTL_MS);
    this.#unknownTtlMs = Math.min(Math.max(options.unknownTtlMs ?? UNKNOWN_DIRECTORY_TTL_MS, 0), MAX_TOKEN_CACHE_TTL_MS);
    this.#maxCached = Math.max(1, options.maxCachedDirectories ?? MAX_CACHED_DIRECTORIES);
    this.#maxUnknown = Math.max(1, options.maxUnknownDirectories ?? MAX_CACHED_UNKNOWN_DIRECTORIES);
    this.#now = options.now ?? Date.now;
    this.#recordUse = options.recordUse;
  }

  /** Checks a presented token for a directory. Throws only when the secret store itself fails. */
  async verify(directoryId: string, presentedToken: string): Promise<VerifyResult> {
    // The shape checks depend only on the request, never on stored data, so answering early
    // reveals nothing about the directory, and junk never reaches Secrets Manager.
    if (!DIRECTORY_ID_PATTERN.test(directoryId) || !isWellFormedToken(presentedToken)) return { ok: false, reason: 'invalid' };

    const presented = Buffer.from(hashToken(presentedToken), 'hex');
    const entry = await this.#entry(directoryId);
    const now = this.#now();

    if (entry.secret === undefined || entry.secret.directoryId !== directoryId) {
      timingSafeEqual(presented, DECOY_HASH);
      return { ok: false, reason: 'invalid' };
    }

    // Compare against every stored hash, without stopping at a match, in constant time each.
    let matchIndex = -1;
    entry.hashes.forEach((hash, index) => {
      if (timingSafeEqual(presented, hash) && matchIndex === -1) matchIndex = index;
    });
    const token = matchIndex === -1 ? undefined : entry.secret.tokens[matchIndex];
    if (token === undefined || !isTokenLive(token, now)) return { ok: false, reason: 'invalid' };
    if (entry.secret.status === 'disabled') return { ok: false, reason: 'disabled' };

    await this.#maybeRecordUse(directoryId, token.id, now);
    return { ok: true, tokenId: token.id };
  }

  async #entry(directoryId: string): Promise<CacheEntry> {
    const now = this.#now();
    const known = this.#cache.get(directoryId);
    if (known !== undefined && now - known.loadedAt < this.#cacheTtlMs) {
      // Touched on every hit, so the directories in use are the last to be dropped.
      setBounded(this.#cache, directoryId, known, this.#maxCached);
      return known;
    }
    const unknown = this.#unknown.get(directoryId);
    if (unknown !== undefined && now - unknown.loadedAt < this.#unknownTtlMs) return unknown;
    const pending = this.#loading.get(directoryId);
    if (pending !== undefined) return pending;
    const load = this.#load(directoryId).finally(() => this.#loading.delete(directoryId));
    this.#loading.set(directoryId, load);
    return load;
  }

  async #load(directoryId: string): Promise<CacheEntry> {
    const text = await this.#store.get(tokenSecretName(this.#secretPrefix, directoryId));
    let secret: TokenSecret | undefined;
    if (text !== undefined) {
      // A secret we cannot read must not let anyone in; treat it like a missing one.
      try {
        secret = parseTokenSecret(text);
      } catch {
        secret = undefined;
      }
    }
    const entry: CacheEntry = {
      loadedAt: this.#now(),
      secret,
      hashes: (secret?.tokens ?? []).map((token) => Buffer.from(token.hash, 'hex')),
    };
    if (secret === undefined) {
      this.#cache.delete(directoryId);
      setBounded(this.#unknown, directoryId, entry, this.#maxUnknown);
    } else {
      this.#unknown.delete(directoryId);
      setBounded(this.#cache, directoryId, entry, this.#maxCached);
    }
    return entry;
  }

  async #maybeRecordUse(directoryId: string, tokenId: string, now: number): Promise<void> {
    if (this.#recordUse === undefined) return;
    const key = `${directoryId}/${tokenId}`;
    const last = this.#lastRecorded.get(key);
    if (last !== undefined && now - last < RECORD_USE_INTERVAL_MS) return;
    setBounded(this.#lastRecorded, key, now, MAX_TRACKED_TOKENS);
    try {
      await this.#recordUse(directoryId, tokenId, new Date(now));
    } catch {
      // Last-use tracking is informational; a failed write must not fail the request.
    }
  }
}

/**
 * The use recorder of a SCIM handler: the token's last use and the directory's last request,
 * written side by side (one round trip of latency, once a minute). A failure is logged without
 * the token, and never fails the request.
 */
export function recordTokenAndRequest(
  ports: {
    tokens: { recordTokenUse(directoryId: string, tokenId: string, at: Date): Promise<void> };
    requests: { recordRequest(directoryId: string, at: Date): Promise<void> };
    logger?: { warn(message: string, attributes: Record<string, unknown>): void };
  },
): TokenUseRecorder {
  return async (directoryId, tokenId, at) => {
    const results = await Promise.allSettled([ports.tokens.recordTokenUse(directoryId, tokenId, at), ports.requests.recordRequest(directoryId, at)]);
    for (const result of results) {
      if (result.status === 'rejected') {
        ports.logger?.warn('could not record bearer token use', { directoryId, tokenId, error: (result.reason as { name?: string } | undefined)?.name ?? 'Error' });
      }
    }
  };
}
