/**
 * The shape of bearer tokens, token ids and directory ids, and how tokens are hashed.
 */
import { createHash, randomBytes } from 'node:crypto';

/**
 * Every token starts with this prefix so that secret scanners (GitHub push protection, gitleaks,
 * trufflehog custom rules) can recognise a leaked token from its text alone.
 */
export const TOKEN_PREFIX = 'scimds_';

/** 32 random bytes = 256 bits, written as 43 base64url characters after the prefix. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^scimds_[A-Za-z0-9_-]{43}$/;

/** A new bearer token: the prefix plus 256 bits from the operating system's CSPRNG. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
}

/** True when the text has the exact shape of a token this project mints. */
export function isWellFormedToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/**
 * The stored form of a token: SHA-256, hex-encoded.
 *
 * A fast hash is the right choice here, unlike for passwords. Slow, salted hashes (bcrypt, scrypt,
 * Argon2) exist to make guessing low-entropy secrets expensive; a token has 256 random bits, so
 * finding any preimage of its hash is infeasible however fast the hash is, and a salt adds nothing
 * because no two tokens share a value. A slow hash would only add CPU time to every SCIM request.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** RFC 4648 base32 alphabet, lower case. */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * A new directory id: 128 random bits as 26 lower-case base32 characters. Unguessable and URL-safe
 * like base64url, but it never starts with "-" (which a command line would read as an option) and
 * survives case-folding when someone copies it by hand.
 */
export function generateDirectoryId(): string {
  return base32(randomBytes(16));
}

/** A new token id (96 random bits): shown to admins so they can revoke a token without seeing it. */
export function generateTokenId(): string {
  return `tok_${base32(randomBytes(12))}`;
}

/**
 * Directory ids accepted from the outside. Wider than what `generateDirectoryId` produces, but
 * always a valid Secrets Manager name segment and never containing the key separator "#".
 */
export const DIRECTORY_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
