/**
 * Turns stored resources into their SCIM JSON representation (RFC 7643 §3): common attributes,
 * `meta` with the weak ETag, and the derived `groups` / `members` attributes.
 */
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../core/schemas/index.ts';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
import type { MemberRef, ResourceType, StoredResource } from './repository.ts';

/** The ETag of a version: weak, since the representation varies with attributes/excludedAttributes. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/**
 * Parses an If-Match header (RFC 7232 §3.1): `*`, or a list of entity tags. Returns true when the
 * current version satisfies it. Weak and strong forms of the same tag are treated alike.
 */
export function ifMatchSatisfied(header: string, version: number): boolean {
  const value = header.trim();
  if (value === '*') return true;
  return value
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//i, '').replace(/^"(.*)"$/, '$1'))
    .includes(String(version));
}

/** Path segment of a resource type's endpoint. */
export function endpointOf(type: ResourceType): 'Users' | 'Groups' {
  return type === 'User' ? 'Users' : 'Groups';
}

/** `meta.location` of a resource. `baseUrl` is the directory's Tenant URL. */
export function locationOf(baseUrl: string, type: ResourceType, id: string): string {
  return `${baseUrl}/${endpointOf(type)}/${id}`;
}

/**
 * The full SCIM representation of a stored resource. `members` is rendered only when given
 * (a group's members are loaded only when the response needs them).
 */
export function renderResource(type: ResourceType, resource: StoredResource, baseUrl: string, members?: MemberRef[]): Record<string, unknown> {
  const { schemas, externalId, ...attributes } = resource.attributes;
  const rendered: Record<string, unknown> = {
    schemas: Array.isArray(schemas) && schemas.length > 0 ? schemas : [type === 'User' ? USER_SCHEMA : GROUP_SCHEMA],
    id: resource.id,
  };
  if (externalId !== undefined) rendered.externalId = externalId;
  Object.assign(rendered, attributes);
  const enterprise = attributes[ENTERPRISE_USER_SCHEMA];
  if (type === 'User' && isRecord(enterprise) && isRecord(enterprise.manager) && typeof enterprise.manager.value === 'string') {
    // RFC 7643 §4.3: the manager's $ref is the manager's location, rendered here, never stored.
    const { $ref: _stored, ...manager } = enterprise.manager;
    rendered[ENTERPRISE_USER_SCHEMA] = { ...enterprise, manager: { ...manager, $ref: locationOf(baseUrl, 'User', enterprise.manager.value) } };
  }
  if (type === 'User' && resource.memberOf.length > 0) {
    // RFC 7643 §4.1.2: groups is readOnly and lists direct memberships only here.
    rendered.groups = resource.memberOf.map((groupId) => ({
      value: groupId,
      $ref: locationOf(baseUrl, 'Group', groupId),
      type: 'direct',
    }));
  }
  if (members !== undefined) {
    rendered.members = members.map((member) => ({
      value: member.id,
      $ref: locationOf(baseUrl, member.type, member.id),
      type: member.type,
      ...(member.display === undefined ? {} : { display: member.display }),
    }));
  }
  rendered.meta = {
    resourceType: type,
    created: resource.created,
    lastModified: resource.lastModified,
    location: locationOf(baseUrl, type, resource.id),
    version: etagOf(resource.version),
  };
  return rendered;
}
