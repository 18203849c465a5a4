/**
 * Paging parameters: index paging (RFC 7644 §3.4.2.4) and cursor paging (RFC 9865).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { CURSOR_TIMEOUT_SECONDS, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../core/discovery.ts';
import { ScimError } from '../core/error.ts';

export type Paging =
  | { mode: 'index'; startIndex: number; count: number }
  | { mode: 'cursor'; cursor?: string; count: number };

/** Parses an integer query parameter; undefined when absent or not an integer. */
function integerParameter(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isInteger(parsed) ? parsed : undefined;
}

/**
 * Reads `startIndex`, `count` and `cursor`. Out-of-range values are clamped as RFC 7644
 * §3.4.2.4 says: startIndex below 1 means 1, a negative count means 0, and a count above the
 * maximum means the maximum. A cursor together with startIndex is contradictory (RFC 9865 §2).
 */
export function parsePaging(query: { startIndex?: string; count?: string; cursor?: string }): Paging {
  const requestedCount = integerParameter(query.count);
  const count = Math.min(MAX_PAGE_SIZE, Math.max(0, requestedCount ?? DEFAULT_PAGE_SIZE));
  if (query.cursor !== undefined) {
    if (query.startIndex !== undefined) {
      throw ScimError.of('invalidValue', 'cursor and startIndex cannot be used together');
    }
    return query.cursor === '' ? { mode: 'cursor', count } : { mode: 'cursor', cursor: query.cursor, count };
  }
  const startIndex = Math.max(1, integerParameter(query.startIndex) ?? 1);
  return { mode: 'index', startIndex, count };
}

/** Where a listing continues: the last key read, and when the cursor was issued. */
interface CursorState {
  lastKey: string;
  issuedAt: number;
}

/**
 * What a cursor is bound to: the directory it lists and the query it continues (a
 * {@link queryHash} of the resource type and the filter text). A cursor presented with any other
 * binding is refused.
 */
export interface CursorBinding {
  directoryId: string;
  queryHash: string;
}

/** Bytes of HMAC-SHA256 kept in a cursor: 128 bits, as much as a forger would have to guess. */
const TAG_BYTES = 16;
/** Longest cursor text read; a longer one cannot be ours. */
const MAX_CURSOR_LENGTH = 512;
/**
 * How far in the future a cursor's issue time may lie: the clocks of two Lambda instances differ
 * by far less. Beyond it a cursor would never expire, so it is refused.
 */
const CLOCK_SKEW_MS = 60_000;
const LAST_KEY = /^[A-Za-z0-9._-]{1,128}$/;

/** A short hash of the filter (or of no filter), binding a cursor to the query it came from. */
export function queryHash(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22);
}

function tagOf(key: Uint8Array, binding: CursorBinding, payload: string): Buffer {
  return createHmac('sha256', key)
    .update(['cursor-v1', binding.directoryId, binding.queryHash, payload].join('\u0000'))
    .digest()
    .subarray(0, TAG_BYTES);
}

/**
 * Opaque cursor text (RFC 9865 §2): base64url JSON of the position and issue time, then `.` and an
 * HMAC over them, the directory and the query, so that a cursor can be neither altered nor replayed
 * in another directory or for another query.
 */
export function encodeCursor(state: CursorState, binding: CursorBinding, key: Uint8Array): string {
  const payload = Buffer.from(JSON.stringify([state.lastKey, state.issuedAt])).toString('base64url');
  return `${payload}.${tagOf(key, binding, payload).toString('base64url')}`;
}

function notOurs(): never {
  throw ScimError.of('invalidCursor', 'The cursor is not one this service issued for this directory and query; start again without one');
}

/**
 * Reads a cursor back and returns the key it continues after. invalidCursor (RFC 9865 §2.4) when it
 * was altered, belongs to another directory or query, or claims to be issued in the future;
 * expiredCursor when older than `CURSOR_TIMEOUT_SECONDS`.
 */
export function decodeCursor(cursor: string, binding: CursorBinding, nowMs: number, key: Uint8Array): string {
  const dot = cursor.indexOf('.');
  if (cursor.length > MAX_CURSOR_LENGTH || dot <= 0) notOurs();
  const payload = cursor.slice(0, dot);
  const presented = Buffer.from(cursor.slice(dot + 1), 'base64url');
  const expected = tagOf(key, binding, payload);
  // Constant time, so that the tag cannot be guessed byte by byte.
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) notOurs();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    notOurs();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || typeof decoded[0] !== 'string' || !LAST_KEY.test(decoded[0]) || !Number.isSafeInteger(decoded[1])) {
    notOurs();
  }
  const issuedAt = decoded[1] as number;
  if (issuedAt - nowMs > CLOCK_SKEW_MS) {
    throw ScimError.of('invalidCursor', 'The cursor claims a time in the future; start again without one');
  }
  if (nowMs - issuedAt > CURSOR_TIMEOUT_SECONDS * 1000) {
    throw ScimError.of('expiredCursor', 'The cursor has expired; start again without one');
  }
  return decoded[0];
}
