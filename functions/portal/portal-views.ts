/**
 * From SCIM resources, as the directory service renders them, to the portal's views; and the
 * SCIM filters behind the portal's search boxes.
 */
import { isJsonObject } from '../core/json.ts';
import type { ListResponse } from '../core/list-response.ts';
import type { PortalGroup, PortalUser } from './ports.ts';

/** A rendered SCIM resource. */
export type ScimResource = Record<string, unknown>;

/** What the directory service's `list` answers. */
export type ListResponseBody = ListResponse<ScimResource>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function record(value: unknown): Record<string, unknown> {
  return isJsonObject(value) ? value : {};
}

function meta(resource: ScimResource): { created: string; lastModified: string } {
  const m = record(resource.meta);
  return { created: String(m.created ?? ''), lastModified: String(m.lastModified ?? '') };
}

/** `name.formatted`, else given and family name (RFC 7643 §4.1.1). */
function personName(resource: ScimResource): string | undefined {
  const name = record(resource.name);
  const formatted = text(name.formatted);
  if (formatted !== undefined) return formatted;
  const parts = [text(name.givenName), text(name.familyName)].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? parts.join(' ') : text(resource.displayName);
}

/** The primary email, else the first (RFC 7643 §4.1.2). */
function primaryEmail(resource: ScimResource): string | undefined {
  const emails = Array.isArray(resource.emails) ? resource.emails.map(record) : [];
  return text((emails.find((email) => email.primary === true) ?? emails[0])?.value);
}

/** A user row: groups by id only (names cost a read, which only the detail page spends). */
export function toPortalUser(resource: ScimResource): PortalUser {
  const groups = Array.isArray(resource.groups) ? resource.groups.map(record).flatMap((group) => (typeof group.value === 'string' ? [{ id: group.value }] : [])) : [];
  const name = personName(resource);
  const email = primaryEmail(resource);
  return {
    id: String(resource.id),
    userName: String(resource.userName ?? ''),
    ...(name === undefined ? {} : { name }),
    ...(email === undefined ? {} : { email }),
    // RFC 7643 §4.1.1: absent `active` is not "disabled"; the counters count it as active too.
    active: resource.active !== false,
    groups,
    ...meta(resource),
  };
}

export function toPortalGroup(resource: ScimResource, memberCount: number): PortalGroup {
  const externalId = text(resource.externalId);
  return {
    id: String(resource.id),
    displayName: String(resource.displayName ?? ''),
    ...(externalId === undefined ? {} : { externalId }),
    memberCount,
    ...meta(resource),
  };
}

/**
 * The SCIM filter behind the users search box: the text as a JSON string literal (RFC 7644
 * §3.4.2.2 compValue), so quotes and backslashes in it cannot change the filter's meaning.
 */
export function userSearchFilter(search: string): string {
  const value = JSON.stringify(search);
  return `userName co ${value} or displayName co ${value} or emails.value co ${value}`;
}

export function groupSearchFilter(search: string): string {
  return `displayName co ${JSON.stringify(search)}`;
}
