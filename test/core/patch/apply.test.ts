import { describe, expect, it } from 'vitest';
import type { ScimType } from '../../../functions/core/error.ts';
import { applyPatch } from '../../../functions/core/patch/apply.ts';
import { PATCH_OP_SCHEMA, parsePatchRequest } from '../../../functions/core/patch/request.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../../functions/core/schemas/index.ts';
import * as entra from './entra-requests.ts';
import { scimErrorOf } from '../../support/scim-errors.ts';

type Json = Record<string, unknown>;

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;

/** A stored user as the service keeps it. */
const rosa: Json = {
  schemas: [USER_SCHEMA],
  id: 'usr-1',
  externalId: 'rmoreno-old',
  meta: { resourceType: 'User', created: '2024-05-01T09:00:00Z', lastModified: '2024-05-01T09:00:00Z' },
  userName: 'rosa@fabrikam.example',
  name: { givenName: 'Rosa', familyName: 'Moreno' },
  active: true,
  emails: [{ value: 'rosa@fabrikam.example', type: 'work', primary: true }],
};

/** Rosa with `changes` laid over her (undefined removes a key). */
function rosaWith(changes: Json): Json {
  const result: Json = { ...structuredClone(rosa), ...structuredClone(changes) };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete result[key];
  return result;
}

const withEnterprise = (extension: Json, changes: Json = {}): Json =>
  rosaWith({ schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: extension, ...changes });

function request(...operations: Json[]): Json {
  return { schemas: [PATCH_OP_SCHEMA], Operations: operations };
}

function patchUser(resource: Json, body: unknown): Json {
  return applyPatch('User', resource, parsePatchRequest(body));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('applyPatch: the Entra ID tutorial requests', () => {
  it.each<[string, Json, Json]>([
    [
      'Update User [Multi-valued properties]',
      entra.updateUserMultiValued,
      rosaWith({
        name: { givenName: 'Rosa', familyName: 'Moreno-Diaz' },
        emails: [{ value: 'rosa.moreno@fabrikam.example', type: 'work', primary: true }],
      }),
    ],
    ['Update User [Single-valued properties]', entra.updateUserSingleValued, rosaWith({ userName: 'rosa.moreno@fabrikam.example' })],
    ['Disable User', entra.disableUser, rosaWith({ active: false })],
    ['Disable User with "False" (no aadOptscim062020)', entra.disableUserWithStringBoolean, rosaWith({ active: false })],
    ['Add a single-valued string attribute', entra.addNickName, rosaWith({ nickName: 'Ro' })],
    [
      'Replace several attributes, one path each',
      entra.replaceManyWithPaths,
      withEnterprise(
        { employeeNumber: 'E-1042' },
        {
          displayName: 'Rosa Moreno',
          externalId: 'rmoreno',
          name: { givenName: 'Rosa', familyName: 'Moreno' },
          emails: [{ value: 'rmoreno@fabrikam.example', type: 'work', primary: true }],
        },
      ),
    ],
    [
      'Replace several attributes in one path-less operation (aadOptscim062020)',
      entra.replaceManyWithoutPath,
      withEnterprise(
        { employeeNumber: 'E-1042' },
        {
          displayName: 'Rosa Moreno',
          name: { givenName: 'Rosa', familyName: 'Moreno' },
          emails: [{ value: 'rmoreno@fabrikam.example', type: 'work', primary: true }],
        },
      ),
    ],
    ['Example 5: add the manager, unqualified, as a list of one', entra.addManager, withEnterprise({ manager: { value: 'mgr-7', $ref: 'https://scim.example/scim/v2/dir-1/Users/mgr-7' } })],
  ])('%s', (_, body, expected) => {
    expect(patchUser(rosa, body)).toEqual(expected);
  });

  it('Update Group [Non-member attributes]', () => {
    const group = { schemas: [GROUP_SCHEMA], id: 'grp-1', displayName: 'Finance', meta: { resourceType: 'Group' } };
    expect(applyPatch('Group', group, parsePatchRequest(entra.updateGroupDisplayName))).toEqual({ ...group, displayName: 'Finance Approvers' });
  });
});

const noEmails = rosaWith({ emails: undefined });

describe('applyPatch: RFC 7644 §3.5.2 and client habits', () => {
  it.each<[string, Json, Json[], Json]>([
    // A value filter's `eq` conditions seed the value when none matches (Entra ID).
    ['replace emails[type eq "work"].value creates the work email', noEmails, [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'r@f.example' }], rosaWith({ emails: [{ type: 'work', value: 'r@f.example' }] })],
    ['add phoneNumbers[type eq "mobile"].value creates the mobile number', rosa, [{ op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+44 20 7946 0000' }], rosaWith({ phoneNumbers: [{ type: 'mobile', value: '+44 20 7946 0000' }] })],
    ['replace addresses[type eq "work"].formatted creates the work address', rosa, [{ op: 'Replace', path: 'addresses[type eq "work"].formatted', value: '1 Main St' }], rosaWith({ addresses: [{ type: 'work', formatted: '1 Main St' }] })],
    [
      'the seed of an "and" filter carries every condition, and a new primary value demotes the old one',
      rosa,
      [{ op: 'add', path: 'emails[type eq "home" and primary eq true].value', value: 'rosa@home.example' }],
      rosaWith({ emails: [{ value: 'rosa@fabrikam.example', type: 'work', primary: false }, { type: 'home', primary: true, value: 'rosa@home.example' }] }),
    ],
    [
      'replace emails[type eq "work"] replaces the matching value, keeping the filter true of it',
      rosa,
      [{ op: 'replace', path: 'emails[type eq "work"]', value: { value: 'new@f.example' } }],
      rosaWith({ emails: [{ type: 'work', value: 'new@f.example' }] }),
    ],
    [
      'add emails[type eq "work"] merges into the matching value',
      rosa,
      [{ op: 'add', path: 'emails[type eq "work"]', value: { display: 'Work' } }],
      rosaWith({ emails: [{ value: 'rosa@fabrikam.example', type: 'work', primary: true, display: 'Work' }] }),
    ],
    ['remove emails[type eq "work"] removes the value and the empty attribute', rosa, [{ op: 'remove', path: 'emails[type eq "work"]' }], noEmails],
    ['remove emails[type eq "work"].primary removes only the sub-attribute', rosa, [{ op: 'remove', path: 'emails[type eq "work"].primary' }], rosaWith({ emails: [{ value: 'rosa@fabrikam.example', type: 'work' }] })],
    ['remove with a filter that matches nothing changes nothing', rosa, [{ op: 'remove', path: 'emails[type eq "home"]' }], rosa],
    ['remove of a missing attribute changes nothing', rosa, [{ op: 'remove', path: 'title' }], rosa],
    ['remove of a missing extension attribute changes nothing', rosa, [{ op: 'Remove', path: `${ENTERPRISE}:manager` }], rosa],
    // Enterprise extension by URN.
    ['manager as a bare id', rosa, [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: 'mgr-7' }], withEnterprise({ manager: { value: 'mgr-7' } })],
    ['manager as { value }', rosa, [{ op: 'Replace', path: `${ENTERPRISE}:manager`, value: { value: 'mgr-7' } }], withEnterprise({ manager: { value: 'mgr-7' } })],
    ['manager.value by URN and sub-attribute', rosa, [{ op: 'replace', path: `${ENTERPRISE}:manager.value`, value: 'mgr-8' }], withEnterprise({ manager: { value: 'mgr-8' } })],
    ['employeeNumber and department', rosa, [{ op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: '42' }, { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Finance' }], withEnterprise({ employeeNumber: '42', department: 'Finance' })],
    ['removing the manager keeps the other extension attributes', withEnterprise({ department: 'Finance', manager: { value: 'mgr-7' } }), [{ op: 'Remove', path: `${ENTERPRISE}:manager` }], withEnterprise({ department: 'Finance' })],
    ['removing the last extension attribute drops the extension and its URN', withEnterprise({ manager: { value: 'mgr-7' } }), [{ op: 'Remove', path: `${ENTERPRISE}:manager` }], rosa],
    ['the extension URN as path adds to the extension object', withEnterprise({ department: 'Finance' }), [{ op: 'add', path: ENTERPRISE, value: { costCenter: 'CC-1' } }], withEnterprise({ department: 'Finance', costCenter: 'CC-1' })],
    ['the extension URN as path removes the extension object', withEnterprise({ department: 'Finance' }), [{ op: 'remove', path: ENTERPRISE }], rosa],
    // Path-less values.
    [
      'path-less replace with dotted, URN-prefixed and nested extension keys',
      rosa,
      [{ op: 'replace', value: { 'name.givenName': 'Rosalind', [`${ENTERPRISE}:department`]: 'Finance', [ENTERPRISE]: { manager: 'mgr-7', division: 'EMEA' } } }],
      withEnterprise({ department: 'Finance', manager: { value: 'mgr-7' }, division: 'EMEA' }, { name: { givenName: 'Rosalind', familyName: 'Moreno' } }),
    ],
    ['path-less add merges a complex value', rosa, [{ op: 'add', value: { name: { middleName: 'M' } } }], rosaWith({ name: { givenName: 'Rosa', familyName: 'Moreno', middleName: 'M' } })],
    ['path-less replace skips readOnly keys (id, meta, groups) and the schemas list', rosa, [{ op: 'replace', value: { id: 'other', meta: { created: 'x' }, groups: [{ value: 'g' }], schemas: ['urn:x'], title: 'CFO' } }], rosaWith({ title: 'CFO' })],
    ['path-less replace skips unknown attributes and unserved extensions', rosa, [{ op: 'replace', value: { favouriteColour: 'blue', 'urn:example:custom:2.0:User:tag': 't', title: 'CFO' } }], rosaWith({ title: 'CFO' })],
    ['path-less replace with null removes the attribute (RFC 7643 §2.5)', rosaWith({ title: 'CFO' }), [{ op: 'replace', value: { title: null } }], rosa],
    // Booleans as strings, lists of one.
    ['"True" becomes true', rosaWith({ active: false }), [{ op: 'Replace', path: 'active', value: 'True' }], rosa],
    ['" false " in any case becomes false', rosa, [{ op: 'Replace', path: 'active', value: ' FALSE ' }], rosaWith({ active: false })],
    ['"True" for a boolean sub-attribute becomes true', rosaWith({ emails: [{ value: 'a@f.example', type: 'work' }] }), [{ op: 'replace', path: 'emails[type eq "work"].primary', value: 'True' }], rosaWith({ emails: [{ value: 'a@f.example', type: 'work', primary: true }] })],
    ['a list of one for a single-valued attribute', rosa, [{ op: 'replace', path: 'displayName', value: ['Rosa M.'] }], rosaWith({ displayName: 'Rosa M.' })],
    // Case-insensitive names, stored in schema spelling.
    ['attribute names in any case', rosaWith({ Title: 'old' }), [{ op: 'replace', path: 'TITLE', value: 'CFO' }, { op: 'replace', path: 'Name.GivenName', value: 'R' }], rosaWith({ title: 'CFO', name: { givenName: 'R', familyName: 'Moreno' } })],
    ['value filter names in any case', rosa, [{ op: 'replace', path: 'EMAILS[TYPE eq "WORK"].VALUE', value: 'x@f.example' }], rosaWith({ emails: [{ value: 'x@f.example', type: 'work', primary: true }] })],
    ['extension URN in any case', rosa, [{ op: 'add', path: `${ENTERPRISE.toLowerCase()}:DEPARTMENT`, value: 'Finance' }], withEnterprise({ department: 'Finance' })],
    // Multi-valued attributes without a filter.
    ['add appends a new value', rosa, [{ op: 'add', path: 'emails', value: [{ value: 'r@home.example', type: 'home' }] }], rosaWith({ emails: [{ value: 'rosa@fabrikam.example', type: 'work', primary: true }, { value: 'r@home.example', type: 'home' }] })],
    ['add does not duplicate a value already there (RFC 7644 §3.5.2.1)', rosa, [{ op: 'add', path: 'emails', value: [{ value: 'ROSA@fabrikam.example', type: 'work' }] }], rosaWith({ emails: [{ value: 'ROSA@fabrikam.example', type: 'work', primary: true }] })],
    ['add of a primary value demotes the old primary', rosa, [{ op: 'add', path: 'emails', value: { value: 'r@home.example', type: 'home', primary: true } }], rosaWith({ emails: [{ value: 'rosa@fabrikam.example', type: 'work', primary: false }, { value: 'r@home.example', type: 'home', primary: true }] })],
    ['replace without filter replaces every value (RFC 7644 §3.5.2.3)', rosa, [{ op: 'replace', path: 'emails', value: [{ value: 'only@f.example' }] }], rosaWith({ emails: [{ value: 'only@f.example' }] })],
    ['remove without filter removes every value (RFC 7644 §3.5.2.2)', rosa, [{ op: 'remove', path: 'emails' }], noEmails],
    ['remove with listed values removes just those', rosaWith({ emails: [{ value: 'a@f.example' }, { value: 'b@f.example' }] }), [{ op: 'remove', path: 'emails', value: [{ value: 'A@f.example' }] }], rosaWith({ emails: [{ value: 'b@f.example' }] })],
    // Single-valued complex attributes.
    ['replace of a complex attribute sets the named sub-attributes only (RFC 7644 §3.5.2.3)', rosa, [{ op: 'replace', path: 'name', value: { givenName: 'Ro' } }], rosaWith({ name: { givenName: 'Ro', familyName: 'Moreno' } })],
    ['remove of a sub-attribute', rosa, [{ op: 'remove', path: 'name.givenName' }], rosaWith({ name: { familyName: 'Moreno' } })],
    ['remove of the last sub-attribute removes the attribute', rosaWith({ name: { givenName: 'Rosa' } }), [{ op: 'remove', path: 'name.givenName' }], rosaWith({ name: undefined })],
    ['replace with null removes the attribute', rosaWith({ title: 'CFO' }), [{ op: 'replace', path: 'title', value: null }], rosa],
    ['an unserved extension path is ignored, as on POST', rosa, [{ op: 'replace', path: 'urn:example:custom:2.0:User:tag', value: 't' }], rosa],
    ['operations apply in order', rosa, [{ op: 'add', path: 'title', value: 'A' }, { op: 'replace', path: 'title', value: 'B' }, { op: 'add', path: 'nickName', value: 'C' }], rosaWith({ title: 'B', nickName: 'C' })],
  ])('%s', (_, resource, operations, expected) => {
    expect(patchUser(resource, request(...operations))).toEqual(expected);
  });

  it.each<[string, Json, Json[], ScimType, string]>([
    ['replace with a non-eq filter that matches nothing', rosa, [{ op: 'replace', path: 'emails[value co "nomatch"].value', value: 'x' }], 'noTarget', 'No value of "emails" matches'],
    ['replace with an "or" filter that matches nothing', rosa, [{ op: 'replace', path: 'emails[type eq "home" or type eq "other"].value', value: 'x' }], 'noTarget', 'No value of "emails" matches'],
    ['an explicit path to id', rosa, [{ op: 'replace', path: 'id', value: 'x' }], 'mutability', '"id" is readOnly'],
    ['an explicit path to meta.created', rosa, [{ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }], 'mutability', 'readOnly'],
    ['an explicit path to groups', rosa, [{ op: 'add', path: 'groups', value: [{ value: 'grp-1' }] }], 'mutability', '"groups" is readOnly'],
    ['removing groups', rosa, [{ op: 'remove', path: 'groups' }], 'mutability', 'readOnly'],
    ['an unknown attribute', rosa, [{ op: 'add', path: 'favouriteColour', value: 'blue' }], 'invalidPath', 'User has no attribute "favouriteColour"'],
    ['an unknown sub-attribute', rosa, [{ op: 'add', path: 'name.nickName', value: 'x' }], 'invalidPath', 'no sub-attribute "nickName"'],
    ['a value filter on a single-valued attribute', rosa, [{ op: 'replace', path: 'name[givenName eq "Rosa"].familyName', value: 'x' }], 'invalidPath', 'single-valued'],
    ['a non-boolean for a boolean', rosa, [{ op: 'replace', path: 'active', value: 'yes' }], 'invalidValue', '"active" must be a boolean, not a string'],
    ['a number for a string', rosa, [{ op: 'replace', path: 'title', value: 7 }], 'invalidValue', '"title" must be a string, not a number'],
    ['a list of two for a single-valued attribute', rosa, [{ op: 'replace', path: 'displayName', value: ['a', 'b'] }], 'invalidValue', 'cannot be a list of 2'],
    ['a string for a complex attribute', rosa, [{ op: 'replace', path: 'name', value: 'Rosa Moreno' }], 'invalidValue', '"name" must be an object'],
    ['two new primary values', rosa, [{ op: 'add', path: 'emails', value: [{ value: 'a@x.example', primary: true }, { value: 'b@x.example', primary: true }] }], 'invalidValue', 'At most one value of "emails" may be primary'],
    ['removing the required userName', rosa, [{ op: 'remove', path: 'userName' }], 'invalidValue', '"userName" is required'],
    ['replacing userName with null', rosa, [{ op: 'replace', value: { userName: null } }], 'invalidValue', '"userName" is required'],
    ['a filter comparison RFC 7644 forbids', rosa, [{ op: 'replace', path: 'emails[primary gt true].value', value: 'x' }], 'invalidFilter', ''],
  ])('rejects %s', (_, resource, operations, scimType, detail) => {
    const error = scimErrorOf(() => patchUser(resource, request(...operations)));
    expect(error).toMatchObject({ scimType, status: 400 });
    expect(error.detail).toMatch(/^Operations\[0\] \(/);
    expect(error.detail).toContain(detail);
  });

  it('never modifies its input', () => {
    const frozen = deepFreeze(withEnterprise({ manager: { value: 'mgr-7' } }));
    const copy = structuredClone(frozen);
    const result = patchUser(frozen, request(
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@f.example' },
      { op: 'replace', path: 'name.givenName', value: 'R' },
      { op: 'remove', path: `${ENTERPRISE}:manager` },
    ));
    expect(frozen).toEqual(copy);
    expect(result).not.toEqual(copy);
  });

  it('is all-or-nothing: a failing third operation throws naming Operations[2], the input untouched', () => {
    const input = structuredClone(rosa);
    const error = scimErrorOf(() =>
      patchUser(input, request(
        { op: 'Replace', path: 'displayName', value: 'Rosa Moreno' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'x@f.example' },
        { op: 'Replace', path: 'emails[value co "nomatch"].value', value: 'y@f.example' },
      )),
    );
    expect(error).toMatchObject({ scimType: 'noTarget', status: 400 });
    expect(error.detail).toMatch(/^Operations\[2\] \(replace emails\[value co "nomatch"\]\.value\): /);
    expect(input).toEqual(rosa);
  });

  it('takes the operation index from the operation, so errors stay right after splitting', () => {
    const error = scimErrorOf(() => applyPatch('User', rosa, [{ op: 'replace', path: 'id', value: 'x', index: 4 }]));
    expect(error.detail).toMatch(/^Operations\[4\] \(replace id\): /);
  });

  it('refuses Group members, which the service must split off first', () => {
    const group = { schemas: [GROUP_SCHEMA], id: 'grp-1', displayName: 'Finance' };
    expect(() => applyPatch('Group', group, [{ op: 'add', path: 'members', value: [{ value: 'usr-1' }] }])).toThrow(/splitMembershipOperations/);
    expect(() => applyPatch('Group', group, [{ op: 'replace', value: { members: [] } }])).toThrow(/splitMembershipOperations/);
  });
});
