/**
 * The one normalised shape of a user and a group that the host app works with, whether it comes
 * from the Directory API (`/api/v1`, docs/host-api.md) or from a change event: so a host app
 * writes one mapper for its backfill and for its event consumer.
 *
 * The shape is computed from the SCIM resource (RFC 7643 §4.1 / §4.2) by {@link normalizeUser}
 * and {@link normalizeGroup}; the API applies them to the stored resource and
 * {@link resourceOfEvent} applies them to an event's `user` / `group`, so both sides produce the
 * same object. Like the rest of this package it imports nothing but zod.
 */
import * as z from 'zod';
import type { DirectoryEvent } from './detail.ts';

/** URN of the enterprise user extension (RFC 7643 §4.3). */
export const ENTERPRISE_USER_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const timestamp = z.iso.datetime({ offset: true });

const email = z.looseObject({
  value: z.string(),
  type: z.string().optional(),
  primary: z.boolean().optional(),
});

const personName = z.looseObject({
  formatted: z.string().optional(),
  givenName: z.string().optional(),
  familyName: z.string().optional(),
  middleName: z.string().optional(),
  honorificPrefix: z.string().optional(),
  honorificSuffix: z.string().optional(),
});

const enterprise = z
  .looseObject({
    employeeNumber: z.string().optional(),
    costCenter: z.string().optional(),
    organization: z.string().optional(),
    division: z.string().optional(),
    department: z.string().optional(),
    /** The manager's user id in the same directory. */
    managerId: z.string().optional(),
  })
  .meta({ description: `Attributes of the enterprise extension (${ENTERPRISE_USER_URN}); the manager as an id` });

const resourceCommon = {
  id: z.string(),
  directoryId: z.string(),
  organizationId: z.string().nullable(),
  externalId: z.string().optional(),
  version: z.number().int().positive().meta({ description: 'Raised by every change; keep the highest seen' }),
  created: timestamp,
  lastModified: timestamp,
  raw: z.record(z.string(), z.unknown()).meta({ description: 'The SCIM resource as stored and rendered (RFC 7643)' }),
};

/** A user as the host app sees it. */
export const directoryUserSchema = z
  .looseObject({
    ...resourceCommon,
    userName: z.string(),
    displayName: z.string().optional(),
    name: personName.optional(),
    emails: z.array(email),
    /** Absent `active` in SCIM means active. */
    active: z.boolean(),
    enterprise: enterprise.optional(),
  })
  .meta({ title: 'DirectoryUser' });

/** A group as the host app sees it (members are listed apart: a group may have 100,000). */
export const directoryGroupSchema = z
  .looseObject({
    ...resourceCommon,
    displayName: z.string(),
  })
  .meta({ title: 'DirectoryGroup' });

export type DirectoryUser = z.infer<typeof directoryUserSchema>;
export type DirectoryGroup = z.infer<typeof directoryGroupSchema>;

/** Where a resource lives, which the SCIM representation itself does not say. */
export interface ResourceContext {
  directoryId: string;
  organizationId: string | null;
}

type ScimObject = Record<string, unknown>;

const isObject = (value: unknown): value is ScimObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The version number of a weak ETag `W/"<n>"` (RFC 7643 §3.1 meta.version). */
export function versionOfEtag(etag: unknown): number {
  const match = typeof etag === 'string' ? /^(?:W\/)?"(\d+)"$/.exec(etag.trim()) : null;
  if (match === null) throw new TypeError('meta.version is not an entity tag of this service');
  return Number(match[1]);
}

function withDefined<T extends ScimObject>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

function commonOf(resource: ScimObject, context: ResourceContext) {
  const meta = isObject(resource.meta) ? resource.meta : {};
  return withDefined({
    id: String(resource.id),
    directoryId: context.directoryId,
    organizationId: context.organizationId,
    externalId: stringOf(resource.externalId),
    version: versionOfEtag(meta.version),
    created: String(meta.created),
    lastModified: String(meta.lastModified),
    raw: resource,
  });
}

/** The normalised user of a SCIM User (as the service renders it, `meta` included). */
export function normalizeUser(resource: ScimObject, context: ResourceContext): DirectoryUser {
  const emails = Array.isArray(resource.emails)
    ? resource.emails.filter(isObject).flatMap((item) => {
        const value = stringOf(item.value);
        if (value === undefined) return [];
        return [withDefined({ value, type: stringOf(item.type), primary: typeof item.primary === 'boolean' ? item.primary : undefined })];
      })
    : [];
  const extension = resource[ENTERPRISE_USER_URN];
  let enterpriseAttributes: DirectoryUser['enterprise'];
  if (isObject(extension)) {
    const { manager, ...rest } = extension;
    enterpriseAttributes = withDefined({ ...rest, managerId: isObject(manager) ? stringOf(manager.value) : undefined });
  }
  return withDefined({
    ...commonOf(resource, context),
    userName: String(resource.userName),
    displayName: stringOf(resource.displayName),
    name: isObject(resource.name) ? resource.name : undefined,
    emails,
    active: resource.active !== false,
    enterprise: enterpriseAttributes,
  }) as DirectoryUser;
}

/** The normalised group of a SCIM Group (its `members`, if rendered, are left in `raw` only). */
export function normalizeGroup(resource: ScimObject, context: ResourceContext): DirectoryGroup {
  return withDefined({ ...commonOf(resource, context), displayName: String(resource.displayName) }) as DirectoryGroup;
}

/** What a user or group event says about its resource, in the normalised shape. */
export type EventResource =
  | { kind: 'user'; deleted: boolean; user: DirectoryUser }
  | { kind: 'group'; deleted: boolean; group: DirectoryGroup };

/**
 * The normalised user or group an event carries (its state after the change; for a delete, its
 * last state), or undefined for membership and directory events. A truncated event carries only
 * identifiers: fetch the resource from the API instead.
 */
export function resourceOfEvent(event: DirectoryEvent): EventResource | undefined {
  const context = { directoryId: event.directoryId, organizationId: event.organizationId };
  if ('user' in event) return { kind: 'user', deleted: event.type === 'user.deleted', user: normalizeUser(event.user as ScimObject, context) };
  if ('group' in event) return { kind: 'group', deleted: event.type === 'group.deleted', group: normalizeGroup(event.group as ScimObject, context) };
  return undefined;
}
