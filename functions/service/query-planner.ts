/**
 * Decides how a list request's filter is served: by direct lookups (a resource id or a
 * uniqueness claim, each one strongly consistent GetItem) or by reading the directory's
 * resources in pages. Lookups only narrow the candidates; the whole filter is still evaluated
 * on each candidate, so the answer is the same either way.
 */
import type { FilterNode } from '../core/filter/index.ts';
import { GROUP_SCHEMA, USER_SCHEMA } from '../core/schemas/index.ts';
import type { Claim, ResourceType } from './repository.ts';

/** One direct lookup: an id, or a claim that names its holders (one for a unique claim, any number for externalId). */
export type Lookup = { kind: 'id'; id: string } | { kind: 'claim'; claim: Claim };

/** Which stored claim serves `<attribute> eq <value>` for each resource type. */
const CLAIMED_ATTRIBUTES: Record<ResourceType, Record<string, Claim['kind']>> = {
  User: { username: 'userName', externalid: 'externalId' },
  Group: { displayname: 'groupName', externalid: 'groupExternalId' },
};

/** Most lookups one filter may fan out to (an `or` of many equalities); beyond it, pages are read. */
export const MAX_LOOKUPS = 50;

function lookupForEquality(type: ResourceType, node: Extract<FilterNode, { kind: 'compare' }>): Lookup | undefined {
  if (node.op !== 'eq' || node.path.subAttribute !== undefined) return undefined;
  if (node.value === null || typeof node.value === 'object') return undefined;
  const coreSchema = type === 'User' ? USER_SCHEMA : GROUP_SCHEMA;
  if (node.path.uri !== undefined && node.path.uri.toLowerCase() !== coreSchema.toLowerCase()) return undefined;
  const attribute = node.path.attribute.toLowerCase();
  // Unquoted values (Entra ID's `externalId eq jyoung`) may parse as numbers or booleans.
  const value = String(node.value);
  if (attribute === 'id') return { kind: 'id', id: value };
  const claimKind = CLAIMED_ATTRIBUTES[type][attribute];
  return claimKind === undefined ? undefined : { kind: 'claim', claim: { kind: claimKind, value } };
}

/**
 * The lookups that find every resource the filter can match, or undefined when the filter
 * needs a read of the directory's resources.
 */
export function planLookups(type: ResourceType, node: FilterNode): Lookup[] | undefined {
  const plan = (current: FilterNode): Lookup[] | undefined => {
    switch (current.kind) {
      case 'compare': {
        const lookup = lookupForEquality(type, current);
        return lookup === undefined ? undefined : [lookup];
      }
      case 'logical': {
        const left = plan(current.left);
        const right = plan(current.right);
        if (current.op === 'and') {
          // Either side's candidates contain every match of the conjunction; take the smaller.
          if (left === undefined) return right;
          if (right === undefined) return left;
          return left.length <= right.length ? left : right;
        }
        return left === undefined || right === undefined ? undefined : [...left, ...right];
      }
      default:
        return undefined;
    }
  };
  const lookups = plan(node);
  return lookups !== undefined && lookups.length <= MAX_LOOKUPS ? lookups : undefined;
}
