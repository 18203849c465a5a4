/**
 * Environment settings of token handling, read by small getters that fail loudly, so a bad
 * deploy fails at cold start rather than at the first request. Names and defaults come from
 * `functions/config/environment.ts`, which the CDK construct reads too.
 */
import { DEFAULT_TOKEN_CACHE_TTL_SECONDS, ENV, MAX_TOKEN_CACHE_TTL_SECONDS } from '../config/environment.ts';

/** Default time a warm Lambda trusts a directory's token secret from memory. */
export const DEFAULT_TOKEN_CACHE_TTL_MS = DEFAULT_TOKEN_CACHE_TTL_SECONDS * 1000;
/** Upper bound of that time: a revoked token must stop working within 60 s everywhere. */
export const MAX_TOKEN_CACHE_TTL_MS = MAX_TOKEN_CACHE_TTL_SECONDS * 1000;

/** Thrown at start-up when the environment is unusable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** The value of a variable that must be set. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigurationError(`environment variable ${name} is required`);
  return value;
}

/**
 * `TOKEN_CACHE_TTL_SECONDS` in milliseconds: a whole number of seconds from 0 to 60, default 30.
 * 0 turns the cache off (every request reads the secret).
 */
export function tokenCacheTtlMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[ENV.tokenCacheTtlSeconds];
  if (raw === undefined || raw.trim() === '') return DEFAULT_TOKEN_CACHE_TTL_MS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds * 1000 > MAX_TOKEN_CACHE_TTL_MS) {
    throw new ConfigurationError(`${ENV.tokenCacheTtlSeconds} must be a whole number from 0 to ${MAX_TOKEN_CACHE_TTL_MS / 1000}, not "${raw}"`);
  }
  return seconds * 1000;
}
