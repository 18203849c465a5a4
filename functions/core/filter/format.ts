/**
 * Writes syntax trees back as text, in one canonical spelling: lower-case operators, JSON
 * literals, single spaces, and parentheses only where the tree's shape needs them. For every
 * tree that `parseFilter` can produce, `parseFilter(formatFilter(tree))` equals `tree`.
 */
import type { AttributePath, AttributeRef, CompareValue, FilterNode, LogicalOperator } from './ast.ts';

/** `[uri ":"] attribute ["." subAttribute]`. */
export function formatAttributeRef(ref: AttributeRef): string {
  const qualified = ref.uri === undefined ? ref.attribute : `${ref.uri}:${ref.attribute}`;
  return ref.subAttribute === undefined ? qualified : `${qualified}.${ref.subAttribute}`;
}

function formatValue(value: CompareValue): string {
  // JSON.stringify writes -0 as "0"; keep the sign so the value survives a round trip.
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  return JSON.stringify(value);
}

/**
 * Whether a child of a logical node must be parenthesised to keep the tree's shape:
 * `and` binds tighter than `or`, and both group to the left (RFC 7644 §3.4.2.2).
 */
function needsParentheses(child: FilterNode, parent: LogicalOperator, side: 'left' | 'right'): boolean {
  if (child.kind !== 'logical') return false;
  if (parent === 'or') return side === 'right' && child.op === 'or';
  return side === 'right' || child.op === 'or';
}

function formatOperand(child: FilterNode, parent: LogicalOperator, side: 'left' | 'right'): string {
  const text = formatFilter(child);
  return needsParentheses(child, parent, side) ? `(${text})` : text;
}

/**
 * Writes a filter tree as canonical SCIM filter text.
 *
 * @example
 * formatFilter(parseFilter('UserName EQ "bjensen" AND (title pr OR active eq TRUE)'));
 * // 'userName eq "bjensen" and (title pr or active eq true)'
 */
export function formatFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'logical':
      return `${formatOperand(node.left, node.op, 'left')} ${node.op} ${formatOperand(node.right, node.op, 'right')}`;
    case 'not':
      return `not (${formatFilter(node.filter)})`;
    case 'present':
      return `${formatAttributeRef(node.path)} pr`;
    case 'compare':
      return `${formatAttributeRef(node.path)} ${node.op} ${formatValue(node.value)}`;
    case 'valuePath':
      return `${formatAttributeRef(node.path)}[${formatFilter(node.filter)}]`;
  }
}

/**
 * Writes a PATCH path (RFC 7644 §3.5.2) as text that `parseAttributePath` reads back.
 *
 * @example
 * formatAttributePath({ attribute: 'emails', valueFilter: parseFilter('type eq "work"'), subAttribute: 'value' });
 * // 'emails[type eq "work"].value'
 */
export function formatAttributePath(path: AttributePath): string {
  const base = path.uri === undefined ? path.attribute : `${path.uri}:${path.attribute}`;
  if (path.valueFilter === undefined) return path.subAttribute === undefined ? base : `${base}.${path.subAttribute}`;
  const filtered = `${base}[${formatFilter(path.valueFilter)}]`;
  return path.subAttribute === undefined ? filtered : `${filtered}.${path.subAttribute}`;
}
