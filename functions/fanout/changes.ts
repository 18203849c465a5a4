/**
 * What changed between two stored attribute sets, in the names the events publish.
 */
import { isDeepStrictEqual } from 'node:util';
import { isJsonObject } from '../core/json.ts';

/** The names of the changed attributes and the value each had before. */
export interface AttributeChanges {
  changedAttributes: string[];
  /** Previous value by name; a changed attribute that was not set before has no entry. */
  previous: Record<string, unknown>;
}

/** An object of attributes; stored items may also hold DynamoDB sets, which are values, not objects. */
function isAttributeObject(value: unknown): value is Record<string, unknown> {
  return isJsonObject(value) && !(value instanceof Set);
}

/**
 * Compares two stored attribute sets. Top-level attributes are compared whole (a change of
 * `name.givenName` is reported as `name`, with the whole previous `name`). Schema extensions,
 * stored under their URN (RFC 7643 §3.3), are compared one attribute deeper and reported as
 * `<URN>:<attribute>`, the form a SCIM filter or PATCH path uses for them.
 * Names come out sorted, so the result does not depend on key order.
 */
export function diffAttributes(before: Record<string, unknown>, after: Record<string, unknown>): AttributeChanges {
  const changed: Array<[name: string, previous: unknown]> = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const old = before[name];
    const now = after[name];
    if (isDeepStrictEqual(old, now)) continue;
    const isExtension = name.toLowerCase().startsWith('urn:') && (isAttributeObject(old) || old === undefined) && (isAttributeObject(now) || now === undefined);
    if (!isExtension) {
      changed.push([name, old]);
      continue;
    }
    const oldExtension = (old ?? {}) as Record<string, unknown>;
    const newExtension = (now ?? {}) as Record<string, unknown>;
    for (const sub of new Set([...Object.keys(oldExtension), ...Object.keys(newExtension)])) {
      if (!isDeepStrictEqual(oldExtension[sub], newExtension[sub])) changed.push([`${name}:${sub}`, oldExtension[sub]]);
    }
  }
  changed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const previous: Record<string, unknown> = {};
  for (const [name, value] of changed) if (value !== undefined) previous[name] = value;
  return { changedAttributes: changed.map(([name]) => name), previous };
}

/** Removes names from a diff (e.g. `active`, which has events of its own). */
export function withoutAttributes(changes: AttributeChanges, names: readonly string[]): AttributeChanges {
  const previous = { ...changes.previous };
  for (const name of names) delete previous[name];
  return { changedAttributes: changes.changedAttributes.filter((name) => !names.includes(name)), previous };
}
