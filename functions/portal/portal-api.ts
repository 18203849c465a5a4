/**
 * The JSON API the portal's page calls. Every route acts for the session's organization only:
 * the organization comes from the session, never from the request, and a directory, user or group
 * outside it answers 404 like one that does not exist.
 */
import { jsonTextTooDeep } from '../core/json.ts';
import { isPortalError, type PortalDirectories, type PortalErrorCode, type PortalProvider, type PortalSession } from './ports.ts';
import type { PortalBranding } from './pages.ts';
import type { PortalRequest } from './portal-http.ts';

export interface ApiReply {
  status: number;
  body: unknown;
}

interface ApiContext {
  directories: PortalDirectories;
  branding: PortalBranding;
  staleAfterMinutes: number;
}

const PROVIDERS: readonly PortalProvider[] = ['entra', 'okta', 'onelogin', 'jumpcloud', 'generic'];
const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 100;
const MAX_BODY_BYTES = 16 * 1024;

/** HTTP status of each refusal. */
const STATUS_OF: Record<PortalErrorCode, number> = { notFound: 404, invalidInput: 400, conflict: 409, linkInvalid: 410, sessionInvalid: 401 };

class BadRequest extends Error {}

function failure(status: number, code: string, message: string): ApiReply {
  return { status, body: { error: { code, message } } };
}

function parseBody(request: PortalRequest): Record<string, unknown> {
  if (request.body === undefined || request.body.trim() === '') return {};
  if (Buffer.byteLength(request.body) > MAX_BODY_BYTES) throw new BadRequest('The request is too large');
  if (jsonTextTooDeep(request.body)) throw new BadRequest('The request nests lists and objects too deeply');
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    throw new BadRequest('The request is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequest('The request must be a JSON object');
  return parsed as Record<string, unknown>;
}

function optionalText(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 1000) throw new BadRequest(`${what} must be a text`);
  return value;
}

function pageOptions(query: Record<string, string>): { limit: number; cursor?: string } {
  const raw = query.limit;
  let limit = DEFAULT_PAGE_SIZE;
  if (raw !== undefined) {
    limit = Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new BadRequest(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  const cursor = optionalText(query.cursor, 'cursor');
  return cursor === undefined ? { limit } : { limit, cursor };
}

function searchOption(query: Record<string, string>): { search?: string } {
  const search = optionalText(query.search?.trim(), 'search');
  if (search !== undefined && search.length > 200) throw new BadRequest('Search for at most 200 characters');
  return search === undefined ? {} : { search };
}

/** `/api/directories/{id}/rest…` split into its parts; ids are URL-decoded. */
function segmentsOf(path: string): string[] | undefined {
  try {
    return path.split('/').filter((segment) => segment !== '').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

async function route(request: PortalRequest, session: PortalSession, context: ApiContext): Promise<ApiReply> {
  const { directories } = context;
  const org = session.organizationId;
  const method = request.method;
  const parts = segmentsOf(request.path);
  if (parts === undefined || parts[0] !== 'api') return failure(404, 'notFound', 'There is no such address');
  const [, collection, directoryId, sub, subId, leaf] = parts;

  if (collection === 'session' && parts.length === 2 && method === 'GET') {
    return {
      status: 200,
      body: {
        organizationId: org,
        ...(session.directoryId === undefined ? {} : { directoryId: session.directoryId }),
        ...(session.returnUrl === undefined ? {} : { returnUrl: session.returnUrl }),
        csrfToken: session.csrfToken,
        idleExpiresAt: session.idleExpiresAt,
        absoluteExpiresAt: session.absoluteExpiresAt,
        branding: context.branding,
        staleAfterMinutes: context.staleAfterMinutes,
      },
    };
  }
  if (collection !== 'directories') return failure(404, 'notFound', 'There is no such address');

  if (directoryId === undefined) {
    if (method === 'GET') return { status: 200, body: { items: await directories.listDirectories(org) } };
    if (method === 'POST') {
      const body = parseBody(request);
      const provider = body.provider;
      if (typeof provider !== 'string' || !(PROVIDERS as readonly string[]).includes(provider)) {
        throw new BadRequest(`Choose a provider: ${PROVIDERS.join(', ')}`);
      }
      const existing = optionalText(body.directoryId, 'directoryId');
      const name = optionalText(body.name, 'name');
      const configured = await directories.configure(org, {
        provider: provider as PortalProvider,
        ...(existing === undefined ? {} : { directoryId: existing }),
        ...(name === undefined ? {} : { name }),
      });
      return { status: existing === undefined ? 201 : 200, body: configured };
    }
    return failure(405, 'methodNotAllowed', 'This address takes GET or POST');
  }

  if (sub === undefined) {
    if (method === 'GET') return { status: 200, body: await directories.getDirectory(org, directoryId) };
    return failure(405, 'methodNotAllowed', 'This address takes GET');
  }

  if (method === 'POST') {
    if (sub === 'tokens' && subId === undefined) return { status: 201, body: { token: await directories.rotateToken(org, directoryId) } };
    if (sub === 'tokens' && subId !== undefined && leaf === 'revoke' && parts.length === 6) {
      return { status: 200, body: { token: await directories.revokeToken(org, directoryId, subId) } };
    }
    if (sub === 'disable' && parts.length === 4) return { status: 200, body: await directories.disableDirectory(org, directoryId) };
    if (sub === 'enable' && parts.length === 4) return { status: 200, body: await directories.enableDirectory(org, directoryId) };
    if (sub === 'delete' && parts.length === 4) {
      const confirmName = optionalText(parseBody(request).confirmName, 'confirmName') ?? '';
      await directories.deleteDirectory(org, directoryId, confirmName);
      return { status: 202, body: { deleting: true } };
    }
    return failure(404, 'notFound', 'There is no such action');
  }
  if (method !== 'GET') return failure(405, 'methodNotAllowed', 'This address takes GET');

  if (sub === 'users') {
    if (subId === undefined) return { status: 200, body: await directories.listUsers(org, directoryId, { ...pageOptions(request.query), ...searchOption(request.query) }) };
    if (parts.length === 5) return { status: 200, body: await directories.getUser(org, directoryId, subId) };
  }
  if (sub === 'groups') {
    if (subId === undefined) return { status: 200, body: await directories.listGroups(org, directoryId, { ...pageOptions(request.query), ...searchOption(request.query) }) };
    if (parts.length === 5) return { status: 200, body: await directories.getGroup(org, directoryId, subId) };
    if (leaf === 'members' && parts.length === 6) return { status: 200, body: await directories.listMembers(org, directoryId, subId, pageOptions(request.query)) };
  }
  if (sub === 'activity' && parts.length === 4) {
    const outcome = request.query.outcome;
    if (outcome !== undefined && outcome !== '' && outcome !== 'success' && outcome !== 'failure') throw new BadRequest('outcome is success or failure');
    return {
      status: 200,
      body: await directories.listActivity(org, directoryId, {
        ...pageOptions(request.query),
        ...(outcome === 'success' || outcome === 'failure' ? { outcome } : {}),
      }),
    };
  }
  return failure(404, 'notFound', 'There is no such address');
}

/** Answers one API request of a live session; refusals become `{ error: { code, message } }` bodies. */
export async function handlePortalApi(request: PortalRequest, session: PortalSession, context: ApiContext): Promise<ApiReply> {
  try {
    return await route(request, session, context);
  } catch (error) {
    if (error instanceof BadRequest) return failure(400, 'invalidInput', error.message);
    if (isPortalError(error)) return failure(STATUS_OF[error.code], error.code, error.message);
    throw error;
  }
}
