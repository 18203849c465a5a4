import { describe, expect, it } from 'vitest';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  RESOURCE_TYPES,
  resolveAttribute,
  SCHEMAS,
  USER_SCHEMA,
  type AttributeDefinition,
  type AttributeReference,
  type ResourceType,
} from '../../../functions/core/schemas/index.ts';

const names = (attributes: AttributeDefinition[] | undefined) => (attributes ?? []).map((attribute) => attribute.name);
const attribute = (urn: keyof typeof SCHEMAS, name: string) => SCHEMAS[urn].attributes.find((candidate) => candidate.name === name);

describe('schema definitions (RFC 7643 §4, §8.7.1)', () => {
  it('lists every core User attribute', () => {
    expect(names(SCHEMAS[USER_SCHEMA].attributes)).toEqual([
      'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone',
      'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements', 'roles', 'x509Certificates',
    ]);
    expect(names(attribute(USER_SCHEMA, 'name')?.subAttributes)).toEqual([
      'formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix',
    ]);
    expect(names(attribute(USER_SCHEMA, 'emails')?.subAttributes)).toEqual(['value', 'display', 'type', 'primary']);
    expect(names(attribute(USER_SCHEMA, 'addresses')?.subAttributes)).toEqual([
      'formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type', 'primary',
    ]);
    expect(names(attribute(USER_SCHEMA, 'groups')?.subAttributes)).toEqual(['value', '$ref', 'display', 'type']);
  });

  it('lists the Enterprise User and Group attributes', () => {
    expect(names(SCHEMAS[ENTERPRISE_USER_SCHEMA].attributes)).toEqual(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']);
    expect(names(attribute(ENTERPRISE_USER_SCHEMA, 'manager')?.subAttributes)).toEqual(['value', '$ref', 'displayName']);
    expect(names(SCHEMAS[GROUP_SCHEMA].attributes)).toEqual(['displayName', 'members']);
    expect(names(attribute(GROUP_SCHEMA, 'members')?.subAttributes)).toEqual(['value', '$ref', 'display', 'type']);
  });

  it.each<[string, ResourceType, AttributeReference, Partial<AttributeDefinition>]>([
    ['userName', 'User', { attribute: 'userName' }, { type: 'string', required: true, caseExact: false, uniqueness: 'server', returned: 'default' }],
    ['password', 'User', { attribute: 'password' }, { mutability: 'writeOnly', returned: 'never' }],
    ['active', 'User', { attribute: 'active' }, { type: 'boolean', mutability: 'readWrite' }],
    ['groups', 'User', { attribute: 'groups' }, { multiValued: true, mutability: 'readOnly' }],
    ['groups.value', 'User', { attribute: 'groups', subAttribute: 'value' }, { mutability: 'readOnly' }],
    ['emails', 'User', { attribute: 'emails' }, { type: 'complex', multiValued: true }],
    ['emails.type', 'User', { attribute: 'emails', subAttribute: 'type' }, { canonicalValues: ['work', 'home', 'other'] }],
    ['photos.value', 'User', { attribute: 'photos', subAttribute: 'value' }, { type: 'reference', referenceTypes: ['external'] }],
    ['x509Certificates.value', 'User', { attribute: 'x509Certificates', subAttribute: 'value' }, { type: 'binary' }],
    ['id', 'User', { attribute: 'id' }, { caseExact: true, mutability: 'readOnly', returned: 'always' }],
    ['externalId', 'Group', { attribute: 'externalId' }, { caseExact: true, mutability: 'readWrite' }],
    ['meta', 'Group', { attribute: 'meta' }, { type: 'complex', mutability: 'readOnly' }],
    ['meta.lastModified', 'User', { attribute: 'meta', subAttribute: 'lastModified' }, { type: 'dateTime', mutability: 'readOnly' }],
    ['manager.displayName', 'User', { uri: ENTERPRISE_USER_SCHEMA, attribute: 'manager', subAttribute: 'displayName' }, { mutability: 'readOnly' }],
    ['manager.$ref', 'User', { uri: ENTERPRISE_USER_SCHEMA, attribute: 'manager', subAttribute: '$ref' }, { type: 'reference', referenceTypes: ['User'] }],
    ['Group displayName', 'Group', { attribute: 'displayName' }, { required: true }],
    ['members.value', 'Group', { attribute: 'members', subAttribute: 'value' }, { mutability: 'immutable' }],
    ['members.type', 'Group', { attribute: 'members', subAttribute: 'type' }, { mutability: 'immutable', canonicalValues: ['User', 'Group'] }],
  ])('%s has the RFC characteristics', (_label, resourceType, ref, expected) => {
    expect(resolveAttribute(resourceType, ref)).toMatchObject(expected);
  });

  it('describes the resource types (RFC 7643 §6)', () => {
    expect(RESOURCE_TYPES.User).toEqual({
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
    });
    expect(RESOURCE_TYPES.Group).toMatchObject({ endpoint: '/Groups', schema: GROUP_SCHEMA, schemaExtensions: [] });
  });

  it('cannot be changed by a caller', () => {
    const userName = attribute(USER_SCHEMA, 'userName') as AttributeDefinition;
    expect(() => {
      userName.required = false;
    }).toThrow(TypeError);
    expect(resolveAttribute('User', { attribute: 'id' })?.returned).toBe('always');
    expect(Object.isFrozen(resolveAttribute('User', { attribute: 'id' }))).toBe(true);
  });
});

describe('resolveAttribute', () => {
  it.each<[string, ResourceType, AttributeReference, string | undefined]>([
    ['plain core name', 'User', { attribute: 'userName' }, 'userName'],
    ['any letter case', 'User', { attribute: 'USERNAME' }, 'userName'],
    ['core URN', 'User', { uri: USER_SCHEMA, attribute: 'userName' }, 'userName'],
    ['core URN in another case', 'User', { uri: USER_SCHEMA.toUpperCase(), attribute: 'displayname' }, 'displayName'],
    ['sub-attribute', 'User', { attribute: 'name', subAttribute: 'GIVENNAME' }, 'givenName'],
    ['core URN and sub-attribute', 'User', { uri: USER_SCHEMA, attribute: 'emails', subAttribute: 'value' }, 'value'],
    ['id', 'User', { attribute: 'ID' }, 'id'],
    ['externalId with core URN', 'User', { uri: USER_SCHEMA, attribute: 'externalid' }, 'externalId'],
    ['meta sub-attribute', 'Group', { attribute: 'meta', subAttribute: 'created' }, 'created'],
    ['extension attribute', 'User', { uri: ENTERPRISE_USER_SCHEMA, attribute: 'employeeNumber' }, 'employeeNumber'],
    ['extension in another case', 'User', { uri: ENTERPRISE_USER_SCHEMA.toLowerCase(), attribute: 'Department' }, 'department'],
    ['extension sub-attribute', 'User', { uri: ENTERPRISE_USER_SCHEMA, attribute: 'manager', subAttribute: 'value' }, 'value'],
    ['URN written into attribute', 'User', { attribute: `${ENTERPRISE_USER_SCHEMA}:manager` }, 'manager'],
    ['members', 'Group', { attribute: 'members', subAttribute: 'value' }, 'value'],
    ['Group core URN', 'Group', { uri: GROUP_SCHEMA, attribute: 'displayName' }, 'displayName'],
    ['extension attribute without its URN', 'User', { attribute: 'department' }, undefined],
    ['extension attribute on Group', 'Group', { uri: ENTERPRISE_USER_SCHEMA, attribute: 'department' }, undefined],
    ['User attribute on Group', 'Group', { attribute: 'userName' }, undefined],
    ['Group URN on User', 'User', { uri: GROUP_SCHEMA, attribute: 'displayName' }, undefined],
    ['common attribute under extension URN', 'User', { uri: ENTERPRISE_USER_SCHEMA, attribute: 'id' }, undefined],
    ['unknown URN', 'User', { uri: 'urn:example:unknown', attribute: 'userName' }, undefined],
    ['unknown attribute', 'User', { attribute: 'shoeSize' }, undefined],
    ['unknown sub-attribute', 'User', { attribute: 'name', subAttribute: 'nickname' }, undefined],
    ['sub-attribute of a simple attribute', 'User', { attribute: 'userName', subAttribute: 'value' }, undefined],
    ['bare extension URN as the filter parser splits it', 'User', { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0', attribute: 'User' }, undefined],
  ])('%s', (_label, resourceType, ref, expected) => {
    expect(resolveAttribute(resourceType, ref)?.name).toBe(expected);
  });

  it('looks inside the parent for value filters', () => {
    const emails = resolveAttribute('User', { attribute: 'emails' });
    expect(resolveAttribute('User', { attribute: 'TYPE' }, emails)).toBe(resolveAttribute('User', { attribute: 'emails', subAttribute: 'type' }));
    expect(resolveAttribute('User', { attribute: 'userName' }, emails)).toBeUndefined();
    const members = resolveAttribute('Group', { attribute: 'members' });
    expect(resolveAttribute('Group', { attribute: 'value' }, members)?.mutability).toBe('immutable');
  });
});
