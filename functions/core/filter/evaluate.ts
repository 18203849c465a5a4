/**
 * Decides whether a resource matches a filter, with the matching rules of RFC 7644 §3.4.2.2.
 *
 * A filter is first compiled against the schema (through {@link FilterContext.resolve}): that
 * looks up each attribute's type and `caseExact` once, and rejects comparisons the RFC forbids
 * (`gt` on a boolean, …) whatever the data, so that a bad filter fails the same way on an empty
 * directory as on a full one. The compiled predicate is then run on each resource.
 */
import { foldCase } from '../case-fold.ts';
import { ScimError } from '../error.ts';
import { getIgnoringCase, isJsonObject } from '../json.ts';
import type { AttributeDefinition } from '../schemas/attribute.ts';
import type { AttributeRef, CompareNode, CompareOperator, CompareValue, FilterNode } from './ast.ts';
import { formatAttributeRef } from './format.ts';

/** What the evaluator needs to know about the resource's schemas. */
export interface FilterContext {
  /**
   * The definition of an attribute, or `undefined` when unknown (which is not an error here: the
   * value is then compared by its JSON type, strings case-insensitively).
   *
   * Called as `resolve({ uri?, attribute })` for an attribute of the resource (never with a
   * `subAttribute`), and as `resolve({ attribute }, parent)` for a sub-attribute of `parent`.
   * Names must be matched case-insensitively (RFC 7643 §2.1).
   */
  resolve(ref: AttributeRef, parent?: AttributeDefinition): AttributeDefinition | undefined;
  /**
   * The resource's core schema URN. A reference qualified with it names a core attribute; one
   * qualified with any other URN names an attribute of the extension object stored under that
   * URN key in the resource (RFC 7643 §3.3).
   */
  coreSchema: string;
  /**
   * When true, an attribute or sub-attribute that {@link resolve} does not know is refused with
   * `invalidFilter` (RFC 7644 §3.4.2.2: a filter naming an attribute the resource type does not
   * define is invalid) instead of being compared by its stored JSON type. List requests set it;
   * PATCH value filters, which the patch engine checks against the schema itself, do not.
   */
  rejectUnknownAttributes?: boolean;
}

/** A compiled filter: true when the resource (or, inside a value path, the element) matches. */
export type ResourcePredicate = (resource: Record<string, unknown>) => boolean;

type Scope = { relative: false } | { relative: true; parent: AttributeDefinition | undefined };

/** How values are compared, from the attribute's type (RFC 7643 §2.3). */
type ComparisonKind = 'string' | 'boolean' | 'number' | 'dateTime' | 'dynamic';

const ORDERING: ReadonlySet<CompareOperator> = new Set<CompareOperator>(['gt', 'ge', 'lt', 'le']);
const SUBSTRING: ReadonlySet<CompareOperator> = new Set<CompareOperator>(['co', 'sw', 'ew']);
const NUMERIC_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

function invalid(detail: string): never {
  throw ScimError.of('invalidFilter', detail);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** RFC 7644 §3.4.2.2 `pr`: null, "", [] and a complex value with nothing in it count as absent. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.every(isEmpty);
  if (isJsonObject(value)) return Object.values(value).every(isEmpty);
  return false;
}

function isPresent(raw: unknown, subAttribute: string | undefined): boolean {
  if (subAttribute === undefined) return !isEmpty(raw);
  return asArray(raw).some((item) => isJsonObject(item) && !isEmpty(getIgnoringCase(item, subAttribute)));
}

/**
 * The values a comparison looks at. A multi-valued attribute contributes each of its values;
 * a complex attribute compared without a sub-attribute contributes its `value` sub-attribute.
 */
function comparedValues(raw: unknown, subAttribute: string | undefined): unknown[] {
  const name = subAttribute ?? 'value';
  return asArray(raw).flatMap((item) => {
    if (isJsonObject(item)) return asArray(getIgnoringCase(item, name));
    return subAttribute === undefined ? [item] : [];
  });
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  // Microsoft Entra ID stores and sends booleans as "True"/"False".
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
  return undefined;
}

function toInstant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const instant = Date.parse(value);
  return Number.isNaN(instant) ? undefined : instant;
}

function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function order(op: CompareOperator, actual: number | string, expected: number | string): boolean {
  switch (op) {
    case 'gt':
      return actual > expected;
    case 'ge':
      return actual >= expected;
    case 'lt':
      return actual < expected;
    case 'le':
      return actual <= expected;
    default:
      return actual === expected;
  }
}

/**
 * String comparison; case-insensitive unless the attribute is caseExact (RFC 7644 §3.4.2.2), by
 * the same fold the uniqueness claims use, so `eq` finds whatever uniqueness counts as taken.
 */
function compareText(op: CompareOperator, actual: string, expected: string, caseExact: boolean): boolean {
  const a = caseExact ? actual : foldCase(actual);
  const e = caseExact ? expected : foldCase(expected);
  switch (op) {
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    default:
      return order(op, a, e);
  }
}

function kindOf(definition: AttributeDefinition | undefined): ComparisonKind {
  switch (definition?.type) {
    case 'boolean':
      return 'boolean';
    case 'integer':
    case 'decimal':
      return 'number';
    case 'dateTime':
      return 'dateTime';
    case 'string':
    case 'reference':
    case 'binary':
      return 'string';
    default:
      return 'dynamic';
  }
}

/**
 * Builds the test of one value against the filter's value. `ne` is built as `eq` and negated
 * by the caller. Throws invalidFilter for combinations RFC 7644 §3.4.2.2 rejects.
 */
function valueTest(node: CompareNode, definition: AttributeDefinition | undefined): (actual: unknown) => boolean {
  const op: CompareOperator = node.op === 'ne' ? 'eq' : node.op;
  const expected = node.value;
  const kind = kindOf(definition);
  const name = formatAttributeRef(node.path);
  const caseExact = definition?.caseExact ?? false;

  if ((kind === 'boolean' || typeof expected === 'boolean') && (ORDERING.has(op) || SUBSTRING.has(op))) {
    invalid(`"${node.op}" cannot compare booleans (${name}); use eq or ne (RFC 7644 §3.4.2.2)`);
  }
  if (definition?.type === 'binary' && ORDERING.has(op)) {
    invalid(`"${node.op}" cannot compare binary values (${name}) (RFC 7644 §3.4.2.2)`);
  }

  switch (kind) {
    case 'boolean': {
      const wanted = toBoolean(expected);
      if (wanted === undefined) invalid(`${name} is a boolean; compare it with true or false`);
      return (actual) => toBoolean(actual) === wanted;
    }
    case 'number': {
      if (SUBSTRING.has(op)) return (actual) => textMatch(op, actual, expected, caseExact);
      const wanted = toNumber(expected);
      if (wanted === undefined) invalid(`${name} is a number; compare it with a number`);
      return (actual) => {
        const number = toNumber(actual);
        return number !== undefined && order(op, number, wanted);
      };
    }
    case 'dateTime': {
      if (SUBSTRING.has(op)) return (actual) => textMatch(op, actual, expected, false);
      // RFC 7644 §3.4.2.2: dateTime values compare chronologically, not as text.
      const wanted = toInstant(expected);
      if (wanted === undefined) invalid(`${name} is a dateTime; compare it with an xsd:dateTime string such as "2011-05-13T04:42:34Z"`);
      return (actual) => {
        const instant = toInstant(actual);
        return instant !== undefined && order(op, instant, wanted);
      };
    }
    case 'string':
      return (actual) => textMatch(op, actual, expected, caseExact);
    case 'dynamic':
      return (actual) => dynamicMatch(op, actual, expected);
  }
}

function textMatch(op: CompareOperator, actual: unknown, expected: CompareValue, caseExact: boolean): boolean {
  const text = toText(actual);
  const wanted = toText(expected);
  return text !== undefined && wanted !== undefined && compareText(op, text, wanted, caseExact);
}

/** Comparison for an attribute the schema does not describe: by the stored JSON type. */
function dynamicMatch(op: CompareOperator, actual: unknown, expected: CompareValue): boolean {
  if (typeof actual === 'boolean' || typeof expected === 'boolean') {
    const a = toBoolean(actual);
    return op === 'eq' && a !== undefined && a === toBoolean(expected);
  }
  const wanted = toNumber(expected);
  if (typeof actual === 'number' && wanted !== undefined && !SUBSTRING.has(op)) return order(op, actual, wanted);
  return textMatch(op, actual, expected, false);
}

interface Target {
  /** The attribute's raw value in the resource or element, or undefined when absent. */
  read: (subject: Record<string, unknown>) => unknown;
  definition: AttributeDefinition | undefined;
}

/** invalidFilter for a reference the schemas do not define, when the context asks for it. Names the path, never a value. */
function known(definition: AttributeDefinition | undefined, ref: AttributeRef, context: FilterContext): AttributeDefinition | undefined {
  if (definition === undefined && context.rejectUnknownAttributes === true) {
    invalid(`${formatAttributeRef(ref)} is not an attribute of this resource type (RFC 7644 §3.4.2.2)`);
  }
  return definition;
}

/** Finds where a reference reads from and what the schema says about it. */
function bindTarget(ref: AttributeRef, scope: Scope, context: FilterContext): Target {
  if (scope.relative) {
    return {
      read: (element) => getIgnoringCase(element, ref.attribute),
      definition: scope.parent === undefined ? undefined : known(context.resolve({ attribute: ref.attribute }, scope.parent), ref, context),
    };
  }
  const top: AttributeRef = ref.uri === undefined ? { attribute: ref.attribute } : { uri: ref.uri, attribute: ref.attribute };
  const extension = ref.uri !== undefined && ref.uri.toLowerCase() !== context.coreSchema.toLowerCase() ? ref.uri : undefined;
  return {
    read: (resource) => {
      const container = extension === undefined ? resource : getIgnoringCase(resource, extension);
      return isJsonObject(container) ? getIgnoringCase(container, ref.attribute) : undefined;
    },
    definition: known(context.resolve(top), top, context),
  };
}

/** The definition of a sub-attribute, and a check that the parent can have sub-attributes. */
function bindSubAttribute(ref: AttributeRef, target: Target, context: FilterContext): AttributeDefinition | undefined {
  const parent = target.definition;
  if (parent === undefined || ref.subAttribute === undefined) return undefined;
  if (parent.type !== 'complex') invalid(`${ref.attribute} is not a complex attribute and has no sub-attribute ${ref.subAttribute}`);
  return known(context.resolve({ attribute: ref.subAttribute }, parent), ref, context);
}

function compileCompare(node: CompareNode, scope: Scope, context: FilterContext): ResourcePredicate {
  const target = bindTarget(node.path, scope, context);
  const subAttribute = node.path.subAttribute;
  const subDefinition = bindSubAttribute(node.path, target, context);

  // RFC 7644 §3.4.2.2: comparing with null asks whether the attribute is absent.
  if (node.value === null) {
    if (node.op === 'eq') return (subject) => !isPresent(target.read(subject), subAttribute);
    if (node.op === 'ne') return (subject) => isPresent(target.read(subject), subAttribute);
    invalid(`"${node.op}" cannot compare with null (${formatAttributeRef(node.path)}); use eq, ne or pr`);
  }

  let leaf = target.definition;
  if (subAttribute !== undefined) leaf = subDefinition;
  else if (target.definition?.type === 'complex') leaf = context.resolve({ attribute: 'value' }, target.definition);

  const test = valueTest(node, leaf);
  const values = (subject: Record<string, unknown>): unknown[] => comparedValues(target.read(subject), subAttribute);
  // A multi-valued attribute matches when any value matches; `ne` is the negation of `eq`,
  // so `emails ne "x"` excludes every resource that has "x", and matches when emails is absent.
  if (node.op === 'ne') return (subject) => !values(subject).some(test);
  return (subject) => values(subject).some(test);
}

function compile(node: FilterNode, scope: Scope, context: FilterContext): ResourcePredicate {
  switch (node.kind) {
    case 'logical': {
      const left = compile(node.left, scope, context);
      const right = compile(node.right, scope, context);
      return node.op === 'and' ? (subject) => left(subject) && right(subject) : (subject) => left(subject) || right(subject);
    }
    case 'not': {
      const inner = compile(node.filter, scope, context);
      return (subject) => !inner(subject);
    }
    case 'present': {
      const target = bindTarget(node.path, scope, context);
      bindSubAttribute(node.path, target, context);
      const subAttribute = node.path.subAttribute;
      return (subject) => isPresent(target.read(subject), subAttribute);
    }
    case 'compare':
      return compileCompare(node, scope, context);
    case 'valuePath': {
      const target = bindTarget(node.path, scope, context);
      if (target.definition !== undefined && target.definition.type !== 'complex') {
        invalid(`${formatAttributeRef(node.path)} is not a complex attribute; a value filter needs one`);
      }
      const inner = compile(node.filter, { relative: true, parent: target.definition }, context);
      // Some element of the attribute must satisfy the whole bracketed filter (RFC 7644 §3.4.2.2).
      return (subject) => asArray(target.read(subject)).some((element) => isJsonObject(element) && inner(element));
    }
  }
}

/**
 * Compiles a filter for repeated use, e.g. over a page of resources.
 *
 * @throws ScimError `invalidFilter` for a comparison RFC 7644 §3.4.2.2 forbids: `gt`/`ge`/`lt`/`le`
 *   on booleans or binary values, `co`/`sw`/`ew` on booleans, ordering against `null`, a
 *   non-date value for a dateTime attribute, a sub-attribute or value filter on a simple attribute.
 */
export function compileFilter(node: FilterNode, context: FilterContext): ResourcePredicate {
  return compile(node, { relative: false }, context);
}

/**
 * Whether a resource matches a filter (RFC 7644 §3.4.2.2).
 *
 * `resource` is the full SCIM JSON of the resource: core attributes at the top, extension
 * attributes in objects keyed by their schema URN. Attribute names match case-insensitively;
 * strings compare case-insensitively unless the attribute is `caseExact`; a multi-valued
 * attribute matches when any of its values does; `pr` and `eq null` treat null, "" and empty
 * arrays or objects as absent; booleans stored as "True"/"False" count as booleans.
 *
 * @throws ScimError `invalidFilter`, see {@link compileFilter}.
 * @example
 * evaluateFilter(parseFilter('emails[type eq "work"]'), user, { resolve: (ref, parent) => resolveAttribute('User', ref, parent), coreSchema: USER_SCHEMA });
 */
export function evaluateFilter(node: FilterNode, resource: Record<string, unknown>, context: FilterContext): boolean {
  return compileFilter(node, context)(resource);
}

/**
 * Whether one element of a multi-valued complex attribute matches a value filter, i.e. the
 * bracketed part of `emails[type eq "work"]`, whose references name sub-attributes of `parent`.
 * This is what a PATCH path's `valueFilter` selects (RFC 7644 §3.5.2).
 *
 * @param parent - the definition of the multi-valued attribute, when known.
 * @throws ScimError `invalidFilter`, see {@link compileFilter}.
 */
export function evaluateValueFilter(
  filter: FilterNode,
  element: Record<string, unknown>,
  parent: AttributeDefinition | undefined,
  context: FilterContext,
): boolean {
  return compile(filter, { relative: true, parent }, context)(element);
}
