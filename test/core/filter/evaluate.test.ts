import { describe, expect, it } from 'vitest';
import {
  compileFilter,
  evaluateFilter,
  evaluateValueFilter,
  parseFilter,
  type AttributeRef,
  type FilterContext,
} from '../../../functions/core/filter/index.ts';
import type { AttributeDefinition, AttributeType } from '../../../functions/core/schemas/attribute.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, resolveAttribute } from '../../../functions/core/schemas/index.ts';
import { detailOf400 } from '../../support/scim-errors.ts';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** A small stand-in for the real schemas: just the characteristics the evaluator reads. */
function attribute(name: string, type: AttributeType, options: Partial<AttributeDefinition> = {}): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description: '',
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

const USER_ATTRIBUTES = [
  attribute('id', 'string', { caseExact: true }),
  attribute('externalId', 'string', { caseExact: true }),
  attribute('userName', 'string'),
  attribute('displayName', 'string'),
  attribute('title', 'string'),
  attribute('active', 'boolean'),
  attribute('loginCount', 'integer'),
  attribute('name', 'complex', { subAttributes: [attribute('givenName', 'string'), attribute('familyName', 'string')] }),
  attribute('emails', 'complex', {
    multiValued: true,
    subAttributes: [attribute('value', 'string'), attribute('type', 'string'), attribute('primary', 'boolean')],
  }),
  attribute('x509Certificates', 'complex', { multiValued: true, subAttributes: [attribute('value', 'binary', { caseExact: true })] }),
  attribute('meta', 'complex', {
    subAttributes: [attribute('created', 'dateTime'), attribute('lastModified', 'dateTime'), attribute('resourceType', 'string', { caseExact: true })],
  }),
];
const ENTERPRISE_ATTRIBUTES = [
  attribute('employeeNumber', 'string'),
  attribute('department', 'string'),
  attribute('manager', 'complex', { subAttributes: [attribute('value', 'string'), attribute('displayName', 'string')] }),
];
const GROUP_ATTRIBUTES = [
  attribute('displayName', 'string'),
  attribute('members', 'complex', { multiValued: true, subAttributes: [attribute('value', 'string', { caseExact: true }), attribute('type', 'string')] }),
];

function find(attributes: readonly AttributeDefinition[] | undefined, name: string): AttributeDefinition | undefined {
  return attributes?.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
}

function stubContext(coreSchema: string, core: AttributeDefinition[], extensions: Record<string, AttributeDefinition[]>): FilterContext {
  return {
    coreSchema,
    resolve(ref: AttributeRef, parent?: AttributeDefinition) {
      if (parent !== undefined) return find(parent.subAttributes, ref.attribute);
      if (ref.uri === undefined || ref.uri.toLowerCase() === coreSchema.toLowerCase()) return find(core, ref.attribute);
      const extension = Object.entries(extensions).find(([uri]) => uri.toLowerCase() === ref.uri?.toLowerCase());
      return extension === undefined ? undefined : find(extension[1], ref.attribute);
    },
  };
}

const USERS = stubContext(CORE_USER, USER_ATTRIBUTES, { [ENTERPRISE]: ENTERPRISE_ATTRIBUTES });
const GROUPS = stubContext(CORE_GROUP, GROUP_ATTRIBUTES, {});

const barbara: Record<string, unknown> = {
  schemas: [CORE_USER, ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'jyoung',
  userName: 'bjensen@example.com',
  displayName: 'Babs Jensen',
  title: 'Tour Guide',
  active: true,
  loginCount: 7,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: false },
    { value: 'babs@jensen.org', type: 'home', primary: true },
  ],
  x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw' }],
  meta: { resourceType: 'User', created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z' },
  [ENTERPRISE]: {
    employeeNumber: '701984',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
};

/** Microsoft Entra ID's test user, with booleans stored as it sends them. */
const entraUser: Record<string, unknown> = {
  schemas: [CORE_USER],
  id: '6f4c1b5e-0d9a-4c1e-9b1f-3d1b0b7d2a11',
  externalId: '0a21f0f2-8d2a-4f8e-bf67-7f3f1c6b1234',
  userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
  active: 'True',
  emails: [{ value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com', type: 'work', primary: 'True' }],
};

const group: Record<string, unknown> = {
  schemas: [CORE_GROUP],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  displayName: 'Group1DisplayName',
  members: [{ value: '2819c223-7f76-453a-919d-413861904646', type: 'User' }],
};

function matches(filter: string, resource: Record<string, unknown> = barbara, context: FilterContext = USERS): boolean {
  return evaluateFilter(parseFilter(filter), resource, context);
}

describe('evaluateFilter: RFC 7644 §3.4.2.2 matching rules', () => {
  const cases: Array<[string, boolean]> = [
    // eq on strings: case-insensitive unless caseExact.
    ['userName eq "bjensen@example.com"', true],
    ['userName eq "BJensen@Example.COM"', true],
    ['userName eq "bjensen"', false],
    ['externalId eq "jyoung"', true],
    ['externalId eq "JYoung"', false],
    ['id eq "2819C223-7F76-453A-919D-413861904646"', false],
    ['id eq "2819c223-7f76-453a-919d-413861904646"', true],
    // Attribute names and operators in any case (RFC 7643 §2.1).
    ['USERNAME EQ "bjensen@example.com"', true],
    ['Name.FamilyName eq "jensen"', true],
    // ne is the negation of eq, also for absent and multi-valued attributes.
    ['title ne "Tour Guide"', false],
    ['title ne "Manager"', true],
    ['nickName ne "Babs"', true],
    ['emails ne "babs@jensen.org"', false],
    ['emails ne "nobody@example.com"', true],
    // co / sw / ew
    ['title co "our g"', true],
    ['title co "OUR G"', true],
    ['title sw "tour"', true],
    ['title sw "Guide"', false],
    ['title ew "GUIDE"', true],
    ['externalId sw "JY"', false],
    ['externalId sw "jy"', true],
    // gt / ge / lt / le: strings lexicographically, integers numerically, dateTimes chronologically.
    ['title gt "Tour"', true],
    ['title gt "tour guide"', false],
    ['title ge "tour guide"', true],
    ['title lt "U"', true],
    ['loginCount gt 5', true],
    ['loginCount gt 7', false],
    ['loginCount ge 7', true],
    ['loginCount lt 10', true],
    ['loginCount le 6.5', false],
    ['loginCount eq 7', true],
    ['loginCount eq "7"', true],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified gt "2011-05-13T04:42:33Z"', true],
    ['meta.lastModified lt "2011-05-13T06:42:35+02:00"', true],
    ['meta.lastModified eq "2011-05-13T06:42:34+02:00"', true],
    ['meta.lastModified eq "2011-05-13T04:42:34.000Z"', true],
    ['meta.created lt "2011-01-01T00:00:00Z"', true],
    ['meta.created sw "2010-01"', true],
    // Booleans: eq/ne only, with literals in any case.
    ['active eq true', true],
    ['active eq TRUE', true],
    ['active eq false', false],
    ['active ne false', true],
    // pr: present and not empty.
    ['title pr', true],
    ['nickName pr', false],
    ['name pr', true],
    ['name.givenName pr', true],
    ['name.middleName pr', false],
    ['emails pr', true],
    ['emails.type pr', true],
    ['phoneNumbers pr', false],
    // eq null matches an absent attribute.
    ['nickName eq null', true],
    ['title eq null', false],
    ['nickName ne null', false],
    ['title ne null', true],
    // Multi-valued: any value matches; without a sub-attribute, `value` is compared.
    ['emails eq "babs@jensen.org"', true],
    ['emails co "jensen.org"', true],
    ['emails co "example.org"', false],
    ['emails.value ew "@example.com"', true],
    ['emails.type eq "home"', true],
    ['emails.type eq "other"', false],
    ['emails.primary eq true', true],
    ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', true],
    ['schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"', false],
    // Value paths: one element must satisfy the whole bracketed filter.
    ['emails[type eq "work"]', true],
    ['emails[type eq "work" and primary eq true]', false],
    ['emails[type eq "home" and primary eq true]', true],
    ['emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "other" or value sw "babs"]', true],
    ['emails[not (type eq "work")]', true],
    ['emails[TYPE EQ "WORK"]', true],
    ['emails[display pr]', false],
    ['ims[type eq "xmpp"]', false],
    // URN-qualified paths: the core schema and an extension object stored under its URN.
    [`${CORE_USER}:userName eq "bjensen@example.com"`, true],
    [`${CORE_USER}:name.familyName eq "Jensen"`, true],
    [`${ENTERPRISE}:department eq "tour operations"`, true],
    [`${ENTERPRISE}:employeeNumber eq "701984"`, true],
    [`${ENTERPRISE}:employeeNumber eq 701984`, true],
    [`${ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true],
    [`${ENTERPRISE}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true],
    [`${ENTERPRISE}:manager[displayName sw "John"]`, true],
    [`${ENTERPRISE.toUpperCase()}:Department eq "Tour Operations"`, true],
    [`${ENTERPRISE}:costCenter pr`, false],
    ['urn:example:params:scim:schemas:extension:other:2.0:User:department eq "Tour Operations"', false],
    ['department eq "Tour Operations"', false],
    // Logic, with precedence not > and > or.
    ['title pr and userName eq "nobody"', false],
    ['title pr or userName eq "nobody"', true],
    ['userName eq "nobody" and title pr or active eq true', true],
    ['userName eq "nobody" and (title pr or active eq true)', false],
    ['not (title pr)', false],
    ['not (nickName pr) and not (userName eq "nobody")', true],
    // Attributes the schema does not know compare by their JSON type and never match when absent.
    ['nickName eq "Babs"', false],
    ['constructor pr', false],
    ['toString eq "x"', false],
  ];

  it.each(cases)('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });
});

describe('evaluateFilter: what identity providers send', () => {
  it.each<[string, Record<string, unknown>, FilterContext, boolean]>([
    // Microsoft Entra ID looks a user or group up right before creating it.
    ['userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"', entraUser, USERS, true],
    ['userName eq "test_user_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"', entraUser, USERS, true],
    ['externalId eq jyoung', barbara, USERS, true],
    ['externalId eq JYOUNG', barbara, USERS, false],
    ['externalId eq 0a21f0f2-8d2a-4f8e-bf67-7f3f1c6b1234', entraUser, USERS, true],
    ['displayName eq "Group1DisplayName"', group, GROUPS, true],
    ['displayName eq "group1displayname"', group, GROUPS, true],
    ['members[value eq "2819c223-7f76-453a-919d-413861904646"]', group, GROUPS, true],
    ['members[value eq "2819C223-7F76-453A-919D-413861904646"]', group, GROUPS, false],
    // Test Connection filters on a random GUID: a well-formed filter that matches nobody.
    ['userName eq 7c2e4a9b-2f41-4d89-a1f7-0c5d7e9b3a62', entraUser, USERS, false],
    ['id eq 7c2e4a9b-2f41-4d89-a1f7-0c5d7e9b3a62', group, GROUPS, false],
    // Entra stores and sends booleans as "True" / "False".
    ['active eq true', entraUser, USERS, true],
    ['active eq false', entraUser, USERS, false],
    ['active eq "True"', barbara, USERS, true],
    ['emails[type eq "work" and primary eq true]', entraUser, USERS, true],
    // Okta: userName is not caseExact, so the case of the filter does not matter.
    ['userName eq "ALICE@example.com"', { userName: 'alice@example.com' }, USERS, true],
    ['userName eq "alice@EXAMPLE.com"', { userName: 'Alice@Example.com' }, USERS, true],
  ])('%s', (filter, resource, context, expected) => {
    expect(matches(filter, resource, context)).toBe(expected);
  });
});

describe('evaluateFilter: stored shapes', () => {
  it('treats null, "", [] and empty objects as absent for pr and eq null', () => {
    const sparse = { title: '', nickName: null, emails: [], name: { givenName: null, familyName: '' }, phoneNumbers: [{ value: '' }] };
    for (const name of ['title', 'nickName', 'emails', 'name', 'phoneNumbers']) {
      expect(matches(`${name} pr`, sparse)).toBe(false);
      expect(matches(`${name} eq null`, sparse)).toBe(true);
    }
  });

  it('reads attribute names in any stored case', () => {
    expect(matches('userName eq "x"', { USERNAME: 'X' })).toBe(true);
    expect(matches('name.familyName eq "y"', { Name: { FamilyName: 'Y' } })).toBe(true);
  });

  it('compares a single-valued complex attribute stored as a bare value like its value sub-attribute', () => {
    expect(matches(`${ENTERPRISE}:manager eq "m-1"`, { [ENTERPRISE]: { manager: 'm-1' } })).toBe(true);
  });

  it('does not match values of the wrong JSON type', () => {
    expect(matches('loginCount gt 5', { loginCount: 'many' })).toBe(false);
    expect(matches('active eq true', { active: 'yes' })).toBe(false);
    expect(matches('meta.lastModified gt "2011-01-01T00:00:00Z"', { meta: { lastModified: 'yesterday' } })).toBe(false);
    expect(matches('title eq "x"', { title: { nested: 'x' } })).toBe(false);
  });

  it('compares attributes the schema does not describe by their stored JSON type', () => {
    const resource = { custom: { count: 3, flag: 'False', label: 'Blue' } };
    expect(matches('custom.count gt 2', resource)).toBe(true);
    expect(matches('custom.count lt 2', resource)).toBe(false);
    expect(matches('custom.flag eq false', resource)).toBe(true);
    expect(matches('custom.flag eq true', resource)).toBe(false);
    expect(matches('custom.label eq "blue"', resource)).toBe(true);
  });

  it('evaluates a long flat chain of conditions', () => {
    const filter = Array.from({ length: 600 }, (_, index) => `a${index} pr`).join(' or ');
    expect(matches(filter, { a599: 'x' })).toBe(true);
    expect(matches(filter, {})).toBe(false);
  });
});

describe('evaluateFilter: comparisons RFC 7644 §3.4.2.2 rejects', () => {
  it.each<[string, RegExp]>([
    ['active gt true', /"gt" cannot compare booleans/],
    ['active le false', /"le" cannot compare booleans/],
    ['active co "tr"', /"co" cannot compare booleans/],
    ['emails.primary ge true', /"ge" cannot compare booleans/],
    ['emails[primary lt true]', /"lt" cannot compare booleans/],
    ['title gt true', /"gt" cannot compare booleans/],
    ['x509Certificates.value gt "MII"', /cannot compare binary/],
    ['title gt null', /cannot compare with null/],
    ['title co null', /cannot compare with null/],
    ['active eq "yes"', /is a boolean/],
    ['loginCount gt "many"', /is a number/],
    ['meta.lastModified gt "yesterday"', /is a dateTime/],
    ['meta.lastModified eq 2011', /is a dateTime/],
    ['userName.first eq "x"', /not a complex attribute/],
    ['userName[value eq "x"]', /not a complex attribute/],
  ])('%s', (filter, message) => {
    // Refused whatever the data, even for a resource without the attribute.
    expect(detailOf400('invalidFilter', () => matches(filter, {}))).toMatch(message);
    expect(detailOf400('invalidFilter', () => matches(filter))).toMatch(message);
  });
});

describe('compileFilter', () => {
  it('checks the filter once and then tests many resources', () => {
    const isWorkEmailUser = compileFilter(parseFilter('emails[type eq "work"] and active eq true'), USERS);
    expect([barbara, entraUser, { active: true }].map(isWorkEmailUser)).toEqual([true, true, false]);
  });

  it('refuses a bad comparison before any resource is seen', () => {
    expect(detailOf400('invalidFilter', () => compileFilter(parseFilter('active gt true'), USERS))).toMatch(/cannot compare booleans/);
  });
});

describe('evaluateValueFilter (PATCH value filters, RFC 7644 §3.5.2)', () => {
  const emails = find(USER_ATTRIBUTES, 'emails');
  const members = find(GROUP_ATTRIBUTES, 'members');

  it('tests one element against references to its sub-attributes', () => {
    const work = parseFilter('type eq "WORK" and primary eq true');
    expect(evaluateValueFilter(work, { type: 'work', primary: 'True', value: 'a@b' }, emails, USERS)).toBe(true);
    expect(evaluateValueFilter(work, { type: 'home', primary: true }, emails, USERS)).toBe(false);
  });

  it('honours caseExact of the sub-attribute', () => {
    const member = parseFilter('value eq "ABC"');
    expect(evaluateValueFilter(member, { value: 'abc' }, members, GROUPS)).toBe(false);
    expect(evaluateValueFilter(member, { value: 'ABC' }, members, GROUPS)).toBe(true);
  });

  it('works without a parent definition, comparing by JSON type', () => {
    expect(evaluateValueFilter(parseFilter('type eq "work"'), { type: 'Work' }, undefined, USERS)).toBe(true);
  });

  it('rejects what the sub-attribute type forbids', () => {
    expect(detailOf400('invalidFilter', () => evaluateValueFilter(parseFilter('primary gt true'), {}, emails, USERS))).toMatch(/cannot compare booleans/);
  });
});

describe('evaluateFilter with the service schemas as its context', () => {
  // The FilterContext contract, met by the schema module's resolveAttribute.
  const users: FilterContext = { coreSchema: USER_SCHEMA, resolve: (ref, parent) => resolveAttribute('User', ref, parent) };
  const groups: FilterContext = { coreSchema: GROUP_SCHEMA, resolve: (ref, parent) => resolveAttribute('Group', ref, parent) };

  it.each<[string, Record<string, unknown>, FilterContext, boolean]>([
    ['userName eq "ALICE@example.com"', { userName: 'alice@example.com' }, users, true],
    ['externalId eq JYOUNG', barbara, users, false],
    ['externalId eq jyoung', barbara, users, true],
    ['emails[type eq "work" and primary eq true]', entraUser, users, true],
    [`${ENTERPRISE_USER_SCHEMA}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, barbara, users, true],
    ['meta.lastModified eq "2011-05-13T06:42:34+02:00"', barbara, users, true],
    ['displayName eq "group1displayname"', group, groups, true],
  ])('%s', (filter, resource, context, expected) => {
    expect(matches(filter, resource, context)).toBe(expected);
  });

  it('refuses gt on the boolean active', () => {
    expect(detailOf400('invalidFilter', () => matches('active gt true', {}, users))).toMatch(/cannot compare booleans/);
  });
});

describe('compileFilter with rejectUnknownAttributes (list requests, RFC 7644 §3.4.2.2)', () => {
  const users: FilterContext = { coreSchema: USER_SCHEMA, resolve: (ref, parent) => resolveAttribute('User', ref, parent), rejectUnknownAttributes: true };
  const groups: FilterContext = { coreSchema: GROUP_SCHEMA, resolve: (ref, parent) => resolveAttribute('Group', ref, parent), rejectUnknownAttributes: true };

  it.each<[string, FilterContext]>([
    ['userName eq "a"', users],
    ['USERNAME eq "a"', users],
    [`${USER_SCHEMA}:userName eq "a"`, users],
    [`${USER_SCHEMA.toUpperCase()}:NAME.GIVENNAME eq "a"`, users],
    ['name.familyName sw "a"', users],
    ['emails[type eq "work" and Value co "@"]', users],
    ['emails.value pr', users],
    [`${ENTERPRISE_USER_SCHEMA}:employeeNumber eq "1"`, users],
    [`${ENTERPRISE_USER_SCHEMA}:manager.value eq "m"`, users],
    [`${ENTERPRISE_USER_SCHEMA.toLowerCase()}:Manager.Value eq "m"`, users],
    ['id eq "x" or externalId eq "y"', users],
    ['meta.lastModified gt "2020-01-01T00:00:00Z" and meta.resourceType eq "User"', users],
    [`${USER_SCHEMA}:meta.created pr`, users],
    ['members[value eq "x"] or members.display co "a"', groups],
    ['DisplayName eq "g"', groups],
  ])('accepts %s', (filter, context) => {
    expect(() => compileFilter(parseFilter(filter), context)).not.toThrow();
  });

  it.each<[string, FilterContext, string]>([
    ['nickname2 eq "a"', users, 'nickname2'],
    ['name.middle eq "a"', users, 'name.middle'],
    ['emails[kind eq "work"]', users, 'kind'],
    ['emails.label pr', users, 'emails.label'],
    ['meta.owner eq "a"', users, 'meta.owner'],
    [`${USER_SCHEMA}:employeeNumber eq "1"`, users, 'employeeNumber'],
    // Extension attributes need their schema URN (RFC 7644 §3.10).
    ['employeeNumber eq "1"', users, 'employeeNumber'],
    [`${ENTERPRISE_USER_SCHEMA}:costCentre eq "1"`, users, 'costCentre'],
    [`${ENTERPRISE_USER_SCHEMA}:manager.email eq "m"`, users, 'manager.email'],
    ['urn:example:params:scim:schemas:extension:acme:2.0:User:badge eq "1"', users, 'badge'],
    ['userName eq "a" and custom pr', users, 'custom'],
    ['not (title pr) or members[value eq "x"]', users, 'members'],
    ['userName eq "a"', groups, 'userName'],
    ['members[id eq "x"]', groups, 'id'],
  ])('refuses %s', (filter, context, named) => {
    const detail = detailOf400('invalidFilter', () => compileFilter(parseFilter(filter), context));
    expect(detail).toContain(named);
    expect(detail).toMatch(/is not an attribute of this resource type/);
  });

  it('names the attribute path, never the compared value', () => {
    expect(detailOf400('invalidFilter', () => compileFilter(parseFilter('secretAttr eq "Personal Name"'), users))).not.toContain('Personal');
  });
});
