import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DIRECTORY_ID_PATTERN, generateDirectoryId, generateToken, generateTokenId, hashToken, isWellFormedToken, TOKEN_PREFIX } from '../../functions/auth/token-format.ts';

describe('token format', () => {
  it('mints prefixed tokens carrying 256 random bits', () => {
    const tokens = new Set(Array.from({ length: 200 }, generateToken));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
      expect(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url')).toHaveLength(32);
      expect(isWellFormedToken(token)).toBe(true);
    }
  });

  it('recognises only the exact token shape', () => {
    const token = generateToken();
    for (const bad of ['', token.slice(1), `${token}A`, token.replace('scimds_', 'scimdx_'), `${token.slice(0, -1)}=`, ` ${token}`]) {
      expect(isWellFormedToken(bad)).toBe(false);
    }
  });

  it('hashes with SHA-256, hex', () => {
    expect(hashToken('scimds_x')).toBe(createHash('sha256').update('scimds_x').digest('hex'));
    expect(hashToken(generateToken())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('mints URL-safe directory ids that never look like a command-line option', () => {
    for (let i = 0; i < 500; i++) {
      const id = generateDirectoryId();
      expect(id).toMatch(/^[a-z2-7]{26}$/);
      expect(DIRECTORY_ID_PATTERN.test(id)).toBe(true);
    }
    expect(generateTokenId()).toMatch(/^tok_[a-z2-7]{20}$/);
  });
});
