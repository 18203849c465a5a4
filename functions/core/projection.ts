/**
 * `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9), applied with each
 * attribute's `returned` characteristic (RFC 7643 §7).
 */
import { isJsonObject, type JsonObject } from './json.ts';
import type { AttributeDefinition, SchemaDefinition } from './schemas/attribute.ts';
import { COMMON_ATTRIBUTES, findAttribute, schemasOf, splitSchemaPrefix, type ResourceType } from './schemas/index.ts';

/** The two query parameters of a read. */
export interface ProjectionOptions {
  attributes?: string[];
  excludedAttributes?: string[];
}

/**
 * What a list of names selects: whole schemas (a bare extension URN), whole attributes, or
 * some sub-attributes of an attribute. Definitions are shared objects, so identity is the key.
 */
interface Selection {
  schemas: Set<SchemaDefinition>;
  attributes: Map<AttributeDefinition, Set<AttributeDefinition> | 'all'>;
}

function parseSelection(resourceType: ResourceType, names: readonly string[]): Selection {
  const { core } = schemasOf(resourceType);
  const selection: Selection = { schemas: new Set(), attributes: new Map() };
  for (const name of names) {
    let schema = core;
    let rest = name.trim();
    const prefixed = splitSchemaPrefix(resourceType, rest);
    if (prefixed !== undefined) {
      ({ schema, rest } = prefixed);
      if (rest === '') {
        selection.schemas.add(schema);
        continue;
      }
    } else if (rest.toLowerCase().startsWith('urn:')) {
      continue;
    }
    // Names that match nothing are ignored, as RFC 7644 §3.4.2.5 permits.
    const [attributeName = '', subName, ...more] = rest.split('.');
    if (more.length > 0) continue;
    const attribute = findAttribute(schema.attributes, attributeName) ?? (schema === core ? findAttribute(COMMON_ATTRIBUTES, attributeName) : undefined);
    if (attribute === undefined) continue;
    const already = selection.attributes.get(attribute);
    if (subName === undefined) {
      selection.attributes.set(attribute, 'all');
      continue;
    }
    const sub = findAttribute(attribute.subAttributes, subName);
    if (sub === undefined || already === 'all') continue;
    selection.attributes.set(attribute, new Set([...(already ?? []), sub]));
  }
  return selection;
}

/**
 * Decides, for one attribute, whether it is returned and which of its sub-attributes are.
 * `schemaNamed` is true when the list named the attribute's whole (extension) schema.
 */
type Rule = (definition: AttributeDefinition, schemaNamed: boolean) => 'all' | 'none' | Set<AttributeDefinition>;

/**
 * Returns the representation a client asked for (RFC 7644 §3.4.2.5, §3.9):
 *
 * - `returned: "always"` attributes (`id`, and `schemas`) are kept even when excluded;
 *   `"never"` ones (`password`) are never returned; `"request"` ones only when named in
 *   `attributes`; `"default"` ones unless excluded or, with `attributes`, unless named.
 * - Names compare case-insensitively and may be URN-qualified (`urn:…:enterprise:2.0:User:manager`),
 *   dotted (`name.givenName`, `emails.value`), or a bare extension URN for the whole extension.
 *   Names that match nothing are ignored.
 * - When both lists are given, `attributes` wins and `excludedAttributes` is ignored: RFC 7644
 *   does not define their combination, and the explicit list is the safer reading.
 * - Keys the schemas do not describe are not returned; complex values left empty are dropped.
 *
 * @example
 * projectResource('Group', group, { excludedAttributes: ['members'] });
 */
export function projectResource(resourceType: ResourceType, resource: JsonObject, options: ProjectionOptions = {}): JsonObject {
  const { rule, namedSchemas } = makeRule(resourceType, options);
  const { core, extensions } = schemasOf(resourceType);
  const result: JsonObject = {};
  // RFC 7643 §3: `schemas` describes the representation; it is returned with every resource.
  if (resource['schemas'] !== undefined) result['schemas'] = resource['schemas'];
  const [id, externalId, meta] = COMMON_ATTRIBUTES;
  const top = [id, externalId, ...core.attributes, meta].filter((definition) => definition !== undefined);
  Object.assign(result, projectObject(top, resource, (definition) => rule(definition, namedSchemas.has(core))));
  for (const extension of extensions) {
    const value = resource[extension.id];
    if (!isJsonObject(value)) continue;
    const projected = projectObject(extension.attributes, value, (definition) => rule(definition, namedSchemas.has(extension)));
    if (Object.keys(projected).length > 0) result[extension.id] = projected;
  }
  return result;
}

function makeRule(resourceType: ResourceType, options: ProjectionOptions): { rule: Rule; namedSchemas: Set<SchemaDefinition> } {
  if (options.attributes !== undefined && options.attributes.length > 0) {
    const selected = parseSelection(resourceType, options.attributes);
    const rule: Rule = (definition, schemaNamed) => {
      if (definition.returned === 'never') return 'none';
      if (definition.returned === 'always' || schemaNamed) return 'all';
      return selected.attributes.get(definition) ?? 'none';
    };
    return { rule, namedSchemas: selected.schemas };
  }
  const excluded = parseSelection(resourceType, options.excludedAttributes ?? []);
  const rule: Rule = (definition, schemaNamed) => {
    if (definition.returned === 'always') return 'all';
    if (definition.returned !== 'default' || schemaNamed) return 'none';
    const choice = excluded.attributes.get(definition);
    if (choice === undefined) return 'all';
    if (choice === 'all') return 'none';
    return new Set((definition.subAttributes ?? []).filter((sub) => sub.returned === 'always' || (sub.returned === 'default' && !choice.has(sub))));
  };
  return { rule, namedSchemas: excluded.schemas };
}

/** Projects the attributes `definitions` describe out of `source`, as `decide` says. */
function projectObject(
  definitions: readonly AttributeDefinition[],
  source: JsonObject,
  decide: (definition: AttributeDefinition) => 'all' | 'none' | Set<AttributeDefinition>,
): JsonObject {
  const result: JsonObject = {};
  for (const definition of definitions) {
    const value = source[definition.name];
    if (value === undefined || value === null) continue;
    const choice = decide(definition);
    if (choice === 'none') continue;
    const projected = definition.type === 'complex' ? projectComplex(definition, value, choice) : value;
    if (projected !== undefined) result[definition.name] = projected;
  }
  return result;
}

/** Keeps the chosen sub-attributes of a complex value (or of each value of a list of them). */
function projectComplex(definition: AttributeDefinition, value: unknown, choice: 'all' | Set<AttributeDefinition>): unknown {
  const subAttributes = (definition.subAttributes ?? []).filter((sub) => {
    if (sub.returned === 'never') return false;
    if (sub.returned === 'always') return true;
    return choice === 'all' ? sub.returned === 'default' : choice.has(sub);
  });
  const pick = (item: unknown): JsonObject | undefined => {
    if (!isJsonObject(item)) return undefined;
    const picked: JsonObject = {};
    for (const sub of subAttributes) {
      if (item[sub.name] !== undefined && item[sub.name] !== null) picked[sub.name] = item[sub.name];
    }
    return Object.keys(picked).length === 0 ? undefined : picked;
  };
  if (!Array.isArray(value)) return pick(value);
  const items = value.flatMap((item) => {
    const picked = pick(item);
    return picked === undefined ? [] : [picked];
  });
  return items.length === 0 ? undefined : items;
}

/**
 * True when a response projected with `options` would include the top-level attribute `name`,
 * schema-qualified or not, whole or by a sub-attribute. The service asks it before reading what
 * only that attribute needs (a group's members): an attribute the client left out costs nothing.
 *
 * @example projectionWants('members', { excludedAttributes: ['members'] }) // false
 */
export function projectionWants(name: string, options: ProjectionOptions): boolean {
  const lower = name.toLowerCase();
  const mentions = (list: string[] | undefined) =>
    (list ?? []).some((entry) => {
      const value = entry.toLowerCase();
      return value === lower || value.startsWith(`${lower}.`) || value.endsWith(`:${lower}`) || value.includes(`:${lower}.`);
    });
  if (options.attributes !== undefined && options.attributes.length > 0) return mentions(options.attributes);
  return !mentions(options.excludedAttributes);
}
