/**
 * Admin Portal links and sessions (`PortalLinks`).
 *
 * The host app's backend asks for a link for one organization; the IT admin's browser opens it
 * once and gets a session bound to that organization. Both secrets are 256 random bits, handed
 * out once and stored only as their SHA-256 (a fast hash is enough for a 256-bit random value,
 * for the reason given at `hashToken`). A link lives 5 minutes and is used up atomically; a
 * session ends after 1 hour idle or 6 hours in all, whichever comes first.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { DirectoryStore } from '../admin/directory-store.ts';
import { hashToken } from '../auth/token-format.ts';
import { checkDirectoryId, checkOrganizationId, checkReturnUrl, directoryNotFound } from './portal-input.ts';
import {
  PORTAL_LINK_TTL_MS,
  PORTAL_SESSION_IDLE_MS,
  PORTAL_SESSION_MAX_MS,
  PortalError,
  type PortalLink,
  type PortalLinks,
  type PortalSession,
} from './ports.ts';

/** A session's idle expiry moves at most this often, so a busy page costs one write a minute, not one per request. */
export const SESSION_SLIDE_INTERVAL_MS = 60_000;

/** 32 random bytes as base64url: 43 characters. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A link as stored (under the hash of its secret). */
export interface StoredPortalLink {
  organizationId: string;
  directoryId?: string;
  returnUrl?: string;
  createdAt: string;
  /** ISO time after which the link no longer opens anything. */
  validUntil: string;
}

/** A session as stored (under the hash of its id): everything but the id and the CSRF token. */
export interface StoredPortalSession {
  organizationId: string;
  directoryId?: string;
  returnUrl?: string;
  createdAt: string;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
}

/** Storage of links and sessions, by the SHA-256 (hex) of their secret. */
export interface PortalLinkStore {
  putLink(secretHash: string, link: StoredPortalLink): Promise<void>;
  /** Removes and answers the link if it is still valid at `now`; undefined if unknown, used or expired. */
  takeLink(secretHash: string, now: string): Promise<StoredPortalLink | undefined>;
  putSession(sessionHash: string, session: StoredPortalSession): Promise<void>;
  getSession(sessionHash: string): Promise<StoredPortalSession | undefined>;
  /** Sets the idle expiry to `to` if it still is `from`; false otherwise. */
  slideSession(sessionHash: string, from: string, to: string): Promise<boolean>;
  deleteSession(sessionHash: string): Promise<void>;
}

export interface PortalLinkServiceOptions {
  store: PortalLinkStore;
  /** To check that a link's directory belongs to its organization. */
  directories: Pick<DirectoryStore, 'get'>;
  /** Where the portal is served, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/v1/portal`. */
  portalBaseUrl: string;
  /** Clock in epoch milliseconds (tests inject one). */
  now?: () => number;
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The CSRF token of a session, derived from its id rather than stored: only the holder of the
 * session cookie can compute it, and the table keeps no value a page would accept. HMAC keeps it
 * apart from the stored SHA-256 of the id.
 */
function csrfTokenOf(sessionId: string): string {
  return createHmac('sha256', sessionId).update('scim-directory-sync portal csrf').digest('base64url');
}

function linkInvalid(): PortalError {
  return new PortalError('linkInvalid', 'This link is not valid: it was already used, has expired or was never issued. Ask the app for a new one.');
}

function sessionInvalid(): PortalError {
  return new PortalError('sessionInvalid', 'Your session has ended. Open the portal again from the app.');
}

const optional = <K extends string>(key: K, value: string | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, string>));

/**
 * Links and sessions over a `PortalLinkStore`.
 *
 * @example
 * const links = new PortalLinkService({ store: new PortalRepository(db, table), directories, portalBaseUrl });
 * const { url } = await links.createLink({ organizationId: 'org_42' }); // give url to the IT admin
 * const session = await links.redeemLink(secretFromUrl);
 */
export class PortalLinkService implements PortalLinks {
  readonly #store: PortalLinkStore;
  readonly #directories: Pick<DirectoryStore, 'get'>;
  readonly #openUrl: string;
  readonly #now: () => number;

  constructor(options: PortalLinkServiceOptions) {
    this.#store = options.store;
    this.#directories = options.directories;
    this.#openUrl = `${options.portalBaseUrl.replace(/\/+$/, '')}/open`;
    this.#now = options.now ?? Date.now;
  }

  async createLink(input: { organizationId: string; directoryId?: string; returnUrl?: string }): Promise<PortalLink> {
    const organizationId = checkOrganizationId(input.organizationId);
    const returnUrl = input.returnUrl === undefined ? undefined : checkReturnUrl(input.returnUrl);
    const directoryId = input.directoryId === undefined ? undefined : checkDirectoryId(input.directoryId);
    if (directoryId !== undefined) {
      const directory = await this.#directories.get(directoryId);
      if (directory === undefined || directory.organizationId !== organizationId) throw directoryNotFound(directoryId);
    }
    const nowMs = this.#now();
    const secret = newSecret();
    const link: StoredPortalLink = {
      organizationId,
      ...optional('directoryId', directoryId),
      ...optional('returnUrl', returnUrl),
      createdAt: new Date(nowMs).toISOString(),
      validUntil: new Date(nowMs + PORTAL_LINK_TTL_MS).toISOString(),
    };
    await this.#store.putLink(hashToken(secret), link);
    return {
      url: `${this.#openUrl}?${new URLSearchParams({ link: secret }).toString()}`,
      organizationId,
      ...optional('directoryId', directoryId),
      expiresAt: link.validUntil,
    };
  }

  async redeemLink(secret: string): Promise<PortalSession> {
    // A value that cannot be a link costs no read.
    if (typeof secret !== 'string' || !SECRET_PATTERN.test(secret)) throw linkInvalid();
    const nowMs = this.#now();
    const link = await this.#store.takeLink(hashToken(secret), new Date(nowMs).toISOString());
    if (link === undefined) throw linkInvalid();
    const sessionId = newSecret();
    const stored: StoredPortalSession = {
      organizationId: link.organizationId,
      ...optional('directoryId', link.directoryId),
      ...optional('returnUrl', link.returnUrl),
      createdAt: new Date(nowMs).toISOString(),
      idleExpiresAt: new Date(nowMs + PORTAL_SESSION_IDLE_MS).toISOString(),
      absoluteExpiresAt: new Date(nowMs + PORTAL_SESSION_MAX_MS).toISOString(),
    };
    await this.#store.putSession(hashToken(sessionId), stored);
    return { sessionId, csrfToken: csrfTokenOf(sessionId), ...stored };
  }

  async getSession(sessionId: string): Promise<PortalSession> {
    if (typeof sessionId !== 'string' || !SECRET_PATTERN.test(sessionId)) throw sessionInvalid();
    const hash = hashToken(sessionId);
    const nowMs = this.#now();
    let stored = await this.#store.getSession(hash);
    if (stored === undefined || !isLive(stored, nowMs)) throw sessionInvalid();
    const slidTo = Math.min(nowMs + PORTAL_SESSION_IDLE_MS, Date.parse(stored.absoluteExpiresAt));
    if (slidTo - Date.parse(stored.idleExpiresAt) >= SESSION_SLIDE_INTERVAL_MS) {
      const to = new Date(slidTo).toISOString();
      if (await this.#store.slideSession(hash, stored.idleExpiresAt, to)) {
        stored = { ...stored, idleExpiresAt: to };
      } else {
        // Another request slid it first, or the session was ended meanwhile.
        stored = await this.#store.getSession(hash);
        if (stored === undefined || !isLive(stored, nowMs)) throw sessionInvalid();
      }
    }
    return { sessionId, csrfToken: csrfTokenOf(sessionId), ...stored };
  }

  async endSession(sessionId: string): Promise<void> {
    if (typeof sessionId !== 'string' || !SECRET_PATTERN.test(sessionId)) return;
    await this.#store.deleteSession(hashToken(sessionId));
  }
}

function isLive(session: StoredPortalSession, nowMs: number): boolean {
  return nowMs < Date.parse(session.idleExpiresAt) && nowMs < Date.parse(session.absoluteExpiresAt);
}
