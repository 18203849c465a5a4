/**
 * The Admin Portal's HTTP edge, apart from how requests arrive (API Gateway in AWS, the loopback
 * server locally): opening a one-time link, the session cookie, CSRF checks, security headers,
 * the page shell, its static assets, and the JSON API the page calls (`portal-api.ts`).
 *
 * Routes, relative to the portal's base path (`/portal`):
 * - `GET /open?link=…`  uses the link up, sets the session cookie, and sends the browser to the app
 * - `GET /`, `GET /index.html`  the page (the app routes with the URL fragment)
 * - `GET /assets/<name>`  the page's script and stylesheet
 * - `/api/…`  the JSON API (`portal-api.ts`); `POST` requests need the session's CSRF token
 */
import { timingSafeEqual } from 'node:crypto';
import { isPortalError, type PortalDirectories, type PortalLinks, type PortalSession } from './ports.ts';
import { handlePortalApi, type ApiReply } from './portal-api.ts';
import { expiredLinkPage, pageShell, signedOutPage, type PortalBranding } from './pages.ts';

/** A request as the portal sees it. Header names are lower case; `path` is below the portal's base path. */
export interface PortalRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
  /** The request id the access log carries. */
  requestId: string;
  /** The path the browser sees the portal under (e.g. `/v1/portal`, locally `/portal`). */
  basePath: string;
}

export interface PortalResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** Set-Cookie values (each its own header). */
  cookies: string[];
  body: string;
}

/** The page's static files, built from `functions/portal/ui` by `ui-build.ts`. */
export type PortalAssets = ReadonlyMap<string, { contentType: string; body: string }>;

export interface PortalHttpOptions {
  links: PortalLinks;
  directories: PortalDirectories;
  assets: PortalAssets;
  branding: PortalBranding;
  /** Minutes without a request after which the page warns that none came. @default 120 (Entra ID's cycle is about 40 minutes) */
  staleAfterMinutes?: number;
  /** Origins allowed to show the portal in an iframe; none by default (`frame-ancestors 'none'`). */
  frameAncestors?: readonly string[];
  /** Logs failures the portal cannot explain (never a secret, never a body). */
  logError?: (message: string, attributes: Record<string, unknown>) => void;
}

/** Name of the session cookie. */
export const SESSION_COOKIE = 'scimds_portal_session';
/** Header the page sends its CSRF token in. */
export const CSRF_HEADER = 'x-portal-csrf';

/** Entra ID runs a cycle about every 40 minutes: no request for three cycles is worth a warning. */
export const DEFAULT_STALE_AFTER_MINUTES = 120;

/** The session cookie lives no longer than the longest session (6 hours). */
const COOKIE_MAX_AGE_SECONDS = 6 * 60 * 60;

/**
 * Content-Security-Policy of every response: only this origin's own script and style, no inline
 * code, no plugins, no framing unless origins were allowed. A logo on another origin is the one
 * image source added.
 */
export function contentSecurityPolicy(options: { frameAncestors?: readonly string[]; logoUrl?: string }): string {
  const images = ["'self'", 'data:'];
  if (options.logoUrl !== undefined) images.push(new URL(options.logoUrl).origin);
  const ancestors = options.frameAncestors !== undefined && options.frameAncestors.length > 0 ? options.frameAncestors.join(' ') : "'none'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${images.join(' ')}`,
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

function securityHeaders(options: PortalHttpOptions, contentType: string, cache: 'none' | 'asset'): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': contentSecurityPolicy({
      ...(options.frameAncestors === undefined ? {} : { frameAncestors: options.frameAncestors }),
      ...(options.branding.logoUrl === undefined ? {} : { logoUrl: options.branding.logoUrl }),
    }),
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    ...(options.frameAncestors === undefined || options.frameAncestors.length === 0 ? { 'X-Frame-Options': 'DENY' } : {}),
    // Pages and API answers may show a token: never cached. Assets change only with a deploy.
    'Cache-Control': cache === 'asset' ? 'public, max-age=300' : 'no-store',
    ...(cache === 'asset' ? {} : { Pragma: 'no-cache' }),
  };
}

function cookieValue(headers: Record<string, string>, name: string): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Builds the portal's request handler.
 *
 * @example
 * const portal = createPortalHttp({ links, directories, assets, branding: { appName: 'Hero SaaS' } });
 * const response = await portal({ method: 'GET', path: '/', query: {}, headers: {}, requestId: 'r1', basePath: '/portal' });
 */
export function createPortalHttp(options: PortalHttpOptions) {
  const staleAfterMinutes = options.staleAfterMinutes ?? DEFAULT_STALE_AFTER_MINUTES;
  // Embedding in another site's iframe is a cross-site context: the cookie must then be SameSite=None.
  const sameSite = options.frameAncestors !== undefined && options.frameAncestors.length > 0 ? 'None' : 'Lax';

  const respond = (statusCode: number, contentType: string, body: string, extra: Partial<PortalResponse> = {}, cache: 'none' | 'asset' = 'none'): PortalResponse => ({
    statusCode,
    headers: { ...securityHeaders(options, contentType, cache), ...extra.headers },
    cookies: extra.cookies ?? [],
    body,
  });
  const html = (statusCode: number, body: string, extra: Partial<PortalResponse> = {}) => respond(statusCode, 'text/html; charset=utf-8', body, extra);
  const json = (reply: ApiReply) => respond(reply.status, 'application/json; charset=utf-8', JSON.stringify(reply.body));
  const sessionCookie = (request: PortalRequest, value: string, maxAge: number) =>
    `${SESSION_COOKIE}=${value}; Path=${request.basePath}/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=${sameSite}`;

  async function currentSession(request: PortalRequest): Promise<PortalSession | undefined> {
    const id = cookieValue(request.headers, SESSION_COOKIE);
    if (id === undefined || id === '') return undefined;
    try {
      return await options.links.getSession(id);
    } catch (error) {
      if (isPortalError(error) && error.code === 'sessionInvalid') return undefined;
      throw error;
    }
  }

  async function open(request: PortalRequest): Promise<PortalResponse> {
    const secret = request.query.link ?? '';
    let session: PortalSession;
    try {
      session = await options.links.redeemLink(secret);
    } catch (error) {
      if (isPortalError(error) && (error.code === 'linkInvalid' || error.code === 'invalidInput')) {
        return html(410, expiredLinkPage(options.branding));
      }
      throw error;
    }
    const target = `${request.basePath}/${session.directoryId === undefined ? '' : `#/directories/${encodeURIComponent(session.directoryId)}`}`;
    return html(303, '', { headers: { Location: target }, cookies: [sessionCookie(request, session.sessionId, COOKIE_MAX_AGE_SECONDS)] });
  }

  /** A state-changing request must come from the page itself: same-site fetch, JSON, and the session's CSRF token. */
  function csrfRefusal(request: PortalRequest, session: PortalSession): string | undefined {
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return 'Requests from other sites are refused';
    const presented = request.headers[CSRF_HEADER] ?? '';
    if (!sameText(presented, session.csrfToken)) return 'The page is out of date: reload it and try again';
    const contentType = request.headers['content-type'] ?? '';
    if (request.body !== undefined && request.body !== '' && !/^application\/json\s*(;|$)/i.test(contentType)) return 'Send JSON';
    return undefined;
  }

  async function api(request: PortalRequest): Promise<PortalResponse> {
    const session = await currentSession(request);
    if (session === undefined) {
      return json({ status: 401, body: { error: { code: 'sessionInvalid', message: `Your session has ended. Open the Admin Portal again from ${options.branding.appName}.` } } });
    }
    if (request.method !== 'GET') {
      const refusal = csrfRefusal(request, session);
      if (refusal !== undefined) return json({ status: 403, body: { error: { code: 'forbidden', message: refusal } } });
    }
    if (request.method === 'POST' && request.path === '/api/signout') {
      await options.links.endSession(session.sessionId);
      return { ...json({ status: 200, body: { signedOut: true } }), cookies: [sessionCookie(request, '', 0)] };
    }
    return json(await handlePortalApi(request, session, { directories: options.directories, branding: options.branding, staleAfterMinutes }));
  }

  return async function handlePortalRequest(request: PortalRequest): Promise<PortalResponse> {
    const path = request.path;
    try {
      // The cookie's path is the portal's folder: `/portal` without the slash would not carry it.
      if (path === '') return html(308, '', { headers: { Location: `${request.basePath}/` } });
      if (path.startsWith('/api/')) return await api({ ...request, path });
      if (request.method !== 'GET' && request.method !== 'HEAD') return html(405, signedOutPage(options.branding, 'This address only shows a page.'), { headers: { Allow: 'GET' } });
      if (path === '/open') return await open(request);
      if (path.startsWith('/assets/')) {
        const asset = options.assets.get(path.slice('/assets/'.length));
        return asset === undefined ? html(404, signedOutPage(options.branding, 'There is no such page.')) : respond(200, asset.contentType, asset.body, {}, 'asset');
      }
      if (path === '/' || path === '/index.html') {
        const session = await currentSession(request);
        return session === undefined ? html(401, signedOutPage(options.branding)) : html(200, pageShell(options.branding));
      }
      return html(404, signedOutPage(options.branding, 'There is no such page.'));
    } catch (error) {
      options.logError?.('portal request failed', {
        requestId: request.requestId,
        method: request.method,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      const message = 'Something went wrong on our side. Try again in a minute.';
      return path.startsWith('/api/')
        ? json({ status: 500, body: { error: { code: 'internal', message, requestId: request.requestId } } })
        : html(500, signedOutPage(options.branding, message));
    }
  };
}
