/**
 * Errors of directory and token administration. Each has a stable `code` that the admin Lambda
 * and the CLI show to operators and scripts.
 */

/** What went wrong, in words a script can match on. */
export const ADMIN_ERROR_CODES = ['invalidInput', 'directoryNotFound', 'directoryDeleting', 'tokenNotFound', 'tooManyTokens', 'conflict', 'notConfigured'] as const;

export type AdminErrorCode = (typeof ADMIN_ERROR_CODES)[number];

/** A refused admin command; the message is safe to show (it never contains a token). */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  readonly code: AdminErrorCode;

  constructor(code: AdminErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True for an AdminError, also across module copies. */
export function isAdminError(error: unknown): error is AdminError {
  return error instanceof AdminError || (error instanceof Error && error.name === 'AdminError' && 'code' in error);
}
