/**
 * The host app's Directory API under `/api/v1` (docs/host-api.md): a request in, one service call,
 * a JSON response out. API Gateway has already checked the caller's IAM signature; errors use the
 * RFC 7644 §3.12 body like every other route of the API.
 */
import * as z from 'zod';
import { ScimError } from '../core/error.ts';
import { isPortalError, type PortalLinks } from '../portal/ports.ts';
import { replayWindow, type EventReplayer } from '../service/event-replay.ts';
import type { HostDirectoryReader } from '../service/host-directory-reader.ts';
import { HOST_API_ROOT } from './routes.ts';

/** A Directory API request, independent of how it arrived. */
export interface HostApiRequest {
  method: string;
  /** The route template, e.g. `/api/v1/directories/{directoryId}/users`. */
  route: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  /** The parsed JSON body of a POST. */
  body: unknown;
}

export interface HostApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** What the routes call. Replays and portal links are optional: without them those routes answer 501. */
export interface HostApiServices {
  reader: HostDirectoryReader;
  replays?: EventReplayer;
  portalLinks?: Pick<PortalLinks, 'createLink'>;
  now?: () => number;
}

const json = (statusCode: number, body: unknown): HostApiResponse => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

const portalLinkBody = z.strictObject({
  organizationId: z.string().min(1).max(1000),
  directoryId: z.string().min(1).max(128).optional(),
  returnUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
});

const replayBody = z.strictObject({ from: z.string(), to: z.string().optional() });

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw ScimError.of('invalidValue', `Invalid request body${issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}: ${issue.message}`}`);
  }
  return parsed.data;
}

/** Serves one `/api/v1` request. */
export async function handleHostApiRequest(request: HostApiRequest, services: HostApiServices): Promise<HostApiResponse> {
  const { reader } = services;
  const p = request.pathParameters;
  const q = request.query;
  const directoryId = p.directoryId ?? '';
  const scope = { organizationId: q.organizationId };
  const route = request.route.slice(HOST_API_ROOT.length);
  switch (route) {
    case '/directories':
      return json(200, await reader.listDirectories(scope));
    case '/directories/{directoryId}':
      return json(200, await reader.getDirectory(directoryId, scope));
    case '/directories/{directoryId}/users':
      return json(200, await reader.listUsers(directoryId, { ...scope, limit: q.limit, cursor: q.cursor, group: q.group, active: q.active, updatedSince: q.updatedSince }));
    case '/directories/{directoryId}/users/{userId}':
      return json(200, await reader.getUser(directoryId, p.userId ?? '', scope));
    case '/directories/{directoryId}/users/{userId}/groups':
      return json(200, await reader.listUserGroupIds(directoryId, p.userId ?? '', { ...scope, limit: q.limit, cursor: q.cursor }));
    case '/directories/{directoryId}/groups':
      return json(200, await reader.listGroups(directoryId, { ...scope, limit: q.limit, cursor: q.cursor, user: q.user }));
    case '/directories/{directoryId}/groups/{groupId}':
      return json(200, await reader.getGroup(directoryId, p.groupId ?? '', scope));
    case '/directories/{directoryId}/groups/{groupId}/members':
      return json(200, await reader.listMembers(directoryId, p.groupId ?? '', { ...scope, limit: q.limit, cursor: q.cursor }));
    case '/directories/{directoryId}/replays': {
      const body = parseBody(replayBody, request.body);
      const window = replayWindow(body, (services.now ?? Date.now)());
      // The directory must exist (and belong to the organization, when one is named).
      await reader.getDirectory(directoryId, scope);
      if (services.replays === undefined) throw new ScimError(501, 'Event replay is not available here: the service has no event archive');
      return json(202, await services.replays.replay({ directoryId, ...window }));
    }
    case '/portal-links': {
      const body = parseBody(portalLinkBody, request.body);
      if (body.directoryId !== undefined) await reader.getDirectory(body.directoryId, { organizationId: body.organizationId });
      if (services.portalLinks === undefined) throw new ScimError(501, 'The Admin Portal is not deployed with this service');
      try {
        return json(201, await services.portalLinks.createLink(body));
      } catch (error) {
        if (!isPortalError(error)) throw error;
        throw error.code === 'notFound' ? new ScimError(404, 'No such directory') : ScimError.of('invalidValue', error.message);
      }
    }
    default:
      throw new ScimError(404, 'No Directory API endpoint matches this method and path');
  }
}
