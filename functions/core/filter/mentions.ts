/**
 * Questions about a filter's syntax tree that do not need a resource to answer.
 */
import type { FilterNode } from './ast.ts';

/**
 * True when the filter refers to the top-level attribute `name` anywhere, compared without
 * regard to case (RFC 7643 §2.1).
 *
 * @example mentionsAttribute(parseFilter('members[value eq "42"]'), 'members') // true
 */
export function mentionsAttribute(node: FilterNode, name: string): boolean {
  switch (node.kind) {
    case 'logical':
      return mentionsAttribute(node.left, name) || mentionsAttribute(node.right, name);
    case 'not':
      return mentionsAttribute(node.filter, name);
    default:
      return node.path.attribute.toLowerCase() === name.toLowerCase();
  }
}
