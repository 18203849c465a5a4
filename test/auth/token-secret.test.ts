import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { parseTokenSecret, serializeTokenSecret, type TokenSecret } from '../../functions/auth/token-secret.ts';

/**
 * The document's format as a zod schema: how it was first defined, kept here as the oracle the
 * hand-written parser (which keeps zod out of the SCIM functions' cold start) must agree with.
 */
const isoTimestamp = z.iso.datetime({ offset: true });
const oracle = z.object({
  directoryId: z.string().check(z.minLength(1)),
  status: z.enum(['active', 'disabled']),
  tokens: z.array(
    z.object({
      id: z.string().check(z.minLength(1)),
      label: z.string(),
      hash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
      createdAt: isoTimestamp,
      expiresAt: z.optional(isoTimestamp),
      revokedAt: z.optional(isoTimestamp),
    }),
  ),
});

const HASH = 'a'.repeat(64);
const valid: TokenSecret = {
  directoryId: 'dir_1',
  status: 'active',
  tokens: [
    { id: 'tok_1', label: 'Entra ID', hash: HASH, createdAt: '2026-01-01T00:00:00.000Z' },
    { id: 'tok_2', label: '', hash: 'b'.repeat(64), createdAt: '2026-01-01T00:00:00+02:00', expiresAt: '2026-02-28T23:59:59Z', revokedAt: '2026-01-02T00:00:00.5Z' },
  ],
};

/** What the parser makes of a text: the secret, or "rejected". */
function outcome(text: string): unknown {
  try {
    return parseTokenSecret(text);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return 'rejected';
  }
}

/** What the schema makes of the same text. */
function oracleOutcome(text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'rejected';
  }
  const parsed = oracle.safeParse(json);
  return parsed.success ? parsed.data : 'rejected';
}

describe('parseTokenSecret', () => {
  it('reads a secret as the admin writes it, and keeps only the known keys', () => {
    expect(parseTokenSecret(serializeTokenSecret(valid))).toEqual(valid);
    expect(parseTokenSecret(JSON.stringify({ ...valid, extra: 1, tokens: [{ ...valid.tokens[0], note: 'x' }] }))).toEqual({ ...valid, tokens: [valid.tokens[0]] });
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '[]'],
    ['an unknown status', JSON.stringify({ ...valid, status: 'paused' })],
    ['an empty directory id', JSON.stringify({ ...valid, directoryId: '' })],
    ['tokens that are not a list', JSON.stringify({ ...valid, tokens: {} })],
    ['a hash that is not hex SHA-256', JSON.stringify({ ...valid, tokens: [{ ...valid.tokens[0], hash: 'A'.repeat(64) }] })],
    ['a date that does not exist', JSON.stringify({ ...valid, tokens: [{ ...valid.tokens[0], createdAt: '2026-02-30T00:00:00Z' }] })],
    ['a timestamp without a zone', JSON.stringify({ ...valid, tokens: [{ ...valid.tokens[0], expiresAt: '2026-01-01T00:00:00' }] })],
    ['an empty token id', JSON.stringify({ ...valid, tokens: [{ ...valid.tokens[0], id: '' }] })],
  ])('refuses %s with a TypeError naming the problem', (_what, text) => {
    expect(() => parseTokenSecret(text)).toThrow(/token secret is (malformed|not JSON)/);
  });

  it('accepts and refuses exactly what the zod schema of the format does', () => {
    const timestamp = fc.oneof(
      fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString()),
      fc.constantFrom('2026-01-01T00:00:00+02:00', '2026-01-01T00:00Z', '2024-02-29T12:00:00Z', '2025-02-29T12:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01 00:00:00Z', '', 'yesterday'),
    );
    const token = fc.record(
      {
        id: fc.oneof(fc.constantFrom('', 'tok_1'), fc.string()),
        label: fc.oneof(fc.string(), fc.integer()),
        hash: fc.oneof(fc.constant(HASH), fc.stringMatching(/^[0-9a-fA-F]{63,65}$/)),
        createdAt: timestamp,
        expiresAt: timestamp,
        revokedAt: fc.oneof(timestamp, fc.constant(null)),
        other: fc.string(),
      },
      { requiredKeys: [] },
    );
    const secret = fc.record(
      {
        directoryId: fc.oneof(fc.constantFrom('', 'dir_1'), fc.string(), fc.integer()),
        status: fc.constantFrom('active', 'disabled', 'Active', ''),
        tokens: fc.oneof(fc.array(token, { maxLength: 3 }), fc.constant('none')),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(secret, (document) => {
        const text = JSON.stringify(document);
        expect(outcome(text)).toEqual(oracleOutcome(text));
      }),
      { numRuns: 500 },
    );
  });
});
