/**
 * Whether a new version of an event's JSON Schema would break consumers of the released one.
 *
 * A consumer reads events, validates them, and may replay archived ones. So, within one
 * `schemaVersion`, a change breaks it when it:
 * - removes a field (the consumer reads it),
 * - changes a field's type or widens its allowed values (the consumer's code cannot handle them),
 * - makes a field required that was not (archived events lack it), or optional that was required
 *   (the consumer counts on it).
 * Adding an optional field, or narrowing what a field allows, does not break anyone.
 */

import { isJsonObject as isSchema, type JsonObject as JsonSchema } from '../core/json.ts';

function typesOf(schema: JsonSchema): string[] | undefined {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  if (Array.isArray(type)) return type.filter((entry): entry is string => typeof entry === 'string');
  return undefined;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

function compare(released: JsonSchema, current: JsonSchema, path: string, problems: string[]): void {
  const where = path === '' ? '(root)' : path;
  const oldTypes = typesOf(released);
  const newTypes = typesOf(current);
  if (oldTypes !== undefined) {
    if (newTypes === undefined) problems.push(`${where}: type ${oldTypes.join('|')} is no longer constrained`);
    // An integer is a number: narrowing number to integer breaks no reader.
    else if (newTypes.some((type) => !oldTypes.includes(type) && !(type === 'integer' && oldTypes.includes('number')))) problems.push(`${where}: type changed from ${oldTypes.join('|')} to ${newTypes.join('|')}`);
  }
  if (Array.isArray(released.enum)) {
    const allowed = released.enum.map((value) => JSON.stringify(value));
    if (!Array.isArray(current.enum)) problems.push(`${where}: no longer limited to ${allowed.join(', ')}`);
    else {
      const added = current.enum.map((value) => JSON.stringify(value)).filter((value) => !allowed.includes(value));
      if (added.length > 0) problems.push(`${where}: new allowed values ${added.join(', ')}`);
    }
  }

  const oldProperties = isSchema(released.properties) ? released.properties : {};
  const newProperties = isSchema(current.properties) ? current.properties : {};
  for (const [name, oldProperty] of Object.entries(oldProperties)) {
    const newProperty = newProperties[name];
    const child = path === '' ? name : `${path}.${name}`;
    if (newProperty === undefined) problems.push(`${child}: field removed`);
    else if (isSchema(oldProperty) && isSchema(newProperty)) compare(oldProperty, newProperty, child, problems);
  }
  const oldRequired = stringsOf(released.required);
  const newRequired = stringsOf(current.required);
  for (const name of newRequired) {
    if (!oldRequired.includes(name)) problems.push(`${path === '' ? name : `${path}.${name}`}: newly required`);
  }
  for (const name of oldRequired) {
    if (!newRequired.includes(name) && name in newProperties) problems.push(`${path === '' ? name : `${path}.${name}`}: no longer required`);
  }

  if (isSchema(released.items)) {
    if (isSchema(current.items)) compare(released.items, current.items, `${path}[]`, problems);
    else problems.push(`${where}[]: items no longer constrained`);
  }
  for (const keyword of ['anyOf', 'oneOf', 'allOf'] as const) {
    const oldBranches = released[keyword];
    if (!Array.isArray(oldBranches)) continue;
    const newBranches = current[keyword];
    if (!Array.isArray(newBranches) || newBranches.length !== oldBranches.length) {
      problems.push(`${where}: ${keyword} alternatives changed`);
      continue;
    }
    oldBranches.forEach((branch, index) => {
      const next = newBranches[index];
      if (isSchema(branch) && isSchema(next)) compare(branch, next, `${path}<${keyword}:${index}>`, problems);
    });
  }
}

/**
 * The changes from `released` to `current` that would break a consumer, one line each; empty
 * when `current` is a compatible evolution.
 *
 * @example
 * breakingChanges(releasedSchema, eventJsonSchema('user.created')) // ['detail.user.userName: field removed']
 */
export function breakingChanges(released: Record<string, unknown>, current: Record<string, unknown>): string[] {
  const problems: string[] = [];
  compare(released, current, '', problems);
  return problems;
}
