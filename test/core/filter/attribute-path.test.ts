import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScimError } from '../../../functions/core/error.ts';
import { formatAttributePath, parseAttributePath, type AttributePath } from '../../../functions/core/filter/index.ts';
import { detailOf400 } from '../../support/scim-errors.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('parseAttributePath: valid paths (RFC 7644 §3.5.2)', () => {
  const cases: Array<[string, AttributePath]> = [
    ['userName', { attribute: 'userName' }],
    ['active', { attribute: 'active' }],
    ['name.givenName', { attribute: 'name', subAttribute: 'givenName' }],
    ['members', { attribute: 'members' }],
    [
      'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
      {
        attribute: 'members',
        valueFilter: { kind: 'compare', op: 'eq', path: { attribute: 'value' }, value: '2819c223-7f76-453a-919d-413861904646' },
      },
    ],
    [
      'emails[type eq "work"].value',
      {
        attribute: 'emails',
        valueFilter: { kind: 'compare', op: 'eq', path: { attribute: 'type' }, value: 'work' },
        subAttribute: 'value',
      },
    ],
    [
      'addresses[type eq "work"].formatted',
      {
        attribute: 'addresses',
        valueFilter: { kind: 'compare', op: 'eq', path: { attribute: 'type' }, value: 'work' },
        subAttribute: 'formatted',
      },
    ],
    [
      'members[value eq "a" or value eq "b"]',
      {
        attribute: 'members',
        valueFilter: {
          kind: 'logical',
          op: 'or',
          left: { kind: 'compare', op: 'eq', path: { attribute: 'value' }, value: 'a' },
          right: { kind: 'compare', op: 'eq', path: { attribute: 'value' }, value: 'b' },
        },
      },
    ],
    [`${ENTERPRISE}:manager`, { uri: ENTERPRISE, attribute: 'manager' }],
    [`${ENTERPRISE}:employeeNumber`, { uri: ENTERPRISE, attribute: 'employeeNumber' }],
    [`${ENTERPRISE}:manager.value`, { uri: ENTERPRISE, attribute: 'manager', subAttribute: 'value' }],
    [
      'urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value',
      {
        uri: 'urn:ietf:params:scim:schemas:core:2.0:User',
        attribute: 'emails',
        valueFilter: { kind: 'compare', op: 'eq', path: { attribute: 'type' }, value: 'work' },
        subAttribute: 'value',
      },
    ],
    ['members[value eq 2819c223]', { attribute: 'members', valueFilter: { kind: 'compare', op: 'eq', path: { attribute: 'value' }, value: '2819c223' } }],
    ['members.$ref', { attribute: 'members', subAttribute: '$ref' }],
    [' displayName ', { attribute: 'displayName' }],
  ];

  it.each(cases)('%s', (input, expected) => {
    expect(parseAttributePath(input)).toStrictEqual(expected);
  });
});

describe('parseAttributePath: malformed paths', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /end of input at position 0/],
    ['emails[', /end of input at position 7/],
    ['emails[type eq "work"', /"\]".*end of input at position 21/],
    ['emails[type eq]', /comparison value.*"\]" at position 14/],
    ['emails [type eq "work"]', /"\[" at position 7/],
    ['emails[type eq "work"] .value', /"\.value" at position 23/],
    ['emails[type eq "work"]value', /"value" at position 22/],
    ['emails[type eq "work"].value.x', /"\.value\.x" at position 22/],
    ['name.givenName[type eq "x"]', /not a sub-attribute: "\[" at position 14/],
    ['emails[type[x pr]]', /cannot be nested/],
    ['name.givenName.x', /Invalid sub-attribute name/],
    ['1name', /Invalid attribute name/],
    ['user name', /"name" at position 5/],
    ['"userName"', /attribute path, found a quoted string at position 0/],
    ['a:b', /Invalid schema URI/],
    [`${ENTERPRISE}:`, /Invalid attribute name/],
    ['(userName)', /"\(" at position 0/],
    ['x'.repeat(8193), /8193 characters long/],
  ];

  it.each(cases)('%s', (input, message) => {
    expect(detailOf400('invalidPath', () => parseAttributePath(input))).toMatch(message);
  });
});

describe('formatAttributePath', () => {
  it.each([
    'userName',
    'name.givenName',
    'emails[type eq "work"].value',
    'members[value eq "a" or value eq "b"]',
    `${ENTERPRISE}:manager.value`,
  ])('writes %s back as it was read', (text) => {
    expect(formatAttributePath(parseAttributePath(text))).toBe(text);
  });
});

describe('parseAttributePath on arbitrary input', () => {
  const piece = fc.constantFrom(
    'emails', 'members', 'name', '.', '.value', '[', ']', ' ', 'type', 'eq', '"work"', '"', 'and', 'not', '(', ')',
    `${ENTERPRISE}:manager`, ':', '$ref', 'pr', 'value', '1',
  );
  const soup = fc.array(piece, { maxLength: 20 }).map((pieces) => pieces.join(''));

  it('returns a path or throws invalidPath, nothing else; a returned path formats back to itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), soup), (text) => {
        let path: AttributePath;
        try {
          path = parseAttributePath(text);
        } catch (error) {
          expect(isScimError(error) && error.scimType === 'invalidPath').toBe(true);
          return;
        }
        expect(parseAttributePath(formatAttributePath(path))).toStrictEqual(path);
      }),
      { numRuns: 2000 },
    );
  });
});
