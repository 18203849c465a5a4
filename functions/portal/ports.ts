/**
 * What the Admin Portal's edge (its Lambda handler and pages) needs from the services behind it.
 *
 * The portal is opened by a customer's IT admin through a one-time link that the host app asked
 * for; the link starts a session bound to one organization. Every call below takes that
 * organization, and anything outside it (another organization's directory, user or group) is
 * answered exactly like something that does not exist.
 */
import type { ActivityEntry, ActivityOutcome, RequestStatus } from '../activity/activity.ts';
import type { TokenView } from '../admin/token-views.ts';

/** Directory providers the portal offers. `generic` is "Other SCIM 2.0 client". */
export type PortalProvider = 'entra' | 'okta' | 'onelogin' | 'jumpcloud' | 'generic';

/** Why a portal call was refused. `notFound` covers "belongs to another organization". */
export type PortalErrorCode = 'notFound' | 'invalidInput' | 'conflict' | 'linkInvalid' | 'sessionInvalid';

/** A refusal the edge turns into a status and a sentence for the IT admin. */
export class PortalError extends Error {
  override readonly name = 'PortalError';
  readonly code: PortalErrorCode;

  constructor(code: PortalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isPortalError(error: unknown): error is PortalError {
  return error instanceof PortalError;
}

// ---------------------------------------------------------------------------------------------
// Links and sessions
// ---------------------------------------------------------------------------------------------

/** Lifetimes fixed by the product: a link lives 5 minutes; a session 1 hour idle, 6 hours in all. */
export const PORTAL_LINK_TTL_MS = 5 * 60_000;
export const PORTAL_SESSION_IDLE_MS = 60 * 60_000;
export const PORTAL_SESSION_MAX_MS = 6 * 60 * 60_000;

/** A link just made: the only time its secret exists outside the browser that opens it. */
export interface PortalLink {
  /** `<portal base URL>/open?link=<secret>`. */
  url: string;
  organizationId: string;
  directoryId?: string;
  expiresAt: string;
}

/** A live session. `sessionId` and `csrfToken` are the raw values (only their use is stored). */
export interface PortalSession {
  sessionId: string;
  organizationId: string;
  /** The directory the link named, if any: the portal opens on it. */
  directoryId?: string;
  /** Where "Back to <app>" goes, if the host app gave one. */
  returnUrl?: string;
  /** Sent by the page with every state-changing request (double submit). */
  csrfToken: string;
  createdAt: string;
  /** When the session ends if it stays idle (sliding), never later than `absoluteExpiresAt`. */
  idleExpiresAt: string;
  absoluteExpiresAt: string;
}

export interface PortalLinks {
  /** Makes a single-use link for one organization (the host app's backend asks for it). */
  createLink(input: { organizationId: string; directoryId?: string; returnUrl?: string }): Promise<PortalLink>;
  /** Uses a link up: a new session, or `linkInvalid` if it is unknown, used or expired. */
  redeemLink(secret: string): Promise<PortalSession>;
  /** The live session of this id (sliding its idle expiry), or `sessionInvalid`. */
  getSession(sessionId: string): Promise<PortalSession>;
  /** Ends a session (sign out). */
  endSession(sessionId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Directories, tokens, users, groups, activity — scoped to the session's organization
// ---------------------------------------------------------------------------------------------

export interface PortalCounts {
  /** Users in all. */
  users: number;
  /** Users with access (`active` is not false). */
  activeUsers: number;
  groups: number;
}

/** A token as the admin service shows it, with a form to display in its place. */
export interface PortalTokenView extends TokenView {
  /** A masked form for display, e.g. `scimds_••••••••`: the value itself is never kept. */
  masked: string;
}

export interface PortalDirectory {
  id: string;
  name: string;
  provider: PortalProvider;
  status: 'active' | 'disabled' | 'deleting';
  /** The Endpoint URL (Tenant URL) to paste into the identity provider. */
  tenantUrl: string;
  created: string;
  counts: PortalCounts;
  requests: RequestStatus;
  tokens: PortalTokenView[];
}

/** A token just minted: shown once. */
export interface PortalMintedToken {
  tokenId: string;
  token: string;
  createdAt: string;
}

export interface PortalUser {
  id: string;
  userName: string;
  /** Formatted name, or given + family name. */
  name?: string;
  /** Primary (else first) email. */
  email?: string;
  active: boolean;
  /** Direct groups: ids with display names where known. */
  groups: Array<{ id: string; display?: string }>;
  lastModified: string;
  created: string;
}

export interface PortalUserDetail extends PortalUser {
  externalId?: string;
  /** The SCIM resource as the service renders it (no secrets: `password` is never stored). */
  resource: Record<string, unknown>;
}

export interface PortalGroup {
  id: string;
  displayName: string;
  externalId?: string;
  memberCount: number;
  lastModified: string;
  created: string;
}

export interface PortalMember {
  id: string;
  type: 'User' | 'Group';
  /** userName / displayName of the member. */
  display?: string;
}

export interface PortalPage<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
  /** How many there are in all, where that is known without counting. */
  totalResults?: number;
}

export interface PortalDirectories {
  listDirectories(organizationId: string): Promise<PortalDirectory[]>;
  getDirectory(organizationId: string, directoryId: string): Promise<PortalDirectory>;
  /**
   * "Configure": creates a directory for the provider when `directoryId` is not given, and mints a
   * token when the directory has no live one. Configuring a directory that already has a live token
   * returns no token (the page then offers "Generate a new token").
   */
  configure(
    organizationId: string,
    input: { provider: PortalProvider; directoryId?: string; name?: string },
  ): Promise<{ directory: PortalDirectory; token?: PortalMintedToken }>;
  /** Rotation with the 7-day grace of the CLI: the old token keeps working for 7 days. */
  rotateToken(organizationId: string, directoryId: string): Promise<PortalMintedToken>;
  revokeToken(organizationId: string, directoryId: string, tokenId: string): Promise<PortalTokenView>;
  disableDirectory(organizationId: string, directoryId: string): Promise<PortalDirectory>;
  enableDirectory(organizationId: string, directoryId: string): Promise<PortalDirectory>;
  /** Starts the deletion (it carries on in the background); `confirmName` must equal the directory's name. */
  deleteDirectory(organizationId: string, directoryId: string, confirmName: string): Promise<void>;

  listUsers(organizationId: string, directoryId: string, options: { limit: number; cursor?: string; search?: string }): Promise<PortalPage<PortalUser>>;
  getUser(organizationId: string, directoryId: string, userId: string): Promise<PortalUserDetail>;
  listGroups(organizationId: string, directoryId: string, options: { limit: number; cursor?: string; search?: string }): Promise<PortalPage<PortalGroup>>;
  getGroup(organizationId: string, directoryId: string, groupId: string): Promise<PortalGroup>;
  listMembers(organizationId: string, directoryId: string, groupId: string, options: { limit: number; cursor?: string }): Promise<PortalPage<PortalMember>>;
  listActivity(
    organizationId: string,
    directoryId: string,
    options: { limit: number; cursor?: string; outcome?: ActivityOutcome },
  ): Promise<PortalPage<ActivityEntry>>;
}
