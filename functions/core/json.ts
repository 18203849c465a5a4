/**
 * The few facts about JSON values that every part of the protocol core needs: what counts as
 * an object of attributes, how deeply a request may nest, reading and writing a property by a
 * name in any letter case (RFC 7643 §2.1: attribute names are case-insensitive), describing a
 * value's JSON type without showing the value, the booleans Entra ID sends as strings, and when
 * two values of an attribute are the same value.
 */
import { foldCase } from './case-fold.ts';
import type { AttributeDefinition } from './schemas/attribute.ts';
import { findAttribute } from './schemas/index.ts';

/**
 * Deepest nesting of lists and objects accepted in a request body. The deepest body SCIM needs is
 * a PATCH of an extension's complex attribute (body, Operations, operation, value, extension,
 * attribute: 6 levels); 32 leaves room for any client while keeping every recursive walk over
 * the value (validation, the PATCH engine, JSON.stringify) far from the stack's limit.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * True when JSON text nests lists and objects deeper than `maxDepth`. It scans the text,
 * skipping strings, without parsing it, so that a body built to exhaust the stack is refused
 * before anything recurses over it. Text that is not JSON at all is left for the parser to refuse.
 *
 * @example jsonTextTooDeep('[[[1]]]', 2) // true
 */
export function jsonTextTooDeep(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index += 1; // backslash: the next character is escaped
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (code === 0x5d || code === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}

/**
 * True when a parsed value nests lists and objects deeper than `maxDepth`, for input that
 * arrives already parsed (a Lambda event). Walks with its own stack, so any depth is safe to check.
 *
 * @example jsonValueTooDeep({ a: [{}] }, 2) // true
 */
export function jsonValueTooDeep(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.pop() as { value: unknown; depth: number };
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > maxDepth) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return false;
}

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
