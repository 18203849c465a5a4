/**
 * Paging parameters: index paging (RFC 7644 §3.4.2.4) and cursor paging (RFC 9865).
 */
import { createHash } from 'node:crypto';
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

/** Where a listing continues: the last key read, for one filter text. */
interface CursorState {
  lastKey: string;
  filterHash: string;
  issuedAt: number;
}

/** A short hash of the filter (or of no filter), binding a cursor to the query it came from. */
export function queryHash(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22);
}

/** Opaque cursor text (RFC 9865 §2): base64url JSON. It only ever positions a read inside the caller's directory. */
export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify([state.lastKey, state.filterHash, state.issuedAt])).toString('base64url');
}

/** Reads a cursor back; invalidCursor when it is not ours or belongs to another query, expiredCursor when old. */
export function decodeCursor(cursor: string, filterHash: string, nowMs: number): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw ScimError.of('invalidCursor', 'The cursor is not one this service issued');
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 3 ||
    typeof decoded[0] !== 'string' ||
    !/^[A-Za-z0-9._-]{1,128}$/.test(decoded[0]) ||
    typeof decoded[1] !== 'string' ||
    typeof decoded[2] !== 'number'
  ) {
    throw ScimError.of('invalidCursor', 'The cursor is not one this service issued');
  }
  if (decoded[1] !== filterHash) {
    throw ScimError.of('invalidCursor', 'The cursor belongs to a different query');
  }
  if (nowMs - decoded[2] > CURSOR_TIMEOUT_SECONDS * 1000) {
    throw ScimError.of('expiredCursor', 'The cursor has expired; start again without one');
  }
  return decoded[0];
}
