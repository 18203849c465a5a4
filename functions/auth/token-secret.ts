/**
 * The JSON document kept in a directory's secret: its status and the hashes of its tokens.
 * Request authentication reads only this document, so it needs no DynamoDB read.
 *
 * @example
 * { "directoryId": "k3…", "status": "active",
 *   "tokens": [{ "id": "tok_…", "label": "Entra ID", "hash": "9f…", "createdAt": "2026-01-01T00:00:00.000Z" }] }
 */
// Checked by hand, not with a zod schema: this module is loaded at every SCIM function's cold
// start, and building even zod/mini schemas there cost about a quarter of an empty handler's
// start-up (docs/benchmarks.md, cold start). The timestamp rule is zod's own ISO 8601 pattern, so
// the format accepted is the one the schema accepted (test/auth/token-secret.test.ts holds both).
import { regexes } from 'zod/v4/core';

export { DEFAULT_TOKEN_SECRET_PREFIX } from '../config/environment.ts';

/** One token of a directory, as stored (never the token itself: its hash). */
export interface StoredToken {
  id: string;
  label: string;
  /** Hex SHA-256 of the token (see `hashToken`). */
  hash: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

/** The document of a directory's secret. */
export interface TokenSecret {
  directoryId: string;
  status: 'active' | 'disabled';
  tokens: StoredToken[];
}

/** ISO 8601 date and time with seconds and a zone (`Z` or `±hh:mm`), calendar dates only. */
const ISO_TIMESTAMP = regexes.datetime({ offset: true });
const HEX_SHA256 = /^[0-9a-f]{64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(record: Record<string, unknown>, key: string, where: string, rule?: { pattern: RegExp; what: string } | 'nonEmpty'): string {
  const value = record[key];
  if (typeof value !== 'string') throw new TypeError(`token secret is malformed: ${where}${key} must be a string`);
  if (rule === 'nonEmpty' && value === '') throw new TypeError(`token secret is malformed: ${where}${key} must not be empty`);
  if (typeof rule === 'object' && !rule.pattern.test(value)) throw new TypeError(`token secret is malformed: ${where}${key} must be ${rule.what}`);
  return value;
}

function optionalTimestamp(record: Record<string, unknown>, key: 'expiresAt' | 'revokedAt', where: string): string | undefined {
  return record[key] === undefined ? undefined : requireString(record, key, where, { pattern: ISO_TIMESTAMP, what: 'an ISO 8601 timestamp' });
}

function parseStoredToken(value: unknown, index: number): StoredToken {
  const where = `tokens[${index}].`;
  if (!isRecord(value)) throw new TypeError(`token secret is malformed: tokens[${index}] must be an object`);
  const token: StoredToken = {
    id: requireString(value, 'id', where, 'nonEmpty'),
    label: requireString(value, 'label', where),
    hash: requireString(value, 'hash', where, { pattern: HEX_SHA256, what: 'a hex SHA-256' }),
    createdAt: requireString(value, 'createdAt', where, { pattern: ISO_TIMESTAMP, what: 'an ISO 8601 timestamp' }),
  };
  const expiresAt = optionalTimestamp(value, 'expiresAt', where);
  if (expiresAt !== undefined) token.expiresAt = expiresAt;
  const revokedAt = optionalTimestamp(value, 'revokedAt', where);
  if (revokedAt !== undefined) token.revokedAt = revokedAt;
  return token;
}

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
  if (!isRecord(json)) throw new TypeError('token secret is malformed: not an object');
  const status = json['status'];
  if (status !== 'active' && status !== 'disabled') throw new TypeError('token secret is malformed: status must be "active" or "disabled"');
  const tokens = json['tokens'];
  if (!Array.isArray(tokens)) throw new TypeError('token secret is malformed: tokens must be an array');
  // Only the known keys are kept, as a schema would strip the others.
  return { directoryId: requireString(json, 'directoryId', '', 'nonEmpty'), status, tokens: tokens.map(parseStoredToken) };
}

export function serializeTokenSecret(secret: TokenSecret): string {
  return JSON.stringify(secret);
}

/** A token is live until it is revoked or its expiry passes. */
export function isTokenLive(token: StoredToken, nowMs: number): boolean {
  if (token.revokedAt !== undefined) return false;
  return token.expiresAt === undefined || Date.parse(token.expiresAt) > nowMs;
}
