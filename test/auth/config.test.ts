import { describe, expect, it } from 'vitest';
import { ConfigurationError, requiredEnv, tokenCacheTtlMsFromEnv } from '../../functions/auth/config.ts';

describe('token configuration', () => {
  it('reads TOKEN_CACHE_TTL_SECONDS: default 30 s, 0 to 60 allowed', () => {
    expect(tokenCacheTtlMsFromEnv({})).toBe(30_000);
    expect(tokenCacheTtlMsFromEnv({ TOKEN_CACHE_TTL_SECONDS: '' })).toBe(30_000);
    expect(tokenCacheTtlMsFromEnv({ TOKEN_CACHE_TTL_SECONDS: '0' })).toBe(0);
    expect(tokenCacheTtlMsFromEnv({ TOKEN_CACHE_TTL_SECONDS: '60' })).toBe(60_000);
  });

  it('fails loudly on a value a revocation could not live with', () => {
    for (const bad of ['61', '-1', '2.5', 'soon']) {
      expect(() => tokenCacheTtlMsFromEnv({ TOKEN_CACHE_TTL_SECONDS: bad })).toThrow(ConfigurationError);
    }
  });

  it('requires variables to be set and non-blank', () => {
    expect(requiredEnv('A', { A: 'x' })).toBe('x');
    expect(() => requiredEnv('A', { A: ' ' })).toThrow('environment variable A is required');
    expect(() => requiredEnv('A', {})).toThrow(ConfigurationError);
  });
});
