/**
 * PATCH operations that a store can apply without reading the resource first: each one sets a
 * single-valued, readWrite, non-unique string or boolean attribute (or a sub-attribute of a
 * single-valued complex core attribute, such as `name.givenName`) to a value given outright.
 *
 * Entra ID's updates are mostly of this kind (`Replace` of `title`, `name.givenName`, the
 * enterprise `department`, `active`), so each can be one conditional write. Anything else — value
 * filters (`emails[type eq "work"].value`), lists, objects, removals, `null`, unique or immutable
 * attributes, unknown paths — is left to the general read, apply and write, which also words the
 * errors; this module never decides that a request is wrong.
 *
 * The result of applying the assignments to a stored resource whose parents exist equals what
 * `applyPatch` and `parseResourceInput` make of it (a property test holds the two together).
 */
import { findResourceSchema, findAttribute, type ResourceType } from '../schemas/index.ts';
import { parseAttributePath } from '../filter/index.ts';
import { coerceValue, locateAttribute } from './apply.ts';
import type { PatchOperation } from './operation.ts';

/** Longest string value set this way (UTF-8 bytes); longer values go through the size checks of the general path. */
export const MAX_PLAIN_VALUE_BYTES = 2048;

/**
 * One attribute a PATCH sets: `path` under the stored attributes — `[name]`, `[name, sub]` for a
 * core complex attribute, or `[extension URN, name]`. Every path but the last segment must already
 * exist in the stored resource for the assignment to mean what the operation meant.
 */
export interface PlainAssignment {
  path: [string] | [string, string];
  value: string | boolean;
}

/**
 * The assignments equivalent to `operations`, in order with a later one on the same path
 * winning, or undefined when any operation is not plain.
 *
 * @example
 * plainAssignments('User', [{ op: 'replace', path: 'name.givenName', value: 'Ada' }]);
 * // [{ path: ['name', 'givenName'], value: 'Ada' }]
 */
export function plainAssignments(resourceType: ResourceType, operations: readonly PatchOperation[]): PlainAssignment[] | undefined {
  const byPath = new Map<string, PlainAssignment>();
  for (const operation of operations) {
    const assignment = plainAssignment(resourceType, operation);
    if (assignment === undefined) return undefined;
    const key = assignment.path.join('\u0000');
    byPath.delete(key);
    byPath.set(key, assignment);
  }
  return byPath.size === 0 ? undefined : [...byPath.values()];
}

function plainAssignment(resourceType: ResourceType, { op, path, value }: PatchOperation): PlainAssignment | undefined {
  if (op === 'remove' || path === undefined || (typeof value !== 'string' && typeof value !== 'boolean')) return undefined;
  let parsed: ReturnType<typeof parseAttributePath>;
  try {
    parsed = parseAttributePath(path);
  } catch {
    return undefined;
  }
  if (parsed.valueFilter !== undefined) return undefined;
  if (parsed.uri !== undefined && findResourceSchema(resourceType, parsed.uri) === undefined) return undefined;
  const located = locateAttribute(resourceType, parsed.uri, parsed.attribute);
  if (located === undefined) return undefined;
  const { definition, schema, extension } = located;
  if (definition.multiValued || definition.mutability !== 'readWrite' || definition.uniqueness !== 'none') return undefined;
  // id, externalId and meta are common attributes: not plain (externalId is an index).
  if (!extension && findAttribute(schema.attributes, definition.name) === undefined) return undefined;
  let leaf = definition;
  if (parsed.subAttribute !== undefined) {
    const sub = definition.type === 'complex' && !extension ? findAttribute(definition.subAttributes, parsed.subAttribute) : undefined;
    if (sub === undefined) return undefined;
    leaf = sub;
  }
  if (leaf.multiValued || leaf.mutability !== 'readWrite' || (leaf.type !== 'string' && leaf.type !== 'boolean')) return undefined;
  let coerced: unknown;
  try {
    coerced = coerceValue(leaf, value, path);
  } catch {
    return undefined;
  }
  if (typeof coerced !== 'string' && typeof coerced !== 'boolean') return undefined;
  if (typeof coerced === 'string' && Buffer.byteLength(coerced) > MAX_PLAIN_VALUE_BYTES) return undefined;
  if (extension) return { path: [schema.id, definition.name], value: coerced };
  return leaf === definition ? { path: [definition.name], value: coerced } : { path: [definition.name, leaf.name], value: coerced };
}
