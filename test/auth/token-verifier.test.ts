import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretsManagerSecretStore } from '../../functions/adapters/secrets/secret-store.ts';
import { generateToken, hashToken } from '../../functions/auth/token-format.ts';
import type { TokenSecret } from '../../functions/auth/token-secret.ts';
import { RECORD_USE_INTERVAL_MS, TokenVerifier, type TokenVerifierOptions } from '../../functions/auth/token-verifier.ts';

const DIR = 'k3directoryid0000000000000';
const PREFIX = 'scim-directory-sync/tokens/';
const T0 = Date.parse('2026-03-01T00:00:00Z');

const sm = mockClient(SecretsManagerClient);
const live = generateToken();
const expired = generateToken();
const revoked = generateToken();

function secret(overrides: Partial<TokenSecret> = {}): TokenSecret {
  return {
    directoryId: DIR,
    status: 'active',
    tokens: [
      { id: 'tok_live', label: 'a', hash: hashToken(live), createdAt: '2026-01-01T00:00:00Z' },
      { id: 'tok_expired', label: 'b', hash: hashToken(expired), createdAt: '2026-01-01T00:00:00Z', expiresAt: '2026-02-01T00:00:00Z' },
      { id: 'tok_revoked', label: 'c', hash: hashToken(revoked), createdAt: '2026-01-01T00:00:00Z', revokedAt: '2026-02-01T00:00:00Z' },
    ],
    ...overrides,
  };
}

function serve(value: TokenSecret | undefined, name = PREFIX + DIR): void {
  const stub = sm.on(GetSecretValueCommand, { SecretId: name });
  if (value === undefined) stub.rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
  else stub.resolves({ SecretString: JSON.stringify(value) });
}

function verifier(options: TokenVerifierOptions & { clock?: { now: number } } = {}) {
  const clock = options.clock ?? { now: T0 };
  return new TokenVerifier(new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' })), { now: () => clock.now, ...options });
}

const reads = () => sm.commandCalls(GetSecretValueCommand).length;

beforeEach(() => {
  sm.reset();
});

describe('TokenVerifier', () => {
  it('accepts a live token and names it', async () => {
    serve(secret());
    expect(await verifier().verify(DIR, live)).toEqual({ ok: true, tokenId: 'tok_live' });
    expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: PREFIX + DIR });
  });

  it('answers invalid for expired, revoked, unknown and malformed tokens, and for unknown directories', async () => {
    serve(secret());
    serve(undefined, `${PREFIX}unknowndirectory`);
    const v = verifier();
    for (const presented of [expired, revoked, generateToken(), 'Bearer x', '', `${live}x`, live.toUpperCase()]) {
      expect(await v.verify(DIR, presented)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await v.verify('unknowndirectory', live)).toEqual({ ok: false, reason: 'invalid' });
    expect(await v.verify('../etc/passwd', live)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('never asks Secrets Manager about a malformed token or directory id', async () => {
    serve(secret());
    const v = verifier();
    await v.verify(DIR, 'not-a-token');
    await v.verify('bad id with spaces', live);
    expect(reads()).toBe(0);
  });

  it('answers disabled only for a valid token of a disabled directory', async () => {
    serve(secret({ status: 'disabled' }));
    const v = verifier();
    expect(await v.verify(DIR, live)).toEqual({ ok: false, reason: 'disabled' });
    expect(await v.verify(DIR, revoked)).toEqual({ ok: false, reason: 'invalid' });
    expect(await v.verify(DIR, generateToken())).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a secret that belongs to another directory or cannot be parsed', async () => {
    serve(secret({ directoryId: 'someoneelse' }));
    expect(await verifier().verify(DIR, live)).toEqual({ ok: false, reason: 'invalid' });
    sm.reset();
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"tokens": "nope"}' });
    expect(await verifier().verify(DIR, live)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('serves a warm cache without Secrets Manager calls, then re-reads after the TTL', async () => {
    serve(secret());
    const clock = { now: T0 };
    const v = verifier({ clock, cacheTtlMs: 30_000 });
    for (let i = 0; i < 5; i++) await v.verify(DIR, live);
    expect(reads()).toBe(1);

    // Revoked meanwhile: still accepted from the cache until the TTL passes, then refused.
    sm.reset();
    serve(secret({ tokens: secret().tokens.map((t) => (t.id === 'tok_live' ? { ...t, revokedAt: '2026-02-28T00:00:00Z' } : t)) }));
    clock.now += 29_999;
    expect(await v.verify(DIR, live)).toEqual({ ok: true, tokenId: 'tok_live' });
    clock.now += 1;
    expect(await v.verify(DIR, live)).toEqual({ ok: false, reason: 'invalid' });
    expect(reads()).toBe(1);
  });

  it('caches unknown directories too, and shares one read among concurrent requests', async () => {
    serve(undefined);
    const v = verifier();
    await Promise.all(Array.from({ length: 10 }, () => v.verify(DIR, live)));
    await v.verify(DIR, generateToken());
    expect(reads()).toBe(1);
  });

  it('caps the cache TTL at 60 s so a revocation always lands within a minute', async () => {
    serve(secret());
    const clock = { now: T0 };
    const v = verifier({ clock, cacheTtlMs: 10 * 60_000 });
    await v.verify(DIR, live);
    clock.now += 60_000;
    await v.verify(DIR, live);
    expect(reads()).toBe(2);
  });

  it('lets store failures through without caching them', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })).resolves({ SecretString: JSON.stringify(secret()) });
    const v = verifier();
    await expect(v.verify(DIR, live)).rejects.toMatchObject({ name: 'SecretStoreError', failure: 'accessDenied' });
    expect(await v.verify(DIR, live)).toEqual({ ok: true, tokenId: 'tok_live' });
  });

  it('records last use at most once per token per 5 minutes, and swallows failures', async () => {
    serve(secret());
    const clock = { now: T0 };
    const recordUse = vi.fn<(directoryId: string, tokenId: string, at: Date) => Promise<void>>().mockRejectedValueOnce(new Error('DynamoDB down')).mockResolvedValue();
    const v = verifier({ clock, recordUse });
    expect(await v.verify(DIR, live)).toEqual({ ok: true, tokenId: 'tok_live' });
    clock.now += RECORD_USE_INTERVAL_MS - 1;
    await v.verify(DIR, live);
    await v.verify(DIR, expired);
    expect(recordUse).toHaveBeenCalledTimes(1);
    expect(recordUse).toHaveBeenLastCalledWith(DIR, 'tok_live', new Date(T0));
    clock.now += 1;
    await v.verify(DIR, live);
    expect(recordUse).toHaveBeenCalledTimes(2);
    expect(recordUse).toHaveBeenLastCalledWith(DIR, 'tok_live', new Date(T0 + RECORD_USE_INTERVAL_MS));
  });
});

describe('TokenVerifier under a flood of made-up directories', () => {
  it('keeps the real directories cached: guessing ids cannot evict them', async () => {
    serve(secret());
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
    serve(secret());
    const v = verifier();
    expect(await v.verify(DIR, live)).toEqual({ ok: true, tokenId: 'tok_live' });
    for (let i = 0; i < 1500; i++) {
      expect(await v.verify(`guess${String(i).padStart(8, '0')}`, generateToken())).toEqual({ ok: false, reason: 'invalid' });
    }
    const before = reads();
    expect(await v.verify(DIR, live)).toEqual({ ok: true, tokenId: 'tok_live' });
    expect(reads()).toBe(before);
  });
});

describe('TokenVerifier under a flood of 1,000 requests', () => {
  const FLOOD = 1000;
  const notFound = () => sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
  /** A well-formed directory id that no secret has. */
  const madeUpId = (i: number) => `madeup${String(i).padStart(8, '0')}`;

  it('answers random tokens for a known directory from the cached hashes: one read in all', async () => {
    serve(secret());
    const v = verifier();
    for (let i = 0; i < FLOOD; i++) expect(await v.verify(DIR, generateToken())).toEqual({ ok: false, reason: 'invalid' });
    expect(await v.verify(DIR, live)).toEqual({ ok: true, tokenId: 'tok_live' });
    expect(reads()).toBe(1);
  });

  it('refuses malformed tokens and directory ids with no read at all', async () => {
    serve(secret());
    const v = verifier();
    for (let i = 0; i < FLOOD; i++) {
      const junk = `${'x'.repeat(i % 50)}${i}`;
      expect(await v.verify(i % 2 === 0 ? DIR : `${junk}/..`, i % 2 === 0 ? junk : live)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(reads()).toBe(0);
  });

  it('reads an unknown directory once per id, even with the secret cache turned off', async () => {
    notFound();
    const clock = { now: T0 };
    const v = verifier({ clock, cacheTtlMs: 0 });
    for (let i = 0; i < FLOOD; i++) {
      expect(await v.verify(madeUpId(i % 10), generateToken())).toEqual({ ok: false, reason: 'invalid' });
      clock.now += 10;
    }
    expect(reads()).toBe(10);
  });

  it('keeps the unknown ids in a bounded map, and the known directories apart from them', async () => {
    notFound();
    serve(secret());
    const v = verifier({ maxUnknownDirectories: 100 });
    expect(await v.verify(DIR, live)).toEqual({ ok: true, tokenId: 'tok_live' });
    for (let i = 0; i < FLOOD; i++) await v.verify(madeUpId(i), generateToken());
    expect(reads()).toBe(1 + FLOOD);
    // The last 100 ids are remembered; the first one was dropped and costs a read again.
    await v.verify(madeUpId(FLOOD - 1), generateToken());
    expect(reads()).toBe(1 + FLOOD);
    await v.verify(madeUpId(0), generateToken());
    expect(reads()).toBe(2 + FLOOD);
    // The real directory was never evicted by the flood.
    expect(await v.verify(DIR, live)).toEqual({ ok: true, tokenId: 'tok_live' });
    expect(reads()).toBe(2 + FLOOD);
  });

  it('drops the least recently used known directory, not the busiest one', async () => {
    const others = ['knownaaaaaaaaaaaaaaaaaaaaa', 'knownbbbbbbbbbbbbbbbbbbbbb'];
    serve(secret());
    for (const id of others) serve(secret({ directoryId: id }), PREFIX + id);
    const v = verifier({ maxCachedDirectories: 2 });
    await v.verify(DIR, live);
    await v.verify(others[0] as string, live);
    await v.verify(DIR, live); // DIR is in use again: the other one is now the least recent.
    await v.verify(others[1] as string, live);
    const before = reads();
    expect(await v.verify(DIR, live)).toEqual({ ok: true, tokenId: 'tok_live' });
    expect(reads()).toBe(before);
  });
});
