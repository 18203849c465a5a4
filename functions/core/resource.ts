/**
 * Input validation for POST and PUT bodies (RFC 7644 §3.3, §3.5.1): turns whatever a client
 * sent into the canonical attributes this service stores, guided entirely by the schema
 * definitions, and checks that immutable attributes keep their values (RFC 7643 §7).
 */
import { ScimError } from './error.ts';
import { booleanOf, describeJsonType, getIgnoringCase, isJsonObject as isObject, sameValue, type JsonObject } from './json.ts';
import type { AttributeDefinition, SchemaDefinition } from './schemas/attribute.ts';
import { COMMON_ATTRIBUTES, findAttribute, schemasOf, splitSchemaPrefix, type ResourceType } from './schemas/index.ts';

/**
 * A resource body in canonical form: attribute names spelled as the schema spells them,
 * extension attributes nested under their schema URN, `schemas` listing the core URN first.
 * Never holds `id`, `meta`, `groups`, Group `members` or `password`.
 */
export type ResourceAttributes = Record<string, unknown>;

/** One Group member as a client named it (RFC 7643 §4.2): the member's id and, if given, its type. */
export interface MemberInput {
  value: string;
  type?: 'User' | 'Group';
}

/** The result of {@link parseResourceInput}. */
export interface ParsedResourceInput {
  attributes: ResourceAttributes;
  /**
   * Group members, only when the body carried a `members` attribute (`null` counts as an
   * empty list), so that the caller can tell "no members" from "members not mentioned".
   * Duplicates are removed; the first mention wins.
   */
  members?: MemberInput[];
}

/**
 * Validates and canonicalises a POST or PUT body for `resourceType`.
 *
 * - `schemas` must list the resource type's core URN; other URNs, such as Microsoft's ADSCIM
 *   Group schema, are tolerated and dropped. The stored list names the core URN and, only when
 *   extension data is present, the extension URN.
 * - Attribute names match case-insensitively (RFC 7643 §2.1); extension attributes may be
 *   nested under their URN or written as URN-prefixed keys (RFC 7644 §3.10); dotted keys such as
 *   `name.givenName` set a sub-attribute.
 * - readOnly attributes (`id`, `meta`, `groups`, `manager.displayName`, …) and unknown
 *   attributes are ignored (RFC 7643 §7), as are `null` values and empty lists, which mean
 *   "not set" (RFC 7643 §2.5).
 * - `password` is writeOnly and returned never; this service has no use for it, so it is
 *   dropped here and never stored, logged or returned.
 * - Boolean strings `"True"`/`"False"` (any case, as Entra ID sends them) become booleans;
 *   numeric strings become numbers for integer and decimal attributes; a bare string for a
 *   single-valued complex attribute with a `value` sub-attribute (the enterprise `manager`)
 *   becomes `{ value }`. Any other type mismatch is `invalidValue` naming the attribute.
 * - `userName` (User) and `displayName` (Group) are required and must not be empty.
 * - Group `members` are validated and returned apart from the attributes, because they are
 *   stored as separate items.
 *
 * @throws ScimError `invalidSyntax` when the body is not an object or `schemas` lacks the core
 *   URN; `invalidValue` for a value of the wrong type or a missing required attribute.
 */
export function parseResourceInput(resourceType: ResourceType, body: unknown): ParsedResourceInput {
  if (!isObject(body)) throw ScimError.of('invalidSyntax', 'The request body must be a JSON object');
  const { core, extensions } = schemasOf(resourceType);
  checkSchemasList(core, body);

  const collected = new Map<SchemaDefinition, JsonObject>([[core, {}], ...extensions.map((schema): [SchemaDefinition, JsonObject] => [schema, {}])]);
  let membersValue: unknown;
  let membersGiven = false;

  const assign = (schema: SchemaDefinition, path: string, value: unknown): void => {
    const dot = path.indexOf('.');
    const attributeName = dot === -1 ? path : path.slice(0, dot);
    const subName = dot === -1 ? undefined : path.slice(dot + 1);
    const definition = findAttribute(schema.attributes, attributeName) ?? (schema === core ? findAttribute(COMMON_ATTRIBUTES, attributeName) : undefined);
    if (definition === undefined) return;
    if (resourceType === 'Group' && schema === core && definition.name === 'members') {
      if (subName === undefined) {
        membersGiven = true;
        membersValue = value;
      }
      return;
    }
    const target = collected.get(schema) ?? {};
    const label = schema === core ? definition.name : `${schema.id}:${definition.name}`;
    if (subName === undefined) {
      setAttribute(target, definition, value, label);
      return;
    }
    const subDefinition = findAttribute(definition.subAttributes, subName);
    if (definition.multiValued || subDefinition === undefined || !isWritable(definition) || isRenderedReference(subDefinition)) return;
    const existing = target[definition.name];
    const parent: JsonObject = isObject(existing) ? existing : {};
    setAttribute(parent, subDefinition, value, `${label}.${subDefinition.name}`);
    if (Object.keys(parent).length > 0) target[definition.name] = parent;
  };

  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') continue;
    const prefixed = splitSchemaPrefix(resourceType, key);
    if (prefixed === undefined) {
      // A URN we do not serve (RFC 7644 §3.3 lets a provider ignore what it does not know).
      if (!key.toLowerCase().startsWith('urn:')) assign(core, key, value);
    } else if (prefixed.rest !== '') {
      assign(prefixed.schema, prefixed.rest, value);
    } else if (value !== null) {
      if (!isObject(value)) throw ScimError.of('invalidValue', `"${prefixed.schema.id}" must be an object of attributes`);
      for (const [nestedKey, nestedValue] of Object.entries(value)) assign(prefixed.schema, nestedKey, nestedValue);
    }
  }

  const coreValues = collected.get(core) ?? {};
  // An empty externalId names nothing in the client's own system: it is "not set", like null.
  if (coreValues.externalId === '') delete coreValues.externalId;
  checkRequired(core, coreValues);
  for (const values of collected.values()) checkOnePrimary(values);
  const attributes: ResourceAttributes = { schemas: [core.id], ...orderLike([...COMMON_ATTRIBUTES, ...core.attributes], coreValues) };
  for (const extension of extensions) {
    const values = collected.get(extension) ?? {};
    if (Object.keys(values).length === 0) continue;
    attributes[extension.id] = orderLike(extension.attributes, values);
  }
  attributes.schemas = canonicalSchemas(resourceType, attributes);

  const result: ParsedResourceInput = { attributes };
  if (membersGiven) {
    result.members = parseMembers(membersValue);
  }
  return result;
}

/**
 * The `schemas` list of canonical attributes (RFC 7643 §3): the core URN, then the URN of each
 * extension whose attributes the resource carries. It follows from the other attributes, so
 * storage may leave it out and restore it with this.
 *
 * @example
 * canonicalSchemas('User', { userName: 'a' }); // ['urn:ietf:params:scim:schemas:core:2.0:User']
 */
export function canonicalSchemas(resourceType: ResourceType, attributes: ResourceAttributes): string[] {
  const { core, extensions } = schemasOf(resourceType);
  const carried = extensions.filter((extension) => {
    const values = attributes[extension.id];
    return isObject(values) && Object.keys(values).length > 0;
  });
  return [core.id, ...carried.map((extension) => extension.id)];
}

/** RFC 7643 §2.4: the primary flag "MUST appear no more than once" among a multi-valued attribute's values. */
function checkOnePrimary(values: JsonObject): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Array.isArray(value)) continue;
    const primaries = value.filter((element) => isObject(element) && element.primary === true).length;
    if (primaries > 1) throw ScimError.of('invalidValue', `At most one value of "${name}" may be primary (RFC 7643 §2.4)`);
  }
}

/** RFC 7644 §3.3: the body names its schemas; the core one must be among them. */
function checkSchemasList(core: SchemaDefinition, body: JsonObject): void {
  const list = getIgnoringCase(body, 'schemas');
  const wanted = core.id.toLowerCase();
  if (!Array.isArray(list) || !list.some((urn) => typeof urn === 'string' && urn.toLowerCase() === wanted)) {
    throw ScimError.of('invalidSyntax', `"schemas" must be a list that includes "${core.id}"`);
  }
}

function checkRequired(core: SchemaDefinition, values: JsonObject): void {
  for (const definition of core.attributes) {
    if (!definition.required) continue;
    const value = values[definition.name];
    if (value === undefined || (typeof value === 'string' && value.trim() === '')) {
      throw ScimError.of('invalidValue', `Attribute "${definition.name}" is required and must not be empty`);
    }
  }
}

/** readOnly attributes are ignored on input; writeOnly ones are accepted but, here, never kept. */
function isWritable(definition: AttributeDefinition): boolean {
  return definition.mutability === 'readWrite' || definition.mutability === 'immutable';
}

/** Validates `value` for `definition` and stores it in `target`, merging complex values given twice. */
function setAttribute(target: JsonObject, definition: AttributeDefinition, value: unknown, label: string): void {
  if (!isWritable(definition)) return;
  const parsed = parseAttributeValue(definition, value, label);
  if (parsed === undefined) return;
  const existing = target[definition.name];
  target[definition.name] = !definition.multiValued && isObject(existing) && isObject(parsed) ? { ...existing, ...parsed } : parsed;
}

/** The canonical value, or undefined when the value means "not set". */
function parseAttributeValue(definition: AttributeDefinition, value: unknown, label: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!definition.multiValued) return parseSingleValue(definition, value, label);
  if (!Array.isArray(value)) throw ScimError.of('invalidValue', `Attribute "${label}" must be a list`);
  const values = value.flatMap((item, index) => {
    const parsed = item === null ? undefined : parseSingleValue(definition, item, `${label}[${index}]`);
    return parsed === undefined ? [] : [parsed];
  });
  return values.length === 0 ? undefined : values;
}

function parseSingleValue(definition: AttributeDefinition, value: unknown, label: string): unknown {
  switch (definition.type) {
    case 'complex':
      return parseComplexValue(definition, value, label);
    case 'boolean':
      return parseBoolean(value, label);
    case 'integer':
    case 'decimal':
      return parseNumber(definition.type, value, label);
    case 'dateTime':
      return parseDateTime(value, label);
    case 'binary':
      return parseBinary(value, label);
    case 'string':
    case 'reference':
      if (typeof value !== 'string') throw wrongType(label, 'a string', value);
      return value;
  }
}

/**
 * `$ref` of a complex value (the enterprise manager's) is rendered by this service from the id it
 * names, so what a client sends is dropped, never stored.
 */
function isRenderedReference(definition: AttributeDefinition): boolean {
  return definition.name === '$ref';
}

function parseComplexValue(definition: AttributeDefinition, value: unknown, label: string): JsonObject | undefined {
  // The enterprise `manager` is often sent as the bare manager id.
  if (typeof value === 'string' && !definition.multiValued && findAttribute(definition.subAttributes, 'value') !== undefined) {
    return { value };
  }
  if (!isObject(value)) throw wrongType(label, 'an object', value);
  const result: JsonObject = {};
  for (const [key, subValue] of Object.entries(value)) {
    const subDefinition = findAttribute(definition.subAttributes, key);
    if (subDefinition !== undefined && !isRenderedReference(subDefinition)) setAttribute(result, subDefinition, subValue, `${label}.${subDefinition.name}`);
  }
  return Object.keys(result).length === 0 ? undefined : orderLike(definition.subAttributes ?? [], result);
}

function parseBoolean(value: unknown, label: string): boolean {
  const parsed = booleanOf(value);
  if (parsed === undefined) throw wrongType(label, 'a boolean', value);
  return parsed;
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(type: 'integer' | 'decimal', value: unknown, label: string): number {
  let number: number | undefined;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string' && (type === 'integer' ? INTEGER_TEXT : DECIMAL_TEXT).test(value.trim())) number = Number(value.trim());
  // RFC 7643 §2.3.4: an integer has no fractional part; both must be finite JSON numbers.
  const valid = number !== undefined && (type === 'integer' ? Number.isSafeInteger(number) : Number.isFinite(number));
  if (!valid || number === undefined) throw wrongType(label, type === 'integer' ? 'an integer' : 'a decimal number', value);
  return number;
}

/** RFC 7643 §2.3.5: an xsd:dateTime such as 2008-01-23T04:56:22Z. */
const DATE_TIME_TEXT = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function parseDateTime(value: unknown, label: string): string {
  if (typeof value !== 'string' || !DATE_TIME_TEXT.test(value) || Number.isNaN(Date.parse(value))) {
    throw wrongType(label, 'a dateTime such as 2008-01-23T04:56:22Z', value);
  }
  return value;
}

/** RFC 7643 §2.3.6: base64 (RFC 4648 §4). */
const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function parseBinary(value: unknown, label: string): string {
  if (typeof value !== 'string' || !BASE64_TEXT.test(value)) throw wrongType(label, 'base64-encoded binary', value);
  return value;
}

/** The detail names the attribute and the JSON type received, never the value (it may be personal data). */
function wrongType(label: string, expected: string, value: unknown): ScimError {
  return ScimError.of('invalidValue', `Attribute "${label}" must be ${expected}, not ${describeJsonType(value)}`);
}

/** Copies `values` in the order the definitions list them, so equal input gives equal output. */
function orderLike(definitions: readonly AttributeDefinition[], values: JsonObject): JsonObject {
  const ordered: JsonObject = {};
  for (const definition of definitions) {
    if (values[definition.name] !== undefined) ordered[definition.name] = values[definition.name];
  }
  return ordered;
}

const MEMBER_TYPES: Readonly<Record<string, MemberInput['type']>> = { user: 'User', group: 'Group' };

/**
 * Group members as RFC 7643 §4.2 writes them, from a POST or PUT body or a PATCH value: a list
 * (null is none) whose elements each name a resource id in `value` and may say its `type` (User
 * or Group, in any case). A member id must hold more than whitespace. `$ref` and `display` are
 * not kept: the id is the membership. Null elements are skipped; duplicates collapse, the
 * first mention wins.
 *
 * @throws ScimError `invalidValue` naming the element, e.g. `"members[2].value"`.
 * @example parseMembers([{ value: 'u-1', type: 'user' }, { value: 'u-1' }]) // [{ value: 'u-1', type: 'User' }]
 */
export function parseMembers(value: unknown): MemberInput[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw ScimError.of('invalidValue', '"members" must be a list');
  const members: MemberInput[] = [];
  const seen = new Set<string>();
  value.forEach((item: unknown, index) => {
    if (item === null) return;
    const label = `members[${index}]`;
    if (!isObject(item)) throw ScimError.of('invalidValue', `"${label}" must be an object such as { "value": "<id>" }, not ${describeJsonType(item)}`);
    const id = parseMemberId(getIgnoringCase(item, 'value'), `${label}.value`);
    const type = getIgnoringCase(item, 'type');
    let memberType: MemberInput['type'];
    if (type !== undefined && type !== null) {
      memberType = typeof type === 'string' ? MEMBER_TYPES[type.toLowerCase()] : undefined;
      if (memberType === undefined) throw ScimError.of('invalidValue', `"${label}.type" must be "User" or "Group"`);
    }
    if (seen.has(id)) return;
    seen.add(id);
    members.push(memberType === undefined ? { value: id } : { value: id, type: memberType });
  });
  return members;
}

/**
 * A member id as a client sent it: a string with more than whitespace. Ids are kept as sent;
 * one that this service could not have minted simply names no resource.
 *
 * @throws ScimError `invalidValue` naming `label`.
 */
export function parseMemberId(id: unknown, label: string): string {
  if (typeof id !== 'string' || id.trim() === '') throw ScimError.of('invalidValue', `"${label}" must be a non-empty member id`);
  return id;
}

/**
 * Rejects a replacement or modification that changes an `immutable` attribute which already
 * had a value (RFC 7643 §7, RFC 7644 §3.5.1). Setting an immutable attribute that had no value
 * is allowed. Inside multi-valued complex attributes, values are matched by their `value`
 * sub-attribute, and each matched value must keep its immutable sub-attributes; values may
 * still be added and removed (as RFC 7643 §4.2 allows for Group members). `before` and `after`
 * are canonical resources (as {@link parseResourceInput} or the PATCH engine build them).
 *
 * @throws ScimError `mutability` naming the attribute.
 */
export function assertImmutableUnchanged(resourceType: ResourceType, before: ResourceAttributes, after: ResourceAttributes): void {
  const { core, extensions } = schemasOf(resourceType);
  checkImmutable([...COMMON_ATTRIBUTES, ...core.attributes], before, after, '');
  for (const extension of extensions) {
    const extensionBefore = before[extension.id];
    const extensionAfter = after[extension.id];
    checkImmutable(extension.attributes, isObject(extensionBefore) ? extensionBefore : {}, isObject(extensionAfter) ? extensionAfter : {}, `${extension.id}:`);
  }
}

function checkImmutable(definitions: readonly AttributeDefinition[], before: JsonObject, after: JsonObject, prefix: string): void {
  for (const definition of definitions) {
    const label = `${prefix}${definition.name}`;
    const old = before[definition.name];
    const next = after[definition.name];
    if (definition.mutability === 'immutable') {
      if (isAssigned(old) && !sameValue(definition, old, next)) {
        throw ScimError.of('mutability', `Attribute "${label}" is immutable and cannot be changed`);
      }
      continue;
    }
    const subAttributes = definition.subAttributes ?? [];
    if (!subAttributes.some((sub) => sub.mutability === 'immutable')) continue;
    if (!definition.multiValued) {
      checkImmutable(subAttributes, isObject(old) ? old : {}, isObject(next) ? next : {}, `${label}.`);
      continue;
    }
    const nextValues = Array.isArray(next) ? next.filter(isObject) : [];
    for (const oldValue of Array.isArray(old) ? old.filter(isObject) : []) {
      const match = nextValues.find((candidate) => candidate['value'] !== undefined && candidate['value'] === oldValue['value']);
      if (match !== undefined) checkImmutable(subAttributes, oldValue, match, `${label}.`);
    }
  }
}

/** RFC 7643 §2.5: null and an empty list mean the attribute has no value. */
function isAssigned(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}
