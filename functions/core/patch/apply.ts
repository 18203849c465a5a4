/**
 * Longer than the house limit of ~400 lines on purpose: the three PATCH operations share path
 * resolution, value-filter matching and value coercion so tightly that splitting them would
 * spread one algorithm over several files.
 *
 * Applying PATCH operations to a resource (RFC 7644 §3.5.2.1–3), with the habits of the
 * clients that matter here, Microsoft Entra ID first:
 *
 * - `emails[type eq "work"].value` also creates the work email when there is none: the `eq`
 *   conditions of the value filter seed the new element;
 * - extension attributes by URN (`urn:…:enterprise:2.0:User:manager`), and the enterprise
 *   attributes unqualified (`"path": "manager"`), as the Entra tutorial shows;
 * - path-less values with dotted (`name.givenName`) and URN-prefixed keys;
 * - `"True"`/`"False"` for booleans, `[x]` for a single value, a bare id for `manager`;
 * - attribute names in any case, stored as the schema spells them.
 *
 * Group members are never applied here: a group may have 100,000 of them, so the service
 * takes them off with `splitMembershipOperations` and writes membership items instead.
 */
import { ScimError, isScimError } from '../error.ts';
import { booleanOf, deleteIgnoringCase, describeJsonType, getIgnoringCase, isJsonObject, keyIgnoringCase, sameValue, setIgnoringCase, type JsonObject } from '../json.ts';
import type { AttributePath, FilterNode } from '../filter/ast.ts';
import { evaluateValueFilter, parseAttributePath, type FilterContext } from '../filter/index.ts';
import {
  COMMON_ATTRIBUTES,
  findAttribute,
  findResourceSchema,
  resolveAttribute,
  schemasOf,
  splitSchemaPrefix,
  type AttributeDefinition,
  type ResourceType,
  type SchemaDefinition,
} from '../schemas/index.ts';
import { describeOperation, inOperation, type PatchOpName, type PatchOperation } from './operation.ts';
import { equalitySeed } from './value-filter.ts';

/** Where an attribute lives: at the top of the resource, or in its extension's object. */
export interface LocatedAttribute {
  schema: SchemaDefinition;
  extension: boolean;
  definition: AttributeDefinition;
}

/** The resource being patched, with what every operation needs to know about it. */
interface Draft {
  resourceType: ResourceType;
  core: SchemaDefinition;
  resource: JsonObject;
}

/**
 * Applies PATCH operations in order and returns the patched resource.
 *
 * Pure and all-or-nothing: `resource` is never modified (the operations work on a deep copy),
 * and the first failing operation throws, so the caller stores nothing (RFC 7644 §3.5.2: "each
 * operation … is applied in sequence … if any operation fails, the whole request fails").
 *
 * `resource` is the resource as a client would read it (the service passes its rendered
 * representation, without group members): core attributes at the top, extension attributes
 * under their schema URN, and the readOnly `id`, `meta` and `groups`, which no operation may
 * change and which `parseResourceInput` drops again. Value filters therefore see what the
 * client sees. The result is in the same shape, extension objects are
 * added to (and dropped from) `schemas` as they gain (and lose) attributes. Values are checked
 * for their JSON type and booleans sent as strings become booleans, but the caller still
 * validates the result as a whole resource (`parseResourceInput`: formats, required values) and,
 * where immutable attributes matter, compares it with the stored one (`assertImmutableUnchanged`).
 *
 * Group `members` must have been split off with `splitMembershipOperations`; an operation on
 * them here is a defect of the caller and throws a plain Error.
 *
 * @throws ScimError `invalidPath`, `invalidValue`, `invalidFilter`, `noTarget` or `mutability`
 *   (400), the detail naming the failing operation, e.g. `Operations[2] (replace …): …`.
 * @example
 * applyPatch('User', user, parsePatchRequest({
 *   schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
 *   Operations: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'a@example.com' }],
 * }));
 */
export function applyPatch(
  resourceType: ResourceType,
  resource: Record<string, unknown>,
  operations: readonly PatchOperation[],
): Record<string, unknown> {
  const draft: Draft = { resourceType, core: schemasOf(resourceType).core, resource: structuredClone(resource) };
  operations.forEach((operation, position) => {
    inOperation(describeOperation(operation, position), () => applyOperation(draft, operation));
  });
  return draft.resource;
}

function applyOperation(draft: Draft, { op, path, value }: PatchOperation): void {
  if (path === undefined) {
    // RFC 7644 §3.5.2.1 and §3.5.2.3: without a path the value is a set of attributes of the resource.
    if (op === 'remove') throw ScimError.of('noTarget', '"remove" requires a "path" (RFC 7644 §3.5.2.2)');
    if (!isJsonObject(value)) throw ScimError.of('invalidValue', 'Without a "path" the "value" must be an object of attributes');
    applyAttributeSet(draft, op, value, undefined);
    return;
  }
  if (op !== 'remove' && value === undefined) throw ScimError.of('invalidValue', `"${op}" requires a "value" (RFC 7644 §3.5.2.1, §3.5.2.3)`);
  const whole = splitSchemaPrefix(draft.resourceType, path);
  if (whole !== undefined && whole.rest === '') {
    applyToSchemaObject(draft, op, whole.schema, value);
    return;
  }
  applyToPath(draft, op, parseAttributePath(path), value, true);
}

/** A path that is a schema URN: the extension object as a whole (`urn:…:enterprise:2.0:User`). */
function applyToSchemaObject(draft: Draft, op: PatchOpName, schema: SchemaDefinition, value: unknown): void {
  if (op === 'remove') {
    if (schema.id === draft.core.id) throw ScimError.of('invalidPath', `The core schema "${schema.id}" cannot be removed`);
    removeExtensionObject(draft, schema);
    return;
  }
  if (value === null) {
    if (op === 'replace' && schema.id !== draft.core.id) removeExtensionObject(draft, schema);
    return;
  }
  if (!isJsonObject(value)) throw ScimError.of('invalidValue', `The value for "${schema.id}" must be an object of attributes`);
  applyAttributeSet(draft, op, value, schema);
}

/**
 * Each member of a path-less value (or of a schema object) as if it were an operation of its
 * own: keys may be dotted (`name.givenName`), URN-prefixed, or a nested extension object.
 * readOnly and unknown attributes are skipped, as on POST (RFC 7643 §7): Okta echoes `id`, and a
 * client may send an extension this service does not serve.
 */
function applyAttributeSet(draft: Draft, op: PatchOpName, values: JsonObject, schema: SchemaDefinition | undefined): void {
  for (const [key, value] of Object.entries(values)) {
    if (schema === undefined) {
      if (key.toLowerCase() === 'schemas') continue;
      const prefixed = splitSchemaPrefix(draft.resourceType, key);
      if (prefixed !== undefined && prefixed.rest === '') {
        applyToSchemaObject(draft, op, prefixed.schema, value);
        continue;
      }
      if (prefixed === undefined && key.toLowerCase().startsWith('urn:')) continue;
    }
    const path = parseKey(key);
    if (path === undefined) continue;
    if (schema !== undefined) {
      if (path.uri !== undefined && path.uri.toLowerCase() !== schema.id.toLowerCase()) {
        throw ScimError.of('invalidPath', `"${key}" inside "${schema.id}" names another schema`);
      }
      path.uri = schema.id;
    }
    applyToPath(draft, op, path, value, false);
  }
}

/** A key of a path-less value as a path; undefined for a key no attribute could have, which is skipped like any unknown one. */
function parseKey(key: string): AttributePath | undefined {
  try {
    return parseAttributePath(key);
  } catch (error) {
    if (isScimError(error)) return undefined;
    throw error;
  }
}

/**
 * One operation on one attribute path. `explicit` is true when the client wrote the path in
 * the operation, false when it came from a key of a path-less value; the difference is how
 * readOnly and unknown attributes are answered.
 */
function applyToPath(draft: Draft, op: PatchOpName, path: AttributePath, value: unknown, explicit: boolean): void {
  const shown = formatPath(path);
  if (path.uri !== undefined && findResourceSchema(draft.resourceType, path.uri) === undefined) {
    // An extension this service does not serve: ignored, as on POST (RFC 7644 §3.3).
    return;
  }
  const located = locateAttribute(draft.resourceType, path.uri, path.attribute);
  if (located === undefined) {
    if (!explicit) return;
    throw ScimError.of('invalidPath', `${draft.resourceType} has no attribute "${shown}"`);
  }
  const { definition } = located;
  if (draft.resourceType === 'Group' && !located.extension && definition.name === 'members') {
    throw new Error('Group members must be split off with splitMembershipOperations before applyPatch');
  }
  let sub: AttributeDefinition | undefined;
  if (path.subAttribute !== undefined) {
    sub = findAttribute(definition.subAttributes, path.subAttribute);
    if (sub === undefined) {
      if (!explicit) return;
      throw ScimError.of('invalidPath', `Attribute "${definition.name}" has no sub-attribute "${path.subAttribute}"`);
    }
  }
  if (path.valueFilter !== undefined && !definition.multiValued) {
    throw ScimError.of('invalidPath', `"${shown}": a value filter needs a multi-valued attribute, and "${definition.name}" is single-valued`);
  }
  // RFC 7644 §3.5.2: readOnly attributes cannot be modified; RFC 7643 §7 lets input ignore them.
  if (definition.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    if (!explicit) return;
    throw ScimError.of('mutability', `Attribute "${shown}" is readOnly`);
  }

  const container = containerOf(draft, located, op !== 'remove');
  if (container === undefined) return;
  const target: Target = { container, definition, sub, shown };
  if (!definition.multiValued) applySingleValued(op, target, value);
  else if (path.valueFilter !== undefined) applyFiltered(draft, op, target, path.valueFilter, value);
  else applyMultiValued(op, target, value);
  if (located.extension) tidyExtension(draft, located.schema);
}

/**
 * Finds the attribute a path names. Names compare case-insensitively (RFC 7643 §2.1). An
 * unqualified name that is not a core or common attribute is looked up in the extensions:
 * Entra ID writes the enterprise manager as `"path": "manager"` (Entra SCIM tutorial), and only
 * one extension defining the name makes the match unambiguous.
 */
export function locateAttribute(resourceType: ResourceType, uri: string | undefined, name: string): LocatedAttribute | undefined {
  const { core, extensions } = schemasOf(resourceType);
  const schemas = uri === undefined ? [core, ...extensions] : [findResourceSchema(resourceType, uri)];
  const found: LocatedAttribute[] = [];
  for (const schema of schemas) {
    if (schema === undefined) continue;
    const isCore = schema.id === core.id;
    const definition = findAttribute(schema.attributes, name) ?? (isCore ? findAttribute(COMMON_ATTRIBUTES, name) : undefined);
    if (definition === undefined) continue;
    if (isCore) return { schema, extension: false, definition };
    found.push({ schema, extension: true, definition });
  }
  return found.length === 1 ? found[0] : undefined;
}

/** The object holding the attribute: the resource, or its extension object (created when `create`). */
function containerOf(draft: Draft, located: LocatedAttribute, create: boolean): JsonObject | undefined {
  if (!located.extension) return draft.resource;
  const id = located.schema.id;
  const key = keyIgnoringCase(draft.resource, id);
  const existing = key === undefined ? undefined : draft.resource[key];
  if (isJsonObject(existing)) {
    // Keep the schema's spelling of the URN as the key.
    setIgnoringCase(draft.resource, id, existing);
    return existing;
  }
  if (!create) return undefined;
  const created: JsonObject = {};
  setIgnoringCase(draft.resource, id, created);
  return created;
}

/** RFC 7643 §3: `schemas` lists an extension exactly when the resource carries its attributes. */
function tidyExtension(draft: Draft, schema: SchemaDefinition): void {
  const key = keyIgnoringCase(draft.resource, schema.id);
  const object = key === undefined ? undefined : draft.resource[key];
  const present = isJsonObject(object) && Object.keys(object).length > 0;
  if (!present && key !== undefined) delete draft.resource[key];
  const listed = Array.isArray(draft.resource['schemas']) ? (draft.resource['schemas'] as unknown[]) : [draft.core.id];
  const others = listed.filter((urn) => typeof urn !== 'string' || urn.toLowerCase() !== schema.id.toLowerCase());
  draft.resource['schemas'] = present ? [...others, schema.id] : others;
}

function removeExtensionObject(draft: Draft, schema: SchemaDefinition): void {
  deleteIgnoringCase(draft.resource, schema.id);
  tidyExtension(draft, schema);
}

/** One attribute (or sub-attribute) inside its container, with the name errors show. */
interface Target {
  container: JsonObject;
  definition: AttributeDefinition;
  sub: AttributeDefinition | undefined;
  shown: string;
}

/** RFC 7644 §3.5.2.1–3 for a single-valued attribute (`active`, `name`, `name.givenName`, `manager`). */
function applySingleValued(op: PatchOpName, { container, definition, sub, shown }: Target, raw: unknown): void {
  const value = op === 'remove' || raw === undefined ? undefined : unwrapSingle(raw, shown);
  const current = getIgnoringCase(container, definition.name);
  if (op === 'remove' || value === null || value === undefined) {
    // RFC 7643 §2.5: null means unassigned, so `replace` with null removes; `add` of nothing changes nothing.
    if (op === 'add') return;
    if (sub === undefined) {
      if (definition.required) throw ScimError.of('invalidValue', `Attribute "${shown}" is required and cannot be removed`);
      deleteIgnoringCase(container, definition.name);
    } else if (isJsonObject(current)) {
      deleteIgnoringCase(current, sub.name);
      if (Object.keys(current).length === 0) deleteIgnoringCase(container, definition.name);
    }
    return;
  }
  if (sub !== undefined) {
    const parent = isJsonObject(current) ? current : {};
    setIgnoringCase(parent, sub.name, coerceValue(sub, value, shown));
    setIgnoringCase(container, definition.name, parent);
    return;
  }
  if (definition.type !== 'complex') {
    setIgnoringCase(container, definition.name, coerceValue(definition, value, shown));
    return;
  }
  // RFC 7644 §3.5.2.1, §3.5.2.3: a complex value sets the sub-attributes it names and leaves the others.
  const merged = isJsonObject(current) ? current : {};
  for (const [name, subValue] of Object.entries(coerceComplex(definition, value, shown, true))) {
    if (subValue === null) deleteIgnoringCase(merged, name);
    else setIgnoringCase(merged, name, subValue);
  }
  if (Object.keys(merged).length > 0) setIgnoringCase(container, definition.name, merged);
  else deleteIgnoringCase(container, definition.name);
}

/** RFC 7644 §3.5.2 for a multi-valued attribute without a value filter (`emails`, `emails.value`). */
function applyMultiValued(op: PatchOpName, { container, definition, sub, shown }: Target, value: unknown): void {
  const values = currentValues(container, definition);
  const save = (next: unknown[]): void => saveValues(container, definition, next);

  if (sub !== undefined) {
    // A sub-attribute of every value; with no value yet, the first one.
    if (op === 'remove' || value === null || value === undefined) {
      if (op === 'add') return;
      save(values.flatMap((element) => withoutSub(element, sub)));
      return;
    }
    const coerced = coerceValue(sub, unwrapSingle(value, shown), shown);
    if (values.length === 0) values.push({});
    const touched: number[] = [];
    values.forEach((element, index) => {
      if (!isJsonObject(element)) return;
      setIgnoringCase(element, sub.name, coerced);
      touched.push(index);
    });
    keepOnePrimary(values, touched, shown);
    save(values);
    return;
  }

  if (op === 'remove') {
    if (value === undefined || value === null) {
      // RFC 7644 §3.5.2.2: no filter, so the attribute and all its values are removed.
      deleteIgnoringCase(container, definition.name);
      return;
    }
    // As Entra ID removes members: the values to remove listed in `value`.
    const listed = (Array.isArray(value) ? value : [value]).map((item) => removalPattern(definition, item, shown));
    save(values.filter((element) => !listed.some((pattern) => matchesPattern(definition, element, pattern))));
    return;
  }

  const incoming = value === null || value === undefined ? [] : (Array.isArray(value) ? value : [value]).filter((item) => item !== null);
  const coerced = incoming.map((item) => coerceElement(definition, item, shown));
  if (op === 'replace') {
    // RFC 7644 §3.5.2.3: no filter, so the attribute and all its values are replaced.
    keepOnePrimary(coerced, coerced.map((_, index) => index), shown);
    save(coerced);
    return;
  }
  // RFC 7644 §3.5.2.1: new values are added; a value already present is not added twice.
  // Only values this operation itself marks primary claim the flag: an existing value merged
  // with a re-sent copy keeps its old flag only until a new primary demotes it.
  const claimed: number[] = [];
  for (const element of coerced) {
    const same = values.findIndex((existing) => sameElement(definition, existing, element));
    const existing = values[same];
    const claimsPrimary = isJsonObject(element) && getIgnoringCase(element, 'primary') === true;
    if (same >= 0 && isJsonObject(existing) && isJsonObject(element)) {
      Object.assign(existing, element);
      if (claimsPrimary) claimed.push(same);
    } else if (same < 0) {
      const index = values.push(element) - 1;
      if (claimsPrimary) claimed.push(index);
    }
  }
  keepOnePrimary(values, claimed, shown);
  save(values);
}

/** RFC 7644 §3.5.2 for a value-filtered path (`emails[type eq "work"]`, `emails[type eq "work"].value`). */
function applyFiltered(draft: Draft, op: PatchOpName, { container, definition, sub, shown }: Target, filter: FilterNode, raw: unknown): void {
  const values = currentValues(container, definition);
  const context = filterContext(draft);
  const matches = values.flatMap((element, index) =>
    isJsonObject(element) && evaluateValueFilter(filter, element, definition, context) ? [index] : [],
  );
  const save = (next: unknown[]): void => saveValues(container, definition, next);

  // The filter selects single values, so a list is accepted only as a wrapper of one.
  const value = op === 'remove' || raw === undefined ? undefined : unwrapSingle(raw, shown);
  if (op === 'remove' || value === null || value === undefined) {
    // RFC 7644 §3.5.2.2: matching values (or their sub-attribute) are removed; no match is no change.
    if (op === 'add') return;
    const matched = new Set(matches);
    save(values.flatMap((element, index) => (!matched.has(index) ? [element] : sub === undefined ? [] : withoutSub(element, sub))));
    return;
  }

  const seed = seedOf(definition, filter, shown);
  if (matches.length === 0) {
    // RFC 7644 §3.5.2.3 answers noTarget when a filter matches nothing; Entra ID, though, means
    // "create it" with `emails[type eq "work"].value`, so an `eq` filter seeds a new value.
    if (seed === undefined) throw ScimError.of('noTarget', `No value of "${definition.name}" matches "${shown}"`);
    const element: JsonObject = { ...seed };
    if (sub === undefined) Object.assign(element, coerceComplex(definition, value, shown, false));
    else setIgnoringCase(element, sub.name, coerceValue(sub, value, shown));
    values.push(element);
    keepOnePrimary(values, [values.length - 1], shown);
    save(values);
    return;
  }

  const replacement = sub === undefined ? coerceComplex(definition, value, shown, false) : undefined;
  const subValue = sub === undefined ? undefined : coerceValue(sub, value, shown);
  for (const index of matches) {
    const element = values[index] as JsonObject;
    if (sub !== undefined) setIgnoringCase(element, sub.name, subValue);
    else if (op === 'add') Object.assign(element, replacement);
    // RFC 7644 §3.5.2.3: matching values are replaced; the filter's equalities stay true of them.
    else values[index] = { ...seed, ...replacement };
  }
  keepOnePrimary(values, matches, shown);
  save(values);
}

function filterContext(draft: Draft): FilterContext {
  return { coreSchema: draft.core.id, resolve: (ref, parent) => resolveAttribute(draft.resourceType, ref, parent) };
}

/** The element an `eq`-only filter describes, in schema spelling and types; undefined otherwise. */
function seedOf(definition: AttributeDefinition, filter: FilterNode, shown: string): JsonObject | undefined {
  const equalities = equalitySeed(filter);
  if (equalities === undefined) return undefined;
  const seed: JsonObject = {};
  for (const { attribute, value } of equalities) {
    const sub = findAttribute(definition.subAttributes, attribute);
    if (sub === undefined || sub.type === 'complex') return undefined;
    setIgnoringCase(seed, sub.name, coerceValue(sub, value, shown));
  }
  return seed;
}

/**
 * RFC 7643 §2.4: "primary" may be true for at most one value. Values just written win: any
 * other value loses its primary flag; two new primary values are an error.
 */
function keepOnePrimary(values: unknown[], touched: readonly number[], shown: string): void {
  const fresh = new Set(touched);
  const primaries = [...fresh].filter((index) => {
    const element = values[index];
    return isJsonObject(element) && getIgnoringCase(element, 'primary') === true;
  });
  if (primaries.length > 1) throw ScimError.of('invalidValue', `At most one value of "${shown}" may be primary (RFC 7643 §2.4)`);
  if (primaries.length === 0) return;
  values.forEach((element, index) => {
    if (index !== primaries[0] && isJsonObject(element) && getIgnoringCase(element, 'primary') === true) setIgnoringCase(element, 'primary', false);
  });
}

function currentValues(container: JsonObject, definition: AttributeDefinition): unknown[] {
  const current = getIgnoringCase(container, definition.name);
  if (Array.isArray(current)) return [...current];
  return current === undefined || current === null ? [] : [current];
}

/** An empty list is the same as no value (RFC 7643 §2.5), so it is not stored. */
function saveValues(container: JsonObject, definition: AttributeDefinition, values: unknown[]): void {
  if (values.length === 0) deleteIgnoringCase(container, definition.name);
  else setIgnoringCase(container, definition.name, values);
}

/** The element without the sub-attribute, or nothing when that leaves it empty. */
function withoutSub(element: unknown, sub: AttributeDefinition): unknown[] {
  if (!isJsonObject(element)) return [element];
  deleteIgnoringCase(element, sub.name);
  return Object.keys(element).length === 0 ? [] : [element];
}

/** Two values of a multi-valued attribute are the same value when `value` and `type` agree. */
function sameElement(definition: AttributeDefinition, existing: unknown, incoming: unknown): boolean {
  if (!isJsonObject(incoming)) return sameValue(definition, existing, incoming);
  if (!isJsonObject(existing) || incoming['value'] === undefined) return false;
  return ['value', 'type'].every((name) => {
    const sub = findAttribute(definition.subAttributes, name);
    return sub === undefined || sameValue(sub, getIgnoringCase(existing, name), getIgnoringCase(incoming, name));
  });
}

/** A value listed in a `remove` operation's `value`: the sub-attributes every removed value has. */
function removalPattern(definition: AttributeDefinition, item: unknown, shown: string): unknown {
  if (definition.type !== 'complex') return coerceValue(definition, item, shown);
  const pattern = isJsonObject(item) ? coerceComplex(definition, item, shown, false) : {};
  if (Object.keys(pattern).length === 0) {
    throw ScimError.of('invalidValue', `Each value to remove from "${shown}" must name its sub-attributes, e.g. { "value": … }`);
  }
  return pattern;
}

function matchesPattern(definition: AttributeDefinition, element: unknown, pattern: unknown): boolean {
  if (!isJsonObject(pattern)) return sameValue(definition, element, pattern);
  if (!isJsonObject(element)) return false;
  return Object.entries(pattern).every(([name, expected]) => {
    const sub = findAttribute(definition.subAttributes, name);
    return sub !== undefined && sameValue(sub, getIgnoringCase(element, name), expected);
  });
}

/** Some clients wrap a single value in a list; accept a list of exactly one. */
function unwrapSingle(value: unknown, shown: string): unknown {
  if (!Array.isArray(value)) return value;
  if (value.length === 1) return value[0];
  throw ScimError.of('invalidValue', `"${shown}" is single-valued, so its value cannot be a list of ${value.length}`);
}

/** One value of a multi-valued attribute. */
function coerceElement(definition: AttributeDefinition, value: unknown, shown: string): unknown {
  return definition.type === 'complex' ? coerceComplex(definition, value, shown, false) : coerceScalar(definition, value, shown);
}

/** A value for a single-valued attribute or sub-attribute (after unwrapping). */
export function coerceValue(definition: AttributeDefinition, value: unknown, shown: string): unknown {
  if (definition.multiValued) {
    if (!Array.isArray(value)) throw ScimError.of('invalidValue', `"${shown}" must be a list`);
    return value.map((item) => coerceElement(definition, item, shown));
  }
  return definition.type === 'complex' ? coerceComplex(definition, value, shown, false) : coerceScalar(definition, value, shown);
}

/**
 * A complex value with its sub-attribute names in schema spelling. readOnly and unknown
 * sub-attributes are dropped, as on POST (RFC 7643 §7). `null` sub-values are kept when
 * `keepNulls` (a merge then removes them) and dropped otherwise. A bare value stands for
 * `{ "value": … }` for a single-valued attribute with a `value` sub-attribute (the enterprise
 * manager), as on POST.
 */
function coerceComplex(definition: AttributeDefinition, value: unknown, shown: string, keepNulls: boolean): JsonObject {
  const shorthand = !definition.multiValued && typeof value === 'string' && findAttribute(definition.subAttributes, 'value') !== undefined;
  const object = shorthand ? { value } : value;
  if (!isJsonObject(object)) throw ScimError.of('invalidValue', `"${shown}" must be an object, not ${describeJsonType(value)}`);
  const result: JsonObject = {};
  for (const [key, subValue] of Object.entries(object)) {
    const sub = findAttribute(definition.subAttributes, key);
    if (sub === undefined || sub.mutability === 'readOnly') continue;
    if (subValue === null) {
      if (keepNulls) result[sub.name] = null;
      continue;
    }
    result[sub.name] = coerceValue(sub, sub.multiValued ? subValue : unwrapSingle(subValue, `${shown}.${sub.name}`), `${shown}.${sub.name}`);
  }
  return result;
}

/**
 * A simple value checked for its JSON type. Booleans also come as `"True"`/`"False"` from Entra
 * ID (RFC 7643 §2.3.2 wants JSON literals); numbers may come as numeric strings, which the
 * resource validation turns into numbers. Formats (dateTime, base64) are left to it as well.
 */
function coerceScalar(definition: AttributeDefinition, value: unknown, shown: string): unknown {
  switch (definition.type) {
    case 'boolean':
      {
        const parsed = booleanOf(value);
        if (parsed !== undefined) return parsed;
      }
      throw ScimError.of('invalidValue', `"${shown}" must be a boolean, not ${describeJsonType(value)}`);
    case 'integer':
    case 'decimal':
      if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string') return value;
      throw ScimError.of('invalidValue', `"${shown}" must be a number, not ${describeJsonType(value)}`);
    case 'complex':
      return coerceComplex(definition, value, shown, false);
    default:
      if (typeof value === 'string') return value;
      throw ScimError.of('invalidValue', `"${shown}" must be a string, not ${describeJsonType(value)}`);
  }
}

function formatPath(path: AttributePath): string {
  const name = path.subAttribute === undefined ? path.attribute : `${path.attribute}.${path.subAttribute}`;
  return path.uri === undefined ? name : `${path.uri}:${name}`;
}
