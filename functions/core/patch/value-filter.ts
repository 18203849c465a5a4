/**
 * What the PATCH engine reads out of a value filter (`emails[type eq "work"]`) besides
 * evaluating it: the equalities that describe a new element, and the member ids of a member
 * removal. Both look at the syntax tree only, never at the resource.
 */
import type { CompareNode, CompareValue, FilterNode, LogicalOperator } from '../filter/ast.ts';

/** One `subAttribute eq literal` condition of a value filter. */
export interface Equality {
  attribute: string;
  value: Exclude<CompareValue, null>;
}

/**
 * The conditions of a filter made only of `eq` comparisons joined by `and`, or undefined for
 * any other filter.
 *
 * Entra ID writes `emails[type eq "work"].value` both to change the work email and to create it
 * when the user has none, so a filter of this shape describes the element to create:
 * `{ "type": "work" }` plus the operation's value. A filter with `or`, `not`, `pr` or any other
 * operator names no single element and cannot seed one.
 */
export function equalitySeed(filter: FilterNode): Equality[] | undefined {
  const comparisons = flatten(filter, 'and');
  if (comparisons === undefined) return undefined;
  const seed: Equality[] = [];
  for (const comparison of comparisons) {
    if (comparison.op !== 'eq' || comparison.value === null || !isPlainReference(comparison)) return undefined;
    seed.push({ attribute: comparison.path.attribute, value: comparison.value });
  }
  return seed;
}

/**
 * The member ids of `value eq "a"` or `value eq "a" or value eq "b" …`, or undefined for any
 * other filter. Entra ID (with `aadOptscim062020`) removes a member with
 * `members[value eq "<id>"]` (RFC 7644 §3.5.2.2); nothing else is needed to remove members
 * without loading them.
 */
export function memberIdsOfFilter(filter: FilterNode): string[] | undefined {
  const comparisons = flatten(filter, 'or');
  if (comparisons === undefined) return undefined;
  const ids: string[] = [];
  for (const comparison of comparisons) {
    if (comparison.op !== 'eq' || typeof comparison.value !== 'string' || !isPlainReference(comparison)) return undefined;
    if (comparison.path.attribute.toLowerCase() !== 'value') return undefined;
    ids.push(comparison.value);
  }
  return ids;
}

/** A reference to one sub-attribute of the element, neither URN-qualified nor nested. */
function isPlainReference(comparison: CompareNode): boolean {
  return comparison.path.uri === undefined && comparison.path.subAttribute === undefined;
}

/**
 * The comparisons of a tree built only of `operator` nodes, left to right; undefined if any
 * other node occurs. Iterative, so that a long chain of `or` cannot exhaust the stack.
 */
function flatten(filter: FilterNode, operator: LogicalOperator): CompareNode[] | undefined {
  const comparisons: CompareNode[] = [];
  const pending: FilterNode[] = [filter];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (node.kind === 'compare') comparisons.push(node);
    else if (node.kind === 'logical' && node.op === operator) pending.push(node.right, node.left);
    else return undefined;
  }
  return comparisons;
}
