/**
 * Cursors (RFC 9865): what a signed cursor carries, and each cursor that is refused.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../functions/auth/config.ts';
import { CURSOR_TIMEOUT_SECONDS } from '../../functions/core/discovery.ts';
import { cursorKeyFromEnv } from '../../functions/service/cursor-key.ts';
import { decodeCursor, encodeCursor, queryHash, type CursorBinding } from '../../functions/service/paging.ts';
import { scimErrorOf } from '../support/scim-errors.ts';

const key = Buffer.alloc(32, 1);
const binding: CursorBinding = { directoryId: 'dir-a', queryHash: queryHash(['User', 'userName sw "a"']) };
const issuedAt = Date.parse('2026-03-01T00:00:00Z');
const cursor = encodeCursor({ lastKey: 'u-17', issuedAt }, binding, key);

/** The cursor's payload with one change, re-encoded, and its original tag kept. */
function tampered(change: (fields: unknown[]) => unknown[]): string {
  const [payload, tag] = cursor.split('.') as [string, string];
  const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
  return `${Buffer.from(JSON.stringify(change(fields))).toString('base64url')}.${tag}`;
}

describe('cursors', () => {
  it('read back to the key they continue after, within the timeout', () => {
    expect(decodeCursor(cursor, binding, issuedAt, key)).toBe('u-17');
    expect(decodeCursor(cursor, binding, issuedAt + CURSOR_TIMEOUT_SECONDS * 1000, key)).toBe('u-17');
  });

  it.each<[string, () => string, CursorBinding, Uint8Array]>([
    ['with another last key', () => tampered(([, at]) => ['u-99', at]), binding, key],
    ['with a later issue time', () => tampered(([last]) => [last, issuedAt + 10 * CURSOR_TIMEOUT_SECONDS * 1000]), binding, key],
    ['with its tag cut short', () => cursor.slice(0, -2), binding, key],
    ['without a tag (the unsigned form)', () => cursor.split('.')[0] as string, binding, key],
    ['of another directory', () => cursor, { ...binding, directoryId: 'dir-b' }, key],
    ['of another filter', () => cursor, { ...binding, queryHash: queryHash(['User', 'userName sw "b"']) }, key],
    ['of the other resource type', () => cursor, { ...binding, queryHash: queryHash(['Group', 'userName sw "a"']) }, key],
    ['signed with another key (another stack)', () => cursor, binding, Buffer.alloc(32, 2)],
    ['that is not base64url JSON at all', () => '%%%.!!!', binding, key],
    ['that is far too long', () => `${cursor}${'A'.repeat(1000)}`, binding, key],
  ])('refuses a cursor %s with 400 invalidCursor', (_name, presented, asked, askedKey) => {
    expect(scimErrorOf(() => decodeCursor(presented(), asked, issuedAt, askedKey))).toMatchObject({ status: 400, scimType: 'invalidCursor' });
  });

  it('refuses a correctly signed cursor issued in the future, beyond clock skew', () => {
    const future = encodeCursor({ lastKey: 'u-17', issuedAt: issuedAt + 10 * 60_000 }, binding, key);
    expect(scimErrorOf(() => decodeCursor(future, binding, issuedAt, key))).toMatchObject({ status: 400, scimType: 'invalidCursor' });
    const slightlyAhead = encodeCursor({ lastKey: 'u-17', issuedAt: issuedAt + 5_000 }, binding, key);
    expect(decodeCursor(slightlyAhead, binding, issuedAt, key)).toBe('u-17');
  });

  it('still expires old cursors', () => {
    expect(scimErrorOf(() => decodeCursor(cursor, binding, issuedAt + CURSOR_TIMEOUT_SECONDS * 1000 + 1, key))).toMatchObject({ status: 400, scimType: 'expiredCursor' });
  });
});

describe('cursorKeyFromEnv', () => {
  it('uses CURSOR_SIGNING_KEY when set, a random key per process otherwise, and refuses a short key', () => {
    const configured = 'k'.repeat(40);
    expect(cursorKeyFromEnv({ CURSOR_SIGNING_KEY: configured }).equals(Buffer.from(configured))).toBe(true);
    const a = cursorKeyFromEnv({});
    const b = cursorKeyFromEnv({});
    expect(a.length).toBe(32);
    expect(a.equals(b)).toBe(false);
    expect(() => cursorKeyFromEnv({ CURSOR_SIGNING_KEY: 'short' })).toThrow(ConfigurationError);
  });
});
