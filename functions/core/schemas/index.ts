/**
 * The schemas and resource types this service serves, and attribute lookup over them. One set
 * of definitions drives input validation, filtering, PATCH, projection and discovery.
 */
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from './attribute.ts';
import { COMMON_ATTRIBUTES } from './common.ts';
import { deepFreeze } from './define.ts';
import { ENTERPRISE_USER_SCHEMA_DEFINITION } from './enterprise-user.ts';
import { GROUP_SCHEMA_DEFINITION } from './group.ts';
import { USER_SCHEMA_DEFINITION } from './user.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, type ResourceSchemaUrn } from './urns.ts';

export * from './urns.ts';
export { COMMON_ATTRIBUTES, EXTERNAL_ID_ATTRIBUTE, ID_ATTRIBUTE, META_ATTRIBUTE } from './common.ts';
export type * from './attribute.ts';

/** The resource types this service offers. */
export type ResourceType = 'User' | 'Group';

/** Every resource schema by URN, in the order /Schemas lists them (RFC 7643 §7). */
export const SCHEMAS: Readonly<Record<ResourceSchemaUrn, SchemaDefinition>> = deepFreeze({
  [USER_SCHEMA]: USER_SCHEMA_DEFINITION,
  [ENTERPRISE_USER_SCHEMA]: ENTERPRISE_USER_SCHEMA_DEFINITION,
  [GROUP_SCHEMA]: GROUP_SCHEMA_DEFINITION,
});

/** The resource types by name (RFC 7643 §6): Users with the optional Enterprise extension, and Groups. */
export const RESOURCE_TYPES: Readonly<Record<ResourceType, ResourceTypeDefinition>> = deepFreeze({
  User: {
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: USER_SCHEMA,
    schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
  },
  Group: {
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'Group',
    schema: GROUP_SCHEMA,
    schemaExtensions: [],
  },
});

/** A resource type's core schema and its extension schemas. */
export interface ResourceSchemas {
  core: SchemaDefinition;
  extensions: SchemaDefinition[];
}

/** The core and extension schemas of a resource type. */
export function schemasOf(resourceType: ResourceType): ResourceSchemas {
  const definition = RESOURCE_TYPES[resourceType];
  return {
    core: schemaByUrn(definition.schema),
    extensions: definition.schemaExtensions.map((extension) => schemaByUrn(extension.schema)),
  };
}

function schemaByUrn(urn: string): SchemaDefinition {
  const schema = Object.values(SCHEMAS).find((candidate) => candidate.id === urn);
  if (schema === undefined) throw new TypeError(`No schema definition for ${urn}`);
  return schema;
}

/**
 * The schema of a resource type whose URN equals `urn`, ignoring case (URNs compare
 * case-insensitively in practice; clients are not consistent about it).
 */
export function findResourceSchema(resourceType: ResourceType, urn: string): SchemaDefinition | undefined {
  const { core, extensions } = schemasOf(resourceType);
  const wanted = urn.toLowerCase();
  return [core, ...extensions].find((schema) => schema.id.toLowerCase() === wanted);
}

/**
 * Splits a name that starts with one of the resource type's schema URNs into the schema and
 * the rest (RFC 7644 §3.10: `urn:…:enterprise:2.0:User:manager.value`). The rest is `''` when
 * the name is the bare URN. Undefined when the name starts with no known URN.
 */
export function splitSchemaPrefix(resourceType: ResourceType, name: string): { schema: SchemaDefinition; rest: string } | undefined {
  const { core, extensions } = schemasOf(resourceType);
  const lower = name.toLowerCase();
  for (const schema of [core, ...extensions]) {
    const urn = schema.id.toLowerCase();
    if (lower === urn) return { schema, rest: '' };
    if (lower.startsWith(`${urn}:`)) return { schema, rest: name.slice(urn.length + 1) };
  }
  return undefined;
}

/** The definition named `name` (ignoring case, RFC 7643 §2.1) among `definitions`. */
export function findAttribute(definitions: readonly AttributeDefinition[] | undefined, name: string): AttributeDefinition | undefined {
  const wanted = name.toLowerCase();
  return definitions?.find((definition) => definition.name.toLowerCase() === wanted);
}

/** The attribute reference a filter or path names (RFC 7644 §3.4.2.2 `attrPath`). */
export interface AttributeReference {
  /** The schema URN when the name was written fully qualified. */
  uri?: string;
  attribute: string;
  subAttribute?: string;
}

/**
 * Resolves an attribute reference to its definition, or undefined when the resource type has
 * no such attribute.
 *
 * Names compare case-insensitively (RFC 7643 §2.1). Core attributes and the common attributes
 * `id`, `externalId` and `meta` resolve with or without the core schema URN; extension
 * attributes need their URN (RFC 7644 §3.10). An `attribute` that itself starts with a schema
 * URN is split as if `uri` had been given. With `parent`, `attribute` is looked up among the
 * parent's sub-attributes, as inside a value filter (`emails[type eq "work"]`).
 *
 * @example
 * resolveAttribute('User', { attribute: 'name', subAttribute: 'givenName' });
 * resolveAttribute('User', { uri: ENTERPRISE_USER_SCHEMA, attribute: 'manager', subAttribute: 'value' });
 */
export function resolveAttribute(
  resourceType: ResourceType,
  ref: AttributeReference,
  parent?: AttributeDefinition,
): AttributeDefinition | undefined {
  let attribute: AttributeDefinition | undefined;
  if (parent !== undefined) {
    attribute = findAttribute(parent.subAttributes, ref.attribute);
  } else {
    let uri = ref.uri;
    let name = ref.attribute;
    if (uri === undefined) {
      const split = splitSchemaPrefix(resourceType, name);
      if (split !== undefined) {
        uri = split.schema.id;
        name = split.rest;
      }
    }
    attribute = resolveTopLevel(resourceType, uri, name);
  }
  if (attribute === undefined || ref.subAttribute === undefined) return attribute;
  return findAttribute(attribute.subAttributes, ref.subAttribute);
}

function resolveTopLevel(resourceType: ResourceType, uri: string | undefined, name: string): AttributeDefinition | undefined {
  const { core } = schemasOf(resourceType);
  if (uri === undefined) return findAttribute(core.attributes, name) ?? findAttribute(COMMON_ATTRIBUTES, name);
  const schema = findResourceSchema(resourceType, uri);
  if (schema === undefined) return undefined;
  // The common attributes sit outside every schema (RFC 7643 §3.1); a core-qualified name may still reach them.
  return findAttribute(schema.attributes, name) ?? (schema === core ? findAttribute(COMMON_ATTRIBUTES, name) : undefined);
}
