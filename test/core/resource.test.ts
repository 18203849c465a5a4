import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScimError, ScimError } from '../../functions/core/error.ts';
import { assertImmutableUnchanged, parseResourceInput } from '../../functions/core/resource.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, type ResourceType } from '../../functions/core/schemas/index.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

const user = (attributes: Record<string, unknown>) => ({ schemas: [USER_SCHEMA], userName: 'bjensen', ...attributes });
const group = (attributes: Record<string, unknown>) => ({ schemas: [GROUP_SCHEMA], displayName: 'Tour Guides', ...attributes });

/** The ScimError a call throws, for asserting status, scimType and detail together. */
function scimErrorOf(call: () => unknown): ScimError {
  try {
    call();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('parseResourceInput: what Microsoft Entra ID sends', () => {
  it('accepts a user create with string booleans and the enterprise extension', () => {
    const { attributes, members } = parseResourceInput('User', fixture('entra-create-user.json'));
    expect(members).toBeUndefined();
    expect(attributes).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7d6a1c2b9e11',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.example',
      name: { formatted: 'Test User', familyName: 'User', givenName: 'Test' },
      displayName: 'Test User',
      title: 'Engineer',
      preferredLanguage: 'en-US',
      active: true,
      emails: [{ value: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.example', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
      addresses: [{ formatted: '1 Main St', locality: 'Redmond', country: 'US', type: 'work', primary: false }],
      [ENTERPRISE_USER_SCHEMA]: {
        employeeNumber: '701984',
        department: 'Tour Operations',
        manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' },
      },
    });
  });

  it('accepts a group create with the ADSCIM schema URI and no members', () => {
    const { attributes, members } = parseResourceInput('Group', fixture('entra-create-group.json'));
    expect(attributes).toEqual({
      schemas: [GROUP_SCHEMA],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Group1DisplayName',
    });
    expect(members).toEqual([]);
  });

  it('accepts the Microsoft ADSCIM URN form and the manager as an object with $ref null', () => {
    const { attributes } = parseResourceInput('User', {
      schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:ADSCIM:2.0:User'],
      userName: 'a',
      'urn:ietf:params:scim:schemas:extension:ADSCIM:2.0:User': { whatever: 1 },
      [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm-1', $ref: null, displayName: 'Boss' } },
    });
    expect(attributes).toEqual({ schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], userName: 'a', [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm-1' } } });
  });
});

describe('parseResourceInput: names', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['maps names to the schema spelling', { USERNAME: 'bjensen', DisplayName: 'Babs', NAME: { GivenName: 'Barbara' } }, { userName: 'bjensen', displayName: 'Babs', name: { givenName: 'Barbara' } }],
    ['accepts core-URN-prefixed keys', { [`${USER_SCHEMA}:title`]: 'Tour Guide' }, { title: 'Tour Guide' }],
    ['accepts dotted keys', { 'name.familyName': 'Jensen', 'name.givenName': 'Barbara' }, { name: { familyName: 'Jensen', givenName: 'Barbara' } }],
    ['merges a complex value given twice', { name: { givenName: 'Barbara' }, 'name.familyName': 'Jensen' }, { name: { familyName: 'Jensen', givenName: 'Barbara' } }],
    [
      'accepts URN-prefixed extension keys',
      { [`${ENTERPRISE_USER_SCHEMA}:department`]: 'Tours', [`${ENTERPRISE_USER_SCHEMA}:manager`]: 'm-2' },
      { [ENTERPRISE_USER_SCHEMA]: { department: 'Tours', manager: { value: 'm-2' } } },
    ],
    ['accepts a URN-prefixed extension sub-attribute', { [`${ENTERPRISE_USER_SCHEMA}:manager.value`]: 'm-3' }, { [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm-3' } } }],
    ['accepts the extension URN in another letter case', { [ENTERPRISE_USER_SCHEMA.toLowerCase()]: { DEPARTMENT: 'Tours' } }, { [ENTERPRISE_USER_SCHEMA]: { department: 'Tours' } }],
    ['drops unknown attributes and sub-attributes', { shoeSize: 42, name: { givenName: 'B', nickname: 'x' }, 'name.unknown': 'x' }, { name: { givenName: 'B' } }],
    ['drops unknown URN keys', { 'urn:example:ext:1.0:User:flag': true, 'urn:example:ext:1.0:User': { a: 1 } }, {}],
    ['drops extension attributes written without their URN', { department: 'Tours' }, {}],
  ])('%s', (_label, input, expected) => {
    const { userName = 'bjensen', ...rest } = expected;
    const extension = ENTERPRISE_USER_SCHEMA in expected;
    expect(parseResourceInput('User', user(input)).attributes).toEqual({
      schemas: extension ? [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] : [USER_SCHEMA],
      userName,
      ...rest,
    });
  });
});

describe('parseResourceInput: values', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['"True" in any case', { active: 'TRUE' }, { active: true }],
    ['"False" in any case', { active: 'false' }, { active: false }],
    ['JSON booleans', { active: false }, { active: false }],
    ['boolean sub-attributes', { emails: [{ value: 'a@example.com', primary: 'True' }] }, { emails: [{ value: 'a@example.com', primary: true }] }],
    ['null means not set', { displayName: null, name: { givenName: null }, emails: [null] }, {}],
    ['empty lists mean not set', { emails: [], roles: [] }, {}],
    ['readOnly attributes are ignored', { id: 'x', meta: { created: 'x' }, groups: [{ value: 'g' }] }, {}],
    ['readOnly sub-attributes are ignored', { [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm', displayName: 'Boss' } } }, { [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm' } } }],
    ['the password is never kept', { password: 't1meMa$heen' }, {}],
    ['an extension object that is null', { [ENTERPRISE_USER_SCHEMA]: null }, {}],
    ['an extension object left empty', { [ENTERPRISE_USER_SCHEMA]: { costCenter: null, manager: { displayName: 'x' } } }, {}],
    ['base64 certificates', { x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQ==' }] }, { x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQ==' }] }],
    ['externalId', { externalId: 'Abc-1' }, { externalId: 'Abc-1' }],
  ])('%s', (_label, input, expected) => {
    const extension = ENTERPRISE_USER_SCHEMA in expected;
    expect(parseResourceInput('User', user(input)).attributes).toEqual({
      schemas: extension ? [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] : [USER_SCHEMA],
      userName: 'bjensen',
      ...expected,
    });
  });

  it('lists the enterprise URN only when extension data is present', () => {
    const { attributes } = parseResourceInput('User', { schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], userName: 'a' });
    expect(attributes['schemas']).toEqual([USER_SCHEMA]);
    const withData = parseResourceInput('User', { schemas: [USER_SCHEMA], userName: 'a', [ENTERPRISE_USER_SCHEMA]: { division: 'D' } });
    expect(withData.attributes['schemas']).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
  });

  it('accepts its own output again unchanged (PATCH re-validates stored attributes)', () => {
    const { attributes } = parseResourceInput('User', fixture('entra-create-user.json'));
    expect(parseResourceInput('User', attributes).attributes).toEqual(attributes);
  });
});

describe('parseResourceInput: rejections', () => {
  it.each<[string, ResourceType, unknown, 'invalidSyntax' | 'invalidValue', string]>([
    ['a list body', 'User', [], 'invalidSyntax', 'JSON object'],
    ['a string body', 'User', 'userName=bjensen', 'invalidSyntax', 'JSON object'],
    ['a null body', 'Group', null, 'invalidSyntax', 'JSON object'],
    ['no schemas', 'User', { userName: 'a' }, 'invalidSyntax', USER_SCHEMA],
    ['schemas not a list', 'User', { schemas: USER_SCHEMA, userName: 'a' }, 'invalidSyntax', USER_SCHEMA],
    ['the wrong core schema', 'Group', { schemas: [USER_SCHEMA], displayName: 'a' }, 'invalidSyntax', GROUP_SCHEMA],
    ['no userName', 'User', { schemas: [USER_SCHEMA] }, 'invalidValue', '"userName"'],
    ['an empty userName', 'User', user({ userName: '  ' }), 'invalidValue', '"userName"'],
    ['a null userName', 'User', user({ userName: null }), 'invalidValue', '"userName"'],
    ['no Group displayName', 'Group', { schemas: [GROUP_SCHEMA] }, 'invalidValue', '"displayName"'],
    ['a number for a string', 'User', user({ userName: 42 }), 'invalidValue', '"userName" must be a string'],
    ['a word for a boolean', 'User', user({ active: 'yes' }), 'invalidValue', '"active" must be a boolean'],
    ['a number for a boolean', 'User', user({ active: 1 }), 'invalidValue', '"active"'],
    ['a string for a complex attribute', 'User', user({ name: 'Barbara Jensen' }), 'invalidValue', '"name" must be an object'],
    ['an object for a list', 'User', user({ emails: { value: 'a@example.com' } }), 'invalidValue', '"emails" must be a list'],
    ['a string inside a list of objects', 'User', user({ emails: ['a@example.com'] }), 'invalidValue', '"emails[0]" must be an object'],
    ['a bad sub-attribute', 'User', user({ emails: [{ value: 'a@example.com' }, { value: 7 }] }), 'invalidValue', '"emails[1].value"'],
    ['bad base64', 'User', user({ x509Certificates: [{ value: 'not base64!' }] }), 'invalidValue', '"x509Certificates[0].value"'],
    ['a non-object extension', 'User', user({ [ENTERPRISE_USER_SCHEMA]: 'Tours' }), 'invalidValue', ENTERPRISE_USER_SCHEMA],
    ['a bad extension value', 'User', user({ [ENTERPRISE_USER_SCHEMA]: { department: ['a'] } }), 'invalidValue', `${ENTERPRISE_USER_SCHEMA}:department`],
    ['a number for the manager', 'User', user({ [`${ENTERPRISE_USER_SCHEMA}:manager`]: 5 }), 'invalidValue', 'manager'],
    ['members not a list', 'Group', group({ members: { value: 'u-1' } }), 'invalidValue', '"members"'],
    ['a member without a value', 'Group', group({ members: [{ value: 'u-1' }, { $ref: null }] }), 'invalidValue', '"members[1].value"'],
    ['a member with a null value', 'Group', group({ members: [{ value: null }] }), 'invalidValue', '"members[0].value"'],
    ['a member with an empty value', 'Group', group({ members: [{ value: '' }] }), 'invalidValue', '"members[0].value"'],
    ['a member whose id is only whitespace', 'Group', group({ members: [{ value: ' \t' }] }), 'invalidValue', '"members[0].value" must be a non-empty member id'],
    ['a member that is a string', 'Group', group({ members: ['u-1'] }), 'invalidValue', '"members[0]"'],
    ['a member of an unknown type', 'Group', group({ members: [{ value: 'u-1', type: 'Device' }] }), 'invalidValue', '"members[0].type"'],
  ])('rejects %s', (_label, resourceType, body, scimType, detail) => {
    const error = scimErrorOf(() => parseResourceInput(resourceType, body));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe(scimType);
    expect(error.detail).toContain(detail);
  });

  it('never repeats the rejected value in the detail', () => {
    const error = scimErrorOf(() => parseResourceInput('User', user({ active: 'secret-value' })));
    expect(error.detail).not.toContain('secret-value');
  });
});

describe('parseResourceInput: Group members', () => {
  it('returns members apart from the attributes', () => {
    const { attributes, members } = parseResourceInput(
      'Group',
      group({
        members: [
          { value: 'u-1', $ref: null, display: 'Barbara' },
          { VALUE: 'g-2', Type: 'group', $ref: 'https://example.com/scim/v2/d/Groups/g-2' },
          null,
          { value: 'u-3', type: 'User' },
          { value: 'u-1', type: 'User' },
        ],
      }),
    );
    expect(attributes).toEqual({ schemas: [GROUP_SCHEMA], displayName: 'Tour Guides' });
    expect(members).toEqual([{ value: 'u-1' }, { value: 'g-2', type: 'Group' }, { value: 'u-3', type: 'User' }]);
  });

  it('tells "members not mentioned" from "no members"', () => {
    expect(parseResourceInput('Group', group({})).members).toBeUndefined();
    expect(parseResourceInput('Group', group({ members: null })).members).toEqual([]);
    expect(parseResourceInput('Group', group({ Members: [] })).members).toEqual([]);
  });

  it('ignores members on a User and dotted member keys on a Group', () => {
    expect(parseResourceInput('User', user({ members: [{ value: 'x' }] })).members).toBeUndefined();
    expect(parseResourceInput('Group', group({ 'members.value': 'x' })).members).toBeUndefined();
  });
});

describe('parseResourceInput on arbitrary input', () => {
  const knownKeys = fc.constantFrom(
    'schemas', 'userName', 'displayName', 'active', 'name', 'name.givenName', 'emails', 'members', 'externalId', 'password',
    'x509Certificates', 'groups', 'meta', ENTERPRISE_USER_SCHEMA, `${ENTERPRISE_USER_SCHEMA}:manager`, 'value', 'type', 'primary', '__proto__',
  );
  const value: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 1 }),
      fc.constantFrom('True', 'false', USER_SCHEMA, GROUP_SCHEMA, '12', ''),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(fc.oneof(knownKeys, fc.string()), tie('node'), { maxKeys: 4 }),
    ),
  })).node;
  const body = fc.oneof(
    fc.jsonValue(),
    value,
    fc.record({ schemas: fc.constantFrom([USER_SCHEMA], [GROUP_SCHEMA], [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]) }).chain((base) =>
      fc.dictionary(knownKeys, value, { maxKeys: 8 }).map((rest) => ({ ...rest, ...base })),
    ),
  );

  it('throws nothing but ScimError', () => {
    fc.assert(
      fc.property(fc.constantFrom<ResourceType>('User', 'Group'), body, (resourceType, input) => {
        try {
          const { attributes } = parseResourceInput(resourceType, input);
          expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
          expect(attributes['password']).toBeUndefined();
        } catch (error) {
          if (!isScimError(error)) throw error;
          expect(error.status).toBe(400);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('assertImmutableUnchanged', () => {
  const members = (...list: Array<{ value: string; type?: string }>) => ({ schemas: [GROUP_SCHEMA], displayName: 'G', members: list });

  it('allows members to be added and removed', () => {
    expect(() => assertImmutableUnchanged('Group', members({ value: 'u-1', type: 'User' }), members({ value: 'u-2', type: 'User' }))).not.toThrow();
    expect(() => assertImmutableUnchanged('Group', members(), members({ value: 'u-1', type: 'User' }))).not.toThrow();
  });

  it('rejects a change to an immutable sub-attribute of a kept member (RFC 7643 §4.2)', () => {
    const error = scimErrorOf(() => assertImmutableUnchanged('Group', members({ value: 'u-1', type: 'User' }), members({ value: 'u-1', type: 'Group' })));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('mutability');
    expect(error.detail).toContain('members.type');
  });

  it('allows setting an immutable sub-attribute that had no value', () => {
    expect(() => assertImmutableUnchanged('Group', members({ value: 'u-1' }), members({ value: 'u-1', type: 'User' }))).not.toThrow();
  });

  it('lets readWrite attributes change freely', () => {
    const before = parseResourceInput('User', fixture('entra-create-user.json')).attributes;
    const after = parseResourceInput('User', user({ externalId: 'other', active: false })).attributes;
    expect(() => assertImmutableUnchanged('User', before, after)).not.toThrow();
  });
});
