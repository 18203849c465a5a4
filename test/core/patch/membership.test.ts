import { describe, expect, it } from 'vitest';
import type { ScimType } from '../../../functions/core/error.ts';
import { splitMembershipOperations, type MembershipStep } from '../../../functions/core/patch/membership.ts';
import type { PatchOperation } from '../../../functions/core/patch/operation.ts';
import { PATCH_OP_SCHEMA, parsePatchRequest } from '../../../functions/core/patch/request.ts';
import * as entra from './entra-requests.ts';
import { scimErrorOf } from '../../support/scim-errors.ts';

type Json = Record<string, unknown>;

function split(...operations: Json[]) {
  return splitMembershipOperations(parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: operations }));
}

describe('splitMembershipOperations: the Entra ID requests', () => {
  it.each<[string, Json, MembershipStep[]]>([
    ['Update Group [Add Members] ("$ref": null)', entra.addMembers, [{ kind: 'add', members: [{ value: 'usr-31' }] }]],
    ['Update Group [Remove Members] (ids in value)', entra.removeMembers, [{ kind: 'remove', memberIds: ['usr-31'] }]],
    ['remove with members[value eq "id"] (aadOptscim062020)', entra.removeMemberByFilter, [{ kind: 'remove', memberIds: ['usr-31'] }]],
  ])('%s', (_, body, steps) => {
    expect(splitMembershipOperations(parsePatchRequest(body))).toEqual({ attributeOperations: [], membershipSteps: steps });
  });

  it('leaves Update Group [Non-member attributes] as an attribute operation', () => {
    expect(splitMembershipOperations(parsePatchRequest(entra.updateGroupDisplayName))).toEqual({
      attributeOperations: [{ op: 'replace', path: 'displayName', value: 'Finance Approvers', index: 0 }],
      membershipSteps: [],
    });
  });
});

describe('splitMembershipOperations', () => {
  it.each<[string, Json[], MembershipStep[]]>([
    ['add with display and type', [{ op: 'add', path: 'members', value: [{ value: 'u1', display: 'Ann', type: 'user' }, { value: 'g1', type: 'Group' }] }], [{ kind: 'add', members: [{ value: 'u1', type: 'User' }, { value: 'g1', type: 'Group' }] }]],
    ['add of one member not wrapped in a list', [{ op: 'add', path: 'members', value: { value: 'u1' } }], [{ kind: 'add', members: [{ value: 'u1' }] }]],
    ['add drops duplicate ids', [{ op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u1' }] }], [{ kind: 'add', members: [{ value: 'u1' }] }]],
    ['add of an empty list is no step', [{ op: 'add', path: 'members', value: [] }], []],
    ['remove of several ids', [{ op: 'remove', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }], [{ kind: 'remove', memberIds: ['u1', 'u2'] }]],
    ['remove members[value eq "a" or value eq "b"]', [{ op: 'remove', path: 'members[value eq "u1" or value eq "u2"]' }], [{ kind: 'remove', memberIds: ['u1', 'u2'] }]],
    ['remove with a URN-qualified path', [{ op: 'remove', path: 'urn:ietf:params:scim:schemas:core:2.0:Group:members[value eq "u1"]' }], [{ kind: 'remove', memberIds: ['u1'] }]],
    ['remove members without value removes all (RFC 7644 §3.5.2.2)', [{ op: 'Remove', path: 'members' }], [{ kind: 'removeAll' }]],
    ['remove members with an empty list removes none', [{ op: 'remove', path: 'members', value: [] }], []],
    ['replace members', [{ op: 'Replace', path: 'members', value: [{ value: 'u3' }] }], [{ kind: 'replace', members: [{ value: 'u3' }] }]],
    ['replace members with an empty list', [{ op: 'replace', path: 'MEMBERS', value: [] }], [{ kind: 'replace', members: [] }]],
    [
      'steps keep request order',
      [
        { op: 'remove', path: 'members' },
        { op: 'add', path: 'members', value: [{ value: 'u1' }] },
        { op: 'remove', path: 'members[value eq "u1"]' },
      ],
      [{ kind: 'removeAll' }, { kind: 'add', members: [{ value: 'u1' }] }, { kind: 'remove', memberIds: ['u1'] }],
    ],
  ])('%s', (_, operations, steps) => {
    expect(split(...operations)).toEqual({ attributeOperations: [], membershipSteps: steps });
  });

  it('splits the members key off a path-less value and keeps the rest, with its index', () => {
    expect(
      split(
        { op: 'replace', path: 'externalId', value: 'ext-1' },
        { op: 'Replace', value: { displayName: 'Finance', members: [{ value: 'u1' }] } },
        { op: 'add', value: { members: [{ value: 'u2' }] } },
      ),
    ).toEqual({
      attributeOperations: [
        { op: 'replace', path: 'externalId', value: 'ext-1', index: 0 },
        { op: 'replace', value: { displayName: 'Finance' }, index: 1 },
      ],
      membershipSteps: [
        { kind: 'replace', members: [{ value: 'u1' }] },
        { kind: 'add', members: [{ value: 'u2' }] },
      ],
    });
  });

  it('finds members inside a core Group schema object, as a path or as a key', () => {
    const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
    expect(
      split(
        { op: 'add', path: GROUP, value: { members: [{ value: 'u1' }], displayName: 'Finance' } },
        { op: 'replace', value: { [GROUP]: { members: [{ value: 'u2' }] }, [`${GROUP}:members`]: [{ value: 'u3' }] } },
      ),
    ).toEqual({
      attributeOperations: [{ op: 'add', path: GROUP, value: { displayName: 'Finance' }, index: 0 }],
      membershipSteps: [
        { kind: 'add', members: [{ value: 'u1' }] },
        { kind: 'replace', members: [{ value: 'u2' }] },
        { kind: 'replace', members: [{ value: 'u3' }] },
      ],
    });
  });

  it('uses the list position as index when an operation has none', () => {
    const operations: PatchOperation[] = [{ op: 'add', path: 'displayName', value: 'x' }];
    expect(splitMembershipOperations(operations).attributeOperations).toEqual([{ op: 'add', path: 'displayName', value: 'x', index: 0 }]);
  });

  it.each<[string, Json, ScimType, string]>([
    ['a filter other than value eq', { op: 'remove', path: 'members[display eq "Ann"]' }, 'invalidFilter', 'members[value eq "id"]'],
    ['an "and" of ids', { op: 'remove', path: 'members[value eq "a" and value eq "b"]' }, 'invalidFilter', 'by id'],
    ['a filter on add', { op: 'add', path: 'members[value eq "u1"]', value: [{ value: 'u1' }] }, 'invalidFilter', 'only to remove'],
    ['a member sub-attribute', { op: 'replace', path: 'members[value eq "u1"].display', value: 'x' }, 'mutability', 'immutable'],
    ['an empty member id', { op: 'add', path: 'members', value: [{ value: '' }] }, 'invalidValue', '"members[0].value" must be a non-empty member id'],
    ['a member id that is only whitespace', { op: 'replace', path: 'members', value: [{ value: '  ' }] }, 'invalidValue', '"members[0].value" must be a non-empty member id'],
    ['a member id that is not a string', { op: 'remove', path: 'members', value: [{ value: 7 }] }, 'invalidValue', 'non-empty member id'],
    ['an empty id in a filter', { op: 'remove', path: 'members[value eq ""]' }, 'invalidValue', 'non-empty member id'],
    ['a member that is a bare string', { op: 'add', path: 'members', value: ['u1'] }, 'invalidValue', 'must be an object'],
    ['an unknown member type', { op: 'add', path: 'members', value: [{ value: 'u1', type: 'Device' }] }, 'invalidValue', '"User" or "Group"'],
    ['a filtered members key in a path-less value', { op: 'add', value: { displayName: 'x', 'members[value eq "u1"]': [] } }, 'invalidFilter', 'only to remove'],
    ['a member sub-attribute key in a path-less value', { op: 'replace', value: { 'MEMBERS.value': 'u1' } }, 'mutability', 'immutable'],
  ])('rejects %s, naming the operation', (_, operation, scimType, detail) => {
    const error = scimErrorOf(() => split({ op: 'replace', path: 'displayName', value: 'x' }, operation));
    expect(error.scimType).toBe(scimType);
    expect(error.detail).toMatch(/^Operations\[1\] \(/);
    expect(error.detail).toContain(detail);
  });
});
