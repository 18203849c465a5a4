/**
 * Checks on what reaches the portal's services from outside (the host app's link request, the
 * IT admin's forms), and the translation of admin refusals into portal refusals.
 */
import { isAdminError } from '../admin/admin-error.ts';
import { cleanText, MAX_NAME_LENGTH } from '../admin/admin-input.ts';
import { DIRECTORY_ID_PATTERN } from '../auth/token-format.ts';
import { PortalError, type PortalErrorCode } from './ports.ts';

/** Longest `returnUrl` accepted: well within what browsers and API Gateway carry. */
export const MAX_RETURN_URL_LENGTH = 2000;

/** Hosts a plain-http `returnUrl` may name: only this machine (local development). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** The one sentence for a directory that does not exist or belongs to another organization. */
export function directoryNotFound(directoryId: string): PortalError {
  return new PortalError('notFound', `Directory ${directoryId} not found`);
}

/** An organization id: 1–200 printable characters, trimmed (as the admin service stores it). */
export function checkOrganizationId(organizationId: unknown): string {
  return portalRefusals(() => cleanText(organizationId, 'organizationId', MAX_NAME_LENGTH));
}

/** A directory id of the admin service's shape; anything else cannot name a directory (`notFound`). */
export function checkDirectoryId(directoryId: unknown): string {
  if (typeof directoryId !== 'string' || !DIRECTORY_ID_PATTERN.test(directoryId)) throw directoryNotFound(String(directoryId));
  return directoryId;
}

/**
 * Where "Back to the app" may go: an absolute https URL (http only to a loopback host, for local
 * development), without credentials, at most 2,000 characters. Anything else could turn the
 * portal into an open redirect or leak a password into browser history.
 */
export function checkReturnUrl(returnUrl: unknown): string {
  if (typeof returnUrl !== 'string' || returnUrl.length > MAX_RETURN_URL_LENGTH) {
    throw new PortalError('invalidInput', `returnUrl must be a URL of at most ${MAX_RETURN_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(returnUrl);
  } catch {
    throw new PortalError('invalidInput', 'returnUrl must be an absolute URL');
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure) throw new PortalError('invalidInput', 'returnUrl must be an https URL (http only for 127.0.0.1, ::1 or localhost)');
  if (url.username !== '' || url.password !== '') throw new PortalError('invalidInput', 'returnUrl must not contain a user name or password');
  return url.href;
}

const ADMIN_TO_PORTAL: Record<string, PortalErrorCode> = {
  invalidInput: 'invalidInput',
  directoryNotFound: 'notFound',
  tokenNotFound: 'notFound',
  directoryDeleting: 'conflict',
  tooManyTokens: 'conflict',
  conflict: 'conflict',
};

/** Runs `work`, turning an admin refusal into the portal refusal of the same meaning (same message). */
export function portalRefusals<T>(work: () => T): T {
  try {
    const result = work();
    if (result instanceof Promise) return result.catch((error: unknown) => rethrowAsPortal(error)) as T;
    return result;
  } catch (error) {
    return rethrowAsPortal(error);
  }
}

function rethrowAsPortal(error: unknown): never {
  if (isAdminError(error)) throw new PortalError(ADMIN_TO_PORTAL[error.code] ?? 'conflict', error.message, { cause: error });
  throw error;
}
