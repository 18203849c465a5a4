/**
 * The JSON document kept in a directory's secret: its status and the hashes of its tokens.
 * Request authentication reads only this document, so it needs no DynamoDB read.
 *
 * @example
 * { "directoryId": "k3…", "status": "active",
 *   "tokens": [{ "id": "tok_…", "label": "Entra ID", "hash": "9f…", "createdAt": "2026-01-01T00:00:00.000Z" }] }
 */
// zod/mini: the same schemas as zod, tree-shakable, so this module (on every request's path)
// adds a few kilobytes to the API Lambdas rather than all of zod.
import * as z from 'zod/mini';

export { DEFAULT_TOKEN_SECRET_PREFIX } from '../config/environment.ts';

const isoTimestamp = z.iso.datetime({ offset: true });

export const storedTokenSchema = z.object({
  id: z.string().check(z.minLength(1)),
  label: z.string(),
  /** Hex SHA-256 of the token (see `hashToken`). */
  hash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  createdAt: isoTimestamp,
  expiresAt: z.optional(isoTimestamp),
  revokedAt: z.optional(isoTimestamp),
});

export const tokenSecretSchema = z.object({
  directoryId: z.string().check(z.minLength(1)),
  status: z.enum(['active', 'disabled']),
  tokens: z.array(storedTokenSchema),
});

export type StoredToken = z.infer<typeof storedTokenSchema>;
export type TokenSecret = z.infer<typeof tokenSecretSchema>;

/** The secret name of a directory. */
export function tokenSecretName(prefix: string, directoryId: string): string {
  return prefix + directoryId;
}

/** Parses a secret's text; throws a TypeError naming the problem when it is not a token secret. */
export function parseTokenSecret(text: string): TokenSecret {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TypeError('token secret is not JSON', { cause: error });
  }
  const parsed = tokenSecretSchema.safeParse(json);
  if (!parsed.success) throw new TypeError(`token secret is malformed: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  return parsed.data;
}

export function serializeTokenSecret(secret: TokenSecret): string {
  return JSON.stringify(secret);
}

/** A token is live until it is revoked or its expiry passes. */
export function isTokenLive(token: StoredToken, nowMs: number): boolean {
  if (token.revokedAt !== undefined) return false;
  return token.expiresAt === undefined || Date.parse(token.expiresAt) > nowMs;
}
