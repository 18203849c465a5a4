/**
 * SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2): parse text into a small
 * syntax tree, write a tree back as text, and evaluate a tree against a resource.
 *
 * @example
 * const filter = parseFilter('userName eq "bjensen" and emails[type eq "work"]');
 * if (filter.kind === 'compare' && filter.op === 'eq') lookUp(filter.path, filter.value);
 * const matches = evaluateFilter(filter, user, context);
 */
export type {
  AttributePath,
  AttributeRef,
  CompareNode,
  CompareOperator,
  CompareValue,
  FilterNode,
  LogicalNode,
  LogicalOperator,
  NotNode,
  PresentNode,
  ValuePathNode,
} from './ast.ts';
export { parseFilter, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH } from './parser.ts';
export { parseAttributePath } from './attribute-path.ts';
export { formatAttributePath, formatAttributeRef, formatFilter } from './format.ts';
export { compileFilter, evaluateFilter, evaluateValueFilter } from './evaluate.ts';
export { mentionsAttribute } from './mentions.ts';
export type { FilterContext, ResourcePredicate } from './evaluate.ts';
