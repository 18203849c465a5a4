/**
 * PATCH bodies in the shapes Microsoft Entra ID sends, following the samples of Microsoft's
 * "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID" and of its
 * page on SCIM 2.0 compliance (with and without the `aadOptscim062020` flag). Ids and values are
 * our own.
 */

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The same body shape for every request. */
function patchBody(operations: Array<Record<string, unknown>>): Record<string, unknown> {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** Tutorial, "Update User [Multi-valued properties]". */
export const updateUserMultiValued = patchBody([
  { op: 'Replace', path: 'emails[type eq "work"].value', value: 'rosa.moreno@fabrikam.example' },
  { op: 'Replace', path: 'name.familyName', value: 'Moreno-Diaz' },
]);

/** Tutorial, "Update User [Single-valued properties]". */
export const updateUserSingleValued = patchBody([{ op: 'Replace', path: 'userName', value: 'rosa.moreno@fabrikam.example' }]);

/** Tutorial, "Disable User" (a JSON boolean; `Operations` comes before `schemas`). */
export const disableUser = {
  Operations: [{ op: 'Replace', path: 'active', value: false }],
  schemas: [PATCH_OP],
};

/** Compliance page, disabling a user without the flag: the boolean as a string. */
export const disableUserWithStringBoolean = patchBody([{ op: 'Replace', path: 'active', value: 'False' }]);

/** Compliance page, adding a single-valued string attribute without the flag. */
export const addNickName = patchBody([{ op: 'Add', path: 'nickName', value: 'Ro' }]);

/** Compliance page, replacing several attributes without the flag: one operation per attribute. */
export const replaceManyWithPaths = patchBody([
  { op: 'Replace', path: 'displayName', value: 'Rosa Moreno' },
  { op: 'Replace', path: 'emails[type eq "work"].value', value: 'rmoreno@fabrikam.example' },
  { op: 'Replace', path: 'name.givenName', value: 'Rosa' },
  { op: 'Replace', path: 'name.familyName', value: 'Moreno' },
  { op: 'Replace', path: 'externalId', value: 'rmoreno' },
  { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'E-1042' },
]);

/** Compliance page, replacing several attributes with the flag: one path-less operation. */
export const replaceManyWithoutPath = patchBody([
  { op: 'replace', path: 'emails[type eq "work"].value', value: 'rmoreno@fabrikam.example' },
  {
    op: 'replace',
    value: {
      displayName: 'Rosa Moreno',
      'name.givenName': 'Rosa',
      'name.familyName': 'Moreno',
      [`${ENTERPRISE}:employeeNumber`]: 'E-1042',
    },
  },
]);

/** Tutorial, "Example 5": the manager, unqualified, as a list of one `{ $ref, value }`. */
export const addManager = patchBody([
  {
    op: 'Add',
    path: 'manager',
    value: [{ $ref: 'https://scim.example/scim/v2/dir-1/Users/mgr-7', value: 'mgr-7' }],
  },
]);

/** Tutorial, "Update Group [Non-member attributes]". */
export const updateGroupDisplayName = patchBody([{ op: 'Replace', path: 'displayName', value: 'Finance Approvers' }]);

/** Tutorial, "Update Group [Add Members]". */
export const addMembers = patchBody([{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'usr-31' }] }]);

/** Tutorial, "Update Group [Remove Members]" (the default shape: ids in `value`). */
export const removeMembers = patchBody([{ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'usr-31' }] }]);

/** Compliance page, removing a member with the flag: the id in a value filter. */
export const removeMemberByFilter = patchBody([{ op: 'remove', path: 'members[value eq "usr-31"]' }]);
