/**
 * The key that signs SCIM list cursors (RFC 9865), so that a cursor cannot be altered, moved to
 * another directory or query, or post-dated (see `paging.ts`). All instances of a function must
 * share it: on AWS the stack fills `CURSOR_SIGNING_KEY` from a secret it generates (docs/scim-rules.md).
 */
import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../auth/config.ts';
import { ENV } from '../config/environment.ts';

/** Shortest key accepted: 32 characters, at least 128 bits even if only hex digits. */
export const MIN_CURSOR_KEY_LENGTH = 32;

/**
 * `CURSOR_SIGNING_KEY` as key bytes, or, when it is unset (the local runtime, tests, functions that
 * never page by cursor), 32 random bytes for this process: its cursors are then valid only in it.
 *
 * @throws ConfigurationError for a key shorter than {@link MIN_CURSOR_KEY_LENGTH}, at cold start.
 */
export function cursorKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer {
  const raw = env[ENV.cursorSigningKey];
  if (raw === undefined || raw === '') return randomBytes(32);
  if (raw.length < MIN_CURSOR_KEY_LENGTH) {
    throw new ConfigurationError(`${ENV.cursorSigningKey} must be at least ${MIN_CURSOR_KEY_LENGTH} characters`);
  }
  return Buffer.from(raw, 'utf8');
}
