/**
 * The syntax tree of a SCIM filter (RFC 7644 §3.4.2.2) and of a PATCH path (RFC 7644 §3.5.2).
 *
 * The tree is deliberately small so that the directory service can walk it (for example to
 * turn `userName eq "x"` into a key lookup) without knowing anything about the grammar.
 * Grouping parentheses leave no node behind: `(a or b) and c` is an `and` whose left side
 * is an `or`. Attribute names are kept as the client wrote them; every comparison of names
 * is case-insensitive (RFC 7643 §2.1).
 */

/** The comparison operators of RFC 7644 §3.4.2.2 Table 3, except `pr`, which has its own node. */
export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';

/** The logical operators of RFC 7644 §3.4.2.2 Table 4 that join two filters. */
export type LogicalOperator = 'and' | 'or';

/** A JSON literal on the right of a comparison (`compValue` in RFC 7644 §3.4.2.2). */
export type CompareValue = string | number | boolean | null;

/**
 * An attribute named in a filter: `[URI ":"] ATTRNAME ["." subAttr]` (RFC 7644 §3.4.2.2).
 *
 * `uri` is the schema URN when the client qualified the name, e.g. for
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value` it is
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, `attribute` is `manager` and
 * `subAttribute` is `value`. Inside a value path (`emails[type eq "work"]`) a reference is
 * relative to one element of the multi-valued attribute: `attribute` then names a
 * sub-attribute (`type`) and neither `uri` nor `subAttribute` is ever set.
 */
export interface AttributeRef {
  uri?: string;
  attribute: string;
  subAttribute?: string;
}

/** `left and right`, `left or right`. */
export interface LogicalNode {
  kind: 'logical';
  op: LogicalOperator;
  left: FilterNode;
  right: FilterNode;
}

/** `not (filter)`. */
export interface NotNode {
  kind: 'not';
  filter: FilterNode;
}

/** `path op value`, e.g. `userName eq "bjensen"`. */
export interface CompareNode {
  kind: 'compare';
  op: CompareOperator;
  path: AttributeRef;
  value: CompareValue;
}

/** `path pr`: the attribute has a non-empty value. */
export interface PresentNode {
  kind: 'present';
  path: AttributeRef;
}

/**
 * `path[filter]`: some element of the (multi-valued, complex) attribute satisfies `filter`,
 * whose attribute references are relative to that element.
 */
export interface ValuePathNode {
  kind: 'valuePath';
  path: AttributeRef;
  filter: FilterNode;
}

/** Any SCIM filter expression. Switch on `kind`. */
export type FilterNode = LogicalNode | NotNode | CompareNode | PresentNode | ValuePathNode;

/**
 * The target of a PATCH operation: `PATH = attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2).
 *
 * @example
 * // emails[type eq "work"].value
 * { attribute: 'emails', valueFilter: { kind: 'compare', op: 'eq', path: { attribute: 'type' }, value: 'work' }, subAttribute: 'value' }
 */
export interface AttributePath {
  uri?: string;
  attribute: string;
  subAttribute?: string;
  /** The filter in brackets; its references are relative to one element of `attribute`. */
  valueFilter?: FilterNode;
}
