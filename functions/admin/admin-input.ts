/**
 * Checks on what operators and the portal hand the admin service: names, labels, ids and numbers
 * of days. A refusal is an `AdminError` whose message is safe to show.
 */
import { DIRECTORY_ID_PATTERN } from '../auth/token-format.ts';
import { AdminError } from './admin-error.ts';

/** Longest directory name (and organization id). */
export const MAX_NAME_LENGTH = 200;
/** Longest token label. */
export const MAX_LABEL_LENGTH = 100;

/** An `invalidInput` refusal. */
export function invalid(message: string): AdminError {
  return new AdminError('invalidInput', message);
}

/**
 * Trims a display text and checks it is 1..max printable characters (NFC, no control
 * characters); `invalidInput` otherwise. The portal checks organization ids with it too.
 */
export function cleanText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  const trimmed = value.normalize('NFC').trim();
  if (trimmed.length === 0) throw invalid(`${what} must not be empty`);
  if (trimmed.length > max) throw invalid(`${what} must be at most ${max} characters`);
  // Control characters would corrupt terminal output and logs.
  if (/\p{Cc}/u.test(trimmed)) throw invalid(`${what} must not contain control characters`);
  return trimmed;
}

/** A directory id of the accepted shape; anything else cannot name a directory (`directoryNotFound`). */
export function checkDirectoryId(directoryId: unknown): string {
  if (typeof directoryId !== 'string' || !DIRECTORY_ID_PATTERN.test(directoryId)) {
    // A value that is not even a string is not quoted back: stringifying it could be anything at all.
    throw new AdminError('directoryNotFound', typeof directoryId === 'string' ? `Directory ${directoryId} not found` : 'Directory not found: the id must be a string');
  }
  return directoryId;
}

/** A number of days within bounds; `invalidInput` otherwise. */
export function checkDays(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(`${what} must be a number of days from ${min} to ${max}`);
  }
  return value;
}
