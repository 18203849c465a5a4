/**
 * The page's only way to the server: same-origin JSON requests to the portal API, with the
 * session's CSRF token on every state-changing request and a time limit on every call.
 */
import type { ActivityEntry } from '../../activity/activity.ts';
import type {
  PortalDirectory,
  PortalGroup,
  PortalMember,
  PortalMintedToken,
  PortalPage,
  PortalTokenView,
  PortalUser,
  PortalUserDetail,
} from '../ports.ts';

export type { ActivityEntry, PortalDirectory, PortalGroup, PortalMember, PortalMintedToken, PortalPage, PortalTokenView, PortalUser, PortalUserDetail };

export interface SessionInfo {
  organizationId: string;
  directoryId?: string;
  returnUrl?: string;
  csrfToken: string;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
  branding: { appName: string; logoUrl?: string; accentColor?: string };
  /** Minutes without a request after which the connection is shown as a warning. */
  staleAfterMinutes: number;
}

/** A refusal or failure, with words for the person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 20_000;
let csrfToken = '';

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`api/${path}`, {
      method,
      credentials: 'same-origin',
      headers: method === 'POST' ? { 'Content-Type': 'application/json', 'X-Portal-CSRF': csrfToken } : {},
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new ApiError(0, 'network', 'The Admin Portal could not be reached. Check your connection and try again.');
  }
  const payload = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  if (!response.ok) {
    const error = payload?.error;
    throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? `The request failed (${response.status}). Try again.`);
  }
  return payload as T;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const dir = (id: string) => `directories/${encodeURIComponent(id)}`;

export const api = {
  async session(): Promise<SessionInfo> {
    const session = await call<SessionInfo>('GET', 'session');
    csrfToken = session.csrfToken;
    return session;
  },
  signOut: () => call<unknown>('POST', 'signout'),
  directories: () => call<{ items: PortalDirectory[] }>('GET', 'directories'),
  directory: (id: string) => call<PortalDirectory>('GET', dir(id)),
  configure: (provider: string, directoryId?: string) =>
    call<{ directory: PortalDirectory; token?: PortalMintedToken }>('POST', 'directories', { provider, ...(directoryId === undefined ? {} : { directoryId }) }),
  rotate: (id: string) => call<{ token: PortalMintedToken }>('POST', `${dir(id)}/tokens`),
  revoke: (id: string, tokenId: string) => call<{ token: PortalTokenView }>('POST', `${dir(id)}/tokens/${encodeURIComponent(tokenId)}/revoke`),
  disable: (id: string) => call<PortalDirectory>('POST', `${dir(id)}/disable`),
  enable: (id: string) => call<PortalDirectory>('POST', `${dir(id)}/enable`),
  remove: (id: string, confirmName: string) => call<unknown>('POST', `${dir(id)}/delete`, { confirmName }),
  users: (id: string, options: { search?: string; cursor?: string }) => call<PortalPage<PortalUser>>('GET', `${dir(id)}/users${query(options)}`),
  user: (id: string, userId: string) => call<PortalUserDetail>('GET', `${dir(id)}/users/${encodeURIComponent(userId)}`),
  groups: (id: string, options: { search?: string; cursor?: string }) => call<PortalPage<PortalGroup>>('GET', `${dir(id)}/groups${query(options)}`),
  group: (id: string, groupId: string) => call<PortalGroup>('GET', `${dir(id)}/groups/${encodeURIComponent(groupId)}`),
  members: (id: string, groupId: string, cursor?: string) =>
    call<PortalPage<PortalMember>>('GET', `${dir(id)}/groups/${encodeURIComponent(groupId)}/members${query({ cursor })}`),
  activity: (id: string, options: { outcome?: string; cursor?: string }) => call<PortalPage<ActivityEntry>>('GET', `${dir(id)}/activity${query(options)}`),
};
