/**
 * Group membership in a PATCH request, taken apart from the other attributes.
 *
 * Members live in items of their own (a group may have 100,000 of them), so the service never
 * loads them to apply a PATCH: it applies the attribute operations to the group and turns each
 * membership step into membership writes. Both shapes Entra ID uses to remove a member are
 * understood: `path: "members"` with `value: [{ "value": id }]` (default) and
 * `path: 'members[value eq "id"]'` (with the `aadOptscim062020` flag).
 */
import { ScimError, isScimError } from '../error.ts';
import type { AttributePath } from '../filter/ast.ts';
import { parseAttributePath } from '../filter/index.ts';
import { isJsonObject } from '../json.ts';
import { parseMemberId, parseMembers, type MemberInput } from '../resource.ts';
import { GROUP_SCHEMA } from '../schemas/index.ts';
import { describeOperation, inOperation, type PatchOperation } from './operation.ts';
import { memberIdsOfFilter } from './value-filter.ts';

/** One change to a group's membership, in request order. */
export type MembershipStep =
  | { kind: 'add'; members: MemberInput[] }
  | { kind: 'remove'; memberIds: string[] }
  | { kind: 'removeAll' }
  | { kind: 'replace'; members: MemberInput[] };

/** The result of {@link splitMembershipOperations}. */
export interface SplitOperations {
  /** Operations on the group's other attributes, for `applyPatch`; each keeps its `index`. */
  attributeOperations: PatchOperation[];
  /** Membership changes, for the service to write as membership items. */
  membershipSteps: MembershipStep[];
}

/**
 * Splits the operations of a Group PATCH into attribute operations and membership steps, each
 * list in request order.
 *
 * - `add` `members` with `[{ "value": id, "$ref": null, "display": … }, …]` → `add`;
 * - `remove` `members` with `[{ "value": id }, …]` → `remove` those ids; without a value →
 *   `removeAll` (RFC 7644 §3.5.2.2);
 * - `remove` `members[value eq "a"]`, `members[value eq "a" or value eq "b"]` → `remove`;
 * - `replace` `members` → `replace` (RFC 7644 §3.5.2.3);
 * - a path-less `add`/`replace` whose value has a `members` key: that key becomes a step, the
 *   rest stays an attribute operation.
 *
 * @throws ScimError `invalidFilter` for any other filter on members, `invalidValue` for a member
 *   without a non-empty string id or with a type other than User or Group, `mutability` for a
 *   path to a member's sub-attribute (immutable, RFC 7643 §4.2); the detail names the operation.
 * @example
 * splitMembershipOperations([{ op: 'remove', path: 'members[value eq "u1"]', index: 0 }]);
 * // → { attributeOperations: [], membershipSteps: [{ kind: 'remove', memberIds: ['u1'] }] }
 */
export function splitMembershipOperations(operations: readonly PatchOperation[]): SplitOperations {
  const result: SplitOperations = { attributeOperations: [], membershipSteps: [] };
  operations.forEach((operation, position) => {
    const indexed: PatchOperation = { ...operation, index: operation.index ?? position };
    inOperation(describeOperation(indexed, position), () => split(indexed, result));
  });
  return result;
}

function split(operation: PatchOperation, result: SplitOperations): void {
  const { op, path, value } = operation;
  if (path === undefined || isGroupSchema(path)) {
    // A set of attributes: of the resource without a path, of the core schema with its URN as path.
    const taken = op === 'remove' || !isJsonObject(value) ? undefined : takeMembers(value);
    if (taken === undefined || taken.members.length === 0) {
      result.attributeOperations.push(operation);
      return;
    }
    if (Object.keys(taken.rest).length > 0) result.attributeOperations.push({ ...operation, value: taken.rest });
    for (const [target, members] of taken.members) splitMembersPath(op, target, members, result);
    return;
  }
  const target = parseAttributePath(path);
  if (isMembersPath(target)) splitMembersPath(op, target, value, result);
  else result.attributeOperations.push(operation);
}

/** One operation whose target is `members`, `members[filter]` or a member's sub-attribute. */
function splitMembersPath(op: PatchOperation['op'], target: AttributePath, value: unknown, result: SplitOperations): void {
  if (target.subAttribute !== undefined) {
    throw ScimError.of('mutability', "A member's sub-attributes are immutable (RFC 7643 §4.2); add or remove the member instead");
  }
  if (target.valueFilter === undefined) {
    pushStep(result, wholeMembersStep(op, value));
    return;
  }
  const ids = op === 'remove' ? memberIdsOfFilter(target.valueFilter) : undefined;
  if (ids === undefined) {
    throw ScimError.of('invalidFilter', 'Members can be selected only to remove them, by id: members[value eq "id"], optionally joined with "or"');
  }
  pushStep(result, { kind: 'remove', memberIds: distinct(ids.map((id) => parseMemberId(id, 'members[value eq …]'))) });
}

/** The step for an operation on `members` as a whole. */
function wholeMembersStep(op: PatchOperation['op'], value: unknown): MembershipStep | undefined {
  switch (op) {
    case 'add':
      // Adding no members changes nothing (RFC 7643 §2.5: null and [] mean "no value").
      return value === null || value === undefined ? undefined : { kind: 'add', members: membersOfValue(value) };
    case 'replace':
      return { kind: 'replace', members: value === null || value === undefined ? [] : membersOfValue(value) };
    case 'remove':
      // RFC 7644 §3.5.2.2: no filter removes every member. With a value (Entra ID), only those listed;
      // an empty list is read as "none", never as "all".
      if (value === null || value === undefined) return { kind: 'removeAll' };
      return { kind: 'remove', memberIds: membersOfValue(value).map((member) => member.value) };
  }
}

function pushStep(result: SplitOperations, step: MembershipStep | undefined): void {
  if (step === undefined) return;
  if ((step.kind === 'add' && step.members.length === 0) || (step.kind === 'remove' && step.memberIds.length === 0)) return;
  result.membershipSteps.push(step);
}

/** The members a PATCH value names; some clients send one member as an object rather than a list of one. */
function membersOfValue(value: unknown): MemberInput[] {
  return parseMembers(Array.isArray(value) ? value : [value]);
}

function distinct(ids: string[]): string[] {
  return [...new Set(ids)];
}

/**
 * The members entries of a set of attributes, each with the path its key names, and the other
 * attributes. A key names members when it parses as a path to them (`members`, `MEMBERS`,
 * `urn:…:core:2.0:Group:members`, even `members[value eq "x"]`); members may also sit in a
 * `urn:…:core:2.0:Group` object.
 */
function takeMembers(values: Record<string, unknown>): { rest: Record<string, unknown>; members: Array<[AttributePath, unknown]> } {
  const members: Array<[AttributePath, unknown]> = [];
  // Entries, not assignments, so that a key such as "__proto__" stays an ordinary key.
  const sort = (entries: Array<[string, unknown]>): Array<[string, unknown]> =>
    entries.filter(([key, value]) => {
      const target = membersPathOf(key);
      if (target !== undefined) members.push([target, value]);
      return target === undefined;
    });
  const rest = Object.entries(values).flatMap(([key, value]): Array<[string, unknown]> => {
    if (!isGroupSchema(key) || !isJsonObject(value)) return sort([[key, value]]);
    const others = sort(Object.entries(value));
    return others.length === 0 ? [] : [[key, Object.fromEntries(others)]];
  });
  return { rest: Object.fromEntries(rest), members };
}

/** The path a key names when it targets members; undefined for any other key, parsable or not. */
function membersPathOf(key: string): AttributePath | undefined {
  try {
    const target = parseAttributePath(key);
    return isMembersPath(target) ? target : undefined;
  } catch (error) {
    if (isScimError(error)) return undefined;
    throw error;
  }
}

/** `members`, or `urn:ietf:params:scim:schemas:core:2.0:Group:members` (RFC 7644 §3.10). */
function isMembersPath(path: AttributePath): boolean {
  return path.attribute.toLowerCase() === 'members' && (path.uri === undefined || isGroupSchema(path.uri));
}

function isGroupSchema(text: string): boolean {
  return text.toLowerCase() === GROUP_SCHEMA.toLowerCase();
}
