/**
 * The few facts about JSON values that every part of the protocol core needs: what counts as
 * an object of attributes, reading and writing a property by a name in any letter case
 * (RFC 7643 §2.1: attribute names are case-insensitive), describing a value's JSON type without
 * showing the value, the booleans Entra ID sends as strings, and when two values of an
 * attribute are the same value.
 */
import { foldCase } from './case-fold.ts';
import type { AttributeDefinition } from './schemas/attribute.ts';
import { findAttribute } from './schemas/index.ts';

/** A JSON object: attribute names to values. */
export type JsonObject = Record<string, unknown>;

/** True for a JSON object: not null, not a list. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The own key of `object` equal to `name` ignoring case, preferring an exact match; undefined
 * when there is none.
 *
 * @example keyIgnoringCase({ UserName: 'ada' }, 'userName') // 'UserName'
 */
export function keyIgnoringCase(object: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === lower);
}

/** The value of the own property named `name` in any case, preferring an exact match. */
export function getIgnoringCase(object: JsonObject, name: string): unknown {
  const key = keyIgnoringCase(object, name);
  return key === undefined ? undefined : object[key];
}

/** Removes every own property named `name` in any case. */
export function deleteIgnoringCase(object: JsonObject, name: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) delete object[key];
}

/** Sets `name` spelled exactly so, dropping any property that differs from it only in case. */
export function setIgnoringCase(object: JsonObject, name: string, value: unknown): void {
  deleteIgnoringCase(object, name);
  object[name] = value;
}

/**
 * The JSON type of a value, for an error detail: `null`, `a list`, `an object`, `a string`, …
 * Never the value itself, which may be personal data.
 */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A boolean, also from the strings `"True"`/`"False"` in any case that Entra ID sends (RFC 7643
 * §2.3.2 wants JSON literals; both are accepted). Undefined for anything else.
 */
export function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

/**
 * True when `a` and `b` are the same value of the attribute `definition`: strings compare
 * by {@link foldCase} unless the attribute is `caseExact` (RFC 7643 §2.2), lists element by
 * element, complex values sub-attribute by sub-attribute (unknown sub-attributes exactly).
 *
 * @example sameValue(userNameDefinition, 'Ada', 'ada') // true: userName is not caseExact
 */
export function sameValue(definition: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && definition.type !== 'complex' && !definition.caseExact) {
    return foldCase(a) === foldCase(b);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => sameValue({ ...definition, multiValued: false }, item, b[index]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => {
      const sub = findAttribute(definition.subAttributes, key);
      return sub === undefined ? JSON.stringify(a[key]) === JSON.stringify(b[key]) : sameValue(sub, a[key], b[key]);
    });
  }
  return a === b;
}
