/**
 * Tokens of a directory's secret as operators see them, and how long dead ones stay listed.
 */
import { isTokenLive, type StoredToken } from '../auth/token-secret.ts';

/** Revoked and expired tokens are kept for listing this long, and at most this many. */
const DEAD_TOKEN_RETENTION_MS = 90 * 86_400_000;
const MAX_STORED_TOKENS = 20;

/** A token as operators see it later: never its value. */
export interface TokenView {
  tokenId: string;
  label: string;
  /** `expiring` = still working, with an expiry set. */
  state: 'active' | 'expiring' | 'expired' | 'revoked';
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

function tokenState(token: StoredToken, nowMs: number): TokenView['state'] {
  if (token.revokedAt !== undefined) return 'revoked';
  if (!isTokenLive(token, nowMs)) return 'expired';
  return token.expiresAt === undefined ? 'active' : 'expiring';
}

/** A stored token as operators see it: never its hash. */
export function toTokenView(token: StoredToken, nowMs: number, lastUsedAt?: string): TokenView {
  return {
    tokenId: token.id,
    label: token.label,
    state: tokenState(token, nowMs),
    createdAt: token.createdAt,
    ...(token.expiresAt === undefined ? {} : { expiresAt: token.expiresAt }),
    ...(token.revokedAt === undefined ? {} : { revokedAt: token.revokedAt }),
    ...(lastUsedAt === undefined ? {} : { lastUsedAt }),
  };
}

/** When a dead token stopped working. */
function endOf(token: StoredToken): number {
  return Date.parse(token.revokedAt ?? token.expiresAt ?? token.createdAt);
}

/** Drops long-dead tokens so the secret stays small; live tokens are always kept. */
export function pruneTokens(tokens: StoredToken[], nowMs: number): StoredToken[] {
  const live = tokens.filter((token) => isTokenLive(token, nowMs));
  const dead = tokens
    .filter((token) => !isTokenLive(token, nowMs) && nowMs - endOf(token) < DEAD_TOKEN_RETENTION_MS)
    .sort((a, b) => endOf(b) - endOf(a))
    .slice(0, Math.max(0, MAX_STORED_TOKENS - live.length));
  const keep = new Set([...live, ...dead]);
  return tokens.filter((token) => keep.has(token));
}
