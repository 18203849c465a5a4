import { describe, expect, it } from 'vitest';
import { projectionWants, projectResource } from '../../functions/core/projection.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../functions/core/schemas/index.ts';

const META = {
  resourceType: 'User',
  created: '2024-01-01T00:00:00Z',
  lastModified: '2024-01-02T00:00:00Z',
  location: 'https://example.com/scim/v2/d/Users/u-1',
  version: 'W/"2"',
};

/** A rendered User as the service hands it to projection. */
const USER = {
  schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  id: 'u-1',
  externalId: 'ext-1',
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  active: true,
  password: 'must-never-leak',
  emails: [
    { value: 'b@example.com', type: 'work', primary: true },
    { value: 'bj@example.org', type: 'home' },
  ],
  groups: [{ value: 'g-1', $ref: 'https://example.com/scim/v2/d/Groups/g-1', type: 'direct' }],
  [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '701984', department: 'Tours', manager: { value: 'm-1', displayName: 'Boss' } },
  meta: META,
  notInAnySchema: 'x',
};

const GROUP = {
  schemas: [GROUP_SCHEMA],
  id: 'g-1',
  displayName: 'Tour Guides',
  members: [{ value: 'u-1', $ref: 'https://example.com/scim/v2/d/Users/u-1', type: 'User' }],
  meta: { ...META, resourceType: 'Group' },
};

describe('projectResource (RFC 7644 §3.4.2.5, §3.9)', () => {
  it('returns default attributes, never the password nor unknown keys', () => {
    const { password, notInAnySchema, ...expected } = USER;
    expect(password).toBeDefined();
    expect(notInAnySchema).toBeDefined();
    expect(projectResource('User', USER)).toEqual(expected);
  });

  it.each<[string, string[], Record<string, unknown>]>([
    ['one attribute, plus id and schemas', ['userName'], { userName: 'bjensen' }],
    ['names in any case', ['USERNAME', 'Active'], { userName: 'bjensen', active: true }],
    ['a core-URN-qualified name', [`${USER_SCHEMA}:userName`], { userName: 'bjensen' }],
    ['a sub-attribute', ['name.givenName'], { name: { givenName: 'Barbara' } }],
    ['a sub-attribute of a multi-valued attribute', ['emails.value'], { emails: [{ value: 'b@example.com' }, { value: 'bj@example.org' }] }],
    ['two sub-attributes of one attribute', ['emails.value', 'emails.primary'], { emails: [{ value: 'b@example.com', primary: true }, { value: 'bj@example.org' }] }],
    ['a whole attribute after one of its sub-attributes', ['name.givenName', 'name'], { name: { givenName: 'Barbara', familyName: 'Jensen' } }],
    ['an extension attribute', [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`], { [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '701984' } }],
    ['an extension complex attribute', [`${ENTERPRISE_USER_SCHEMA}:manager`], { [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm-1', displayName: 'Boss' } } }],
    ['an extension sub-attribute', [`${ENTERPRISE_USER_SCHEMA}:manager.value`], { [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm-1' } } }],
    ['the whole extension', [ENTERPRISE_USER_SCHEMA], { [ENTERPRISE_USER_SCHEMA]: USER[ENTERPRISE_USER_SCHEMA] }],
    ['a meta sub-attribute', ['meta.lastModified'], { meta: { lastModified: META.lastModified } }],
    ['the password, which is returned never', ['password'], {}],
    ['id and schemas only, when every name is invalid', ['shoeSize', 'urn:example:x:y', 'name.nope', 'a.b.c', 'department'], {}],
  ])('attributes: %s', (_label, attributes, expected) => {
    expect(projectResource('User', USER, { attributes })).toEqual({ schemas: USER.schemas, id: 'u-1', ...expected });
  });

  it.each<[string, string[], string[]]>([
    ['an attribute', ['emails'], ['emails']],
    ['names in any case', ['EMAILS', 'UserName'], ['emails', 'userName']],
    ['id and schemas, which are returned always', ['id', 'schemas'], []],
    ['the whole extension', [ENTERPRISE_USER_SCHEMA], [ENTERPRISE_USER_SCHEMA]],
    ['meta', ['meta'], ['meta']],
    ['invalid names, which are ignored', ['shoeSize', 'urn:example:x:y'], []],
  ])('excludedAttributes: %s', (_label, excludedAttributes, removed) => {
    const expected: Record<string, unknown> = projectResource('User', USER);
    for (const key of removed) delete expected[key];
    expect(projectResource('User', USER, { excludedAttributes })).toEqual(expected);
  });

  it('excludedAttributes: sub-attributes and extension attributes', () => {
    const projected = projectResource('User', USER, {
      excludedAttributes: ['name.familyName', 'emails.type', `${ENTERPRISE_USER_SCHEMA}:manager`, `${ENTERPRISE_USER_SCHEMA}:employeeNumber`],
    });
    expect(projected['name']).toEqual({ givenName: 'Barbara' });
    expect(projected['emails']).toEqual([{ value: 'b@example.com', primary: true }, { value: 'bj@example.org' }]);
    expect(projected[ENTERPRISE_USER_SCHEMA]).toEqual({ department: 'Tours' });
  });

  it('drops a complex attribute and an extension left empty', () => {
    const projected = projectResource('User', USER, {
      excludedAttributes: ['name.givenName', 'name.familyName', `${ENTERPRISE_USER_SCHEMA}:employeeNumber`, `${ENTERPRISE_USER_SCHEMA}:department`, `${ENTERPRISE_USER_SCHEMA}:manager`],
    });
    expect(projected).not.toHaveProperty('name');
    expect(projected).not.toHaveProperty(ENTERPRISE_USER_SCHEMA);
  });

  it('lets attributes win over excludedAttributes when both are given', () => {
    expect(projectResource('User', USER, { attributes: ['userName'], excludedAttributes: ['userName'] })).toEqual({ schemas: USER.schemas, id: 'u-1', userName: 'bjensen' });
  });

  it('answers a Group GET with excludedAttributes=members as Entra ID sends it', () => {
    const { members, ...expected } = GROUP;
    expect(members).toHaveLength(1);
    expect(projectResource('Group', GROUP, { excludedAttributes: ['members'] })).toEqual(expected);
    expect(projectResource('Group', GROUP, { attributes: ['members.value'] })).toEqual({ schemas: GROUP.schemas, id: 'g-1', members: [{ value: 'u-1' }] });
  });

  it('does not apply User attributes to a Group', () => {
    expect(projectResource('Group', GROUP, { attributes: ['userName', `${ENTERPRISE_USER_SCHEMA}:department`] })).toEqual({ schemas: GROUP.schemas, id: 'g-1' });
  });

  it('leaves the input untouched', () => {
    const copy = structuredClone(USER);
    projectResource('User', USER, { attributes: ['emails.value'] });
    expect(USER).toEqual(copy);
  });
});

describe('projectionWants', () => {
  it.each([
    [{}, true],
    [{ excludedAttributes: ['members'] }, false],
    [{ excludedAttributes: ['Members.value'] }, false],
    [{ excludedAttributes: ['displayName'] }, true],
    [{ attributes: ['displayName'] }, false],
    [{ attributes: ['members.display'] }, true],
    [{ attributes: [`${GROUP_SCHEMA}:members`] }, true],
    [{ attributes: [], excludedAttributes: ['members'] }, false],
  ])('%j → %s', (options, expected) => {
    expect(projectionWants('members', options)).toBe(expected);
  });
});
