import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScimError } from '../../../functions/core/error.ts';
import {
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  formatFilter,
  parseFilter,
  type AttributeRef,
  type CompareOperator,
  type CompareValue,
  type FilterNode,
} from '../../../functions/core/filter/index.ts';
import { detailOf400 } from '../../support/scim-errors.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function ref(attribute: string, subAttribute?: string, uri?: string): AttributeRef {
  const result: AttributeRef = { attribute };
  if (subAttribute !== undefined) result.subAttribute = subAttribute;
  if (uri !== undefined) result.uri = uri;
  return result;
}
const cmp = (op: CompareOperator, path: AttributeRef, value: CompareValue): FilterNode => ({ kind: 'compare', op, path, value });
const pr = (path: AttributeRef): FilterNode => ({ kind: 'present', path });
const and = (left: FilterNode, right: FilterNode): FilterNode => ({ kind: 'logical', op: 'and', left, right });
const or = (left: FilterNode, right: FilterNode): FilterNode => ({ kind: 'logical', op: 'or', left, right });
const not = (filter: FilterNode): FilterNode => ({ kind: 'not', filter });
const valuePath = (path: AttributeRef, filter: FilterNode): FilterNode => ({ kind: 'valuePath', path, filter });

describe('parseFilter: valid filters', () => {
  const cases: Array<[string, FilterNode]> = [
    // RFC 7644 §3.4.2.2 examples
    ['userName eq "bjensen"', cmp('eq', ref('userName'), 'bjensen')],
    ['name.familyName co "O\'Malley"', cmp('co', ref('name', 'familyName'), "O'Malley")],
    ['userName sw "J"', cmp('sw', ref('userName'), 'J')],
    [`${CORE_USER}:userName sw "J"`, cmp('sw', ref('userName', undefined, CORE_USER), 'J')],
    ['title pr', pr(ref('title'))],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp('gt', ref('meta', 'lastModified'), '2011-05-13T04:42:34Z')],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp('ge', ref('meta', 'lastModified'), '2011-05-13T04:42:34Z')],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp('lt', ref('meta', 'lastModified'), '2011-05-13T04:42:34Z')],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp('le', ref('meta', 'lastModified'), '2011-05-13T04:42:34Z')],
    ['title pr and userType eq "Employee"', and(pr(ref('title')), cmp('eq', ref('userType'), 'Employee'))],
    ['title pr or userType eq "Intern"', or(pr(ref('title')), cmp('eq', ref('userType'), 'Intern'))],
    [
      'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
      cmp('eq', ref('schemas'), ENTERPRISE),
    ],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      and(cmp('eq', ref('userType'), 'Employee'), or(cmp('co', ref('emails'), 'example.com'), cmp('co', ref('emails', 'value'), 'example.org'))),
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      and(cmp('ne', ref('userType'), 'Employee'), not(or(cmp('co', ref('emails'), 'example.com'), cmp('co', ref('emails', 'value'), 'example.org')))),
    ],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(cmp('eq', ref('userType'), 'Employee'), valuePath(ref('emails'), and(cmp('eq', ref('type'), 'work'), cmp('co', ref('value'), '@example.com')))),
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      or(
        valuePath(ref('emails'), and(cmp('eq', ref('type'), 'work'), cmp('co', ref('value'), '@example.com'))),
        valuePath(ref('ims'), and(cmp('eq', ref('type'), 'xmpp'), cmp('co', ref('value'), '@foo.com'))),
      ),
    ],
    [
      'emails[type eq "work" and primary eq true]',
      valuePath(ref('emails'), and(cmp('eq', ref('type'), 'work'), cmp('eq', ref('primary'), true))),
    ],
    ['emails[not (type eq "work")]', valuePath(ref('emails'), not(cmp('eq', ref('type'), 'work')))],
    ['members[$ref pr]', valuePath(ref('members'), pr(ref('$ref')))],
    // URNs hold dots and colons: the attribute is what follows the last colon.
    [`${ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, cmp('eq', ref('manager', 'value', ENTERPRISE), '26118915-6090-4610-87e4-49d8ca9f808d')],
    [`${ENTERPRISE}:department eq "Tour Operations"`, cmp('eq', ref('department', undefined, ENTERPRISE), 'Tour Operations')],
    [`${ENTERPRISE}:manager[value eq "x"]`, valuePath(ref('manager', undefined, ENTERPRISE), cmp('eq', ref('value'), 'x'))],
    // Precedence: not > and > or; and/or group to the left.
    ['a pr or b pr and c pr', or(pr(ref('a')), and(pr(ref('b')), pr(ref('c'))))],
    ['a pr and b pr or c pr', or(and(pr(ref('a')), pr(ref('b'))), pr(ref('c')))],
    ['a pr and b pr and c pr', and(and(pr(ref('a')), pr(ref('b'))), pr(ref('c')))],
    ['a pr or b pr or c pr', or(or(pr(ref('a')), pr(ref('b'))), pr(ref('c')))],
    ['a pr and (b pr and c pr)', and(pr(ref('a')), and(pr(ref('b')), pr(ref('c'))))],
    ['(a pr or b pr) and c pr', and(or(pr(ref('a')), pr(ref('b'))), pr(ref('c')))],
    ['not (a pr) and b pr', and(not(pr(ref('a'))), pr(ref('b')))],
    ['not (not (a pr))', not(not(pr(ref('a'))))],
    ['((((a pr))))', pr(ref('a'))],
    // Operators, keywords and literals in any case (RFC 7643 §2.1).
    ['userName EQ "x"', cmp('eq', ref('userName'), 'x')],
    ['UserName Eq "x"', cmp('eq', ref('UserName'), 'x')],
    ['title PR AND a Ne "b" OR c gT 1', or(and(pr(ref('title')), cmp('ne', ref('a'), 'b')), cmp('gt', ref('c'), 1))],
    ['NOT(a pr)', not(pr(ref('a')))],
    ['active eq TRUE', cmp('eq', ref('active'), true)],
    ['active eq False', cmp('eq', ref('active'), false)],
    ['manager eq NULL', cmp('eq', ref('manager'), null)],
    // JSON values.
    ['a eq 0', cmp('eq', ref('a'), 0)],
    ['a ge -1.5e3', cmp('ge', ref('a'), -1500)],
    ['a lt 12.25', cmp('lt', ref('a'), 12.25)],
    ['a eq "tab\\there \\"quoted\\" \\\\ \\u00e9"', cmp('eq', ref('a'), 'tab\there "quoted" \\ é')],
    ['a eq ""', cmp('eq', ref('a'), '')],
    ['a eq "("', cmp('eq', ref('a'), '(')],
    // Microsoft Entra ID: quoted and unquoted string values.
    ['userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"', cmp('eq', ref('userName'), 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee')],
    ['externalId eq jyoung', cmp('eq', ref('externalId'), 'jyoung')],
    ['userName eq 2819c223-7f76-453a-919d-413861904646', cmp('eq', ref('userName'), '2819c223-7f76-453a-919d-413861904646')],
    ['displayName eq "Group1DisplayName"', cmp('eq', ref('displayName'), 'Group1DisplayName')],
    ['userName eq alice@example.com', cmp('eq', ref('userName'), 'alice@example.com')],
    ['externalId eq 00123', cmp('eq', ref('externalId'), '00123')],
    ['externalId eq 123', cmp('eq', ref('externalId'), 123)],
    ['(externalId eq jyoung)', cmp('eq', ref('externalId'), 'jyoung')],
    ['emails[type eq work]', valuePath(ref('emails'), cmp('eq', ref('type'), 'work'))],
    // Okta
    ['userName eq "ALICE@example.com"', cmp('eq', ref('userName'), 'ALICE@example.com')],
    // Whitespace other than one space.
    ['  userName\teq\n"x"  ', cmp('eq', ref('userName'), 'x')],
    ['emails [type eq "work"]', valuePath(ref('emails'), cmp('eq', ref('type'), 'work'))],
    // Words that are keywords elsewhere still name attributes where an attribute is expected.
    ['not eq "x"', cmp('eq', ref('not'), 'x')],
    ['and pr and or pr', and(pr(ref('and')), pr(ref('or')))],
    ['userName eq and', cmp('eq', ref('userName'), 'and')],
  ];

  it.each(cases)('%s', (input, expected) => {
    expect(parseFilter(input)).toStrictEqual(expected);
  });
});

describe('parseFilter: malformed filters', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /end of input at position 0/],
    ['   ', /end of input at position 3/],
    ['userName', /operator .*end of input at position 8/],
    ['userName eq', /comparison value.*end of input at position 11/],
    ['userName equals "x"', /"equals" at position 9/],
    ['userName eq "x', /Unterminated string starting at position 12/],
    ['userName eq "\\x"', /Invalid string literal at position 12/],
    ['userName eq "a\u0001"', /Invalid string literal at position 12/],
    ['a eq 1e999', /Number out of range "1e999" at position 5/],
    ['(userName pr', /"\)".*end of input at position 12/],
    ['userName pr)', /"\)" at position 11/],
    ['userName pr and', /end of input at position 15/],
    ['userName pr and or b pr', /"or" at position 16/],
    ['userName eq "a" b', /"b" at position 16/],
    ['userName eq "a" "Ada Lovelace"', /found a quoted string at position 16$/],
    ['userName eq (', /comparison value.*"\(" at position 12/],
    ['not (userName pr', /end of input at position 16/],
    ['not userName eq "x"', /"not" must be followed by a parenthesised filter/],
    ['1abc eq "x"', /Invalid attribute name .*position 0/],
    ['a.b.c eq 1', /Invalid sub-attribute name .*position 0/],
    ['a. eq 1', /Invalid sub-attribute name/],
    ['a:b eq 1', /Invalid schema URI .*position 0/],
    [':a eq 1', /Invalid schema URI/],
    ['urn:x: eq 1', /Invalid attribute name/],
    ['x pr and 9 pr', /Invalid attribute name .*"9" at position 9/],
    ['emails[type eq "x"', /"\]".*end of input at position 18/],
    ['emails[type eq "x")', /"\)" at position 18/],
    ['emails[value.x eq "a"]', /sub-attribute alone: "value.x" at position 7/],
    ['emails[urn:x:y:type eq "a"]', /sub-attribute alone/],
    ['a[b[c pr]]', /cannot be nested: "\[" at position 3/],
    ['name.givenName[x pr]', /not a sub-attribute: "\[" at position 14/],
    ['emails[type eq "work"].value', /"\.value" at position 22/],
    [']', /"\]" at position 0/],
    ['()', /"\)" at position 1/],
    ['a pr ()', /"\(" at position 5/],
  ];

  it.each(cases)('%s', (input, message) => {
    expect(detailOf400('invalidFilter', () => parseFilter(input))).toMatch(message);
  });

  it(`accepts nesting up to ${MAX_FILTER_DEPTH} levels and refuses deeper`, () => {
    const nested = (depth: number): string => `${'('.repeat(depth)}a pr${')'.repeat(depth)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toStrictEqual(pr(ref('a')));
    expect(detailOf400('invalidFilter', () => parseFilter(nested(MAX_FILTER_DEPTH + 1)))).toMatch(/deeper than 50 levels at position 50/);
    const nots = `${'not ('.repeat(MAX_FILTER_DEPTH + 1)}a pr${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
    expect(detailOf400('invalidFilter', () => parseFilter(nots))).toMatch(/deeper than 50 levels/);
  });

  it(`accepts ${MAX_FILTER_LENGTH} characters and refuses more`, () => {
    const value = 'x'.repeat(MAX_FILTER_LENGTH - 'userName eq ""'.length);
    expect(parseFilter(`userName eq "${value}"`)).toStrictEqual(cmp('eq', ref('userName'), value));
    expect(detailOf400('invalidFilter', () => parseFilter(`userName eq "${value}x"`))).toMatch(/8193 characters long/);
  });

  it('parses a long flat chain of conditions without trouble', () => {
    const terms = Array.from({ length: 600 }, (_, index) => `a${index} pr`);
    const tree = parseFilter(terms.join(' and '));
    expect(tree.kind).toBe('logical');
    expect(formatFilter(tree)).toBe(terms.join(' and '));
  });
});

describe('parseFilter on arbitrary input', () => {
  /** Pieces that make up real filters, so that random input reaches deep into the grammar. */
  const piece = fc.constantFrom(
    '(', ')', '[', ']', ' ', 'not', 'and', 'or', 'eq', 'ne', 'co', 'gt', 'pr', 'NOT', 'Eq',
    '"x"', '"', '\\', '"\\u12"', 'true', 'null', '1', '-1.5e3', '1e999', 'jyoung',
    'userName', 'emails', 'name.givenName', '.value', 'a.b.c', `${ENTERPRISE}:manager`, 'urn:', ':', '$ref',
  );
  const soup = fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join(' '));
  const tightSoup = fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join(''));

  it('returns a tree or throws invalidFilter, nothing else; a returned tree formats back to itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), soup, tightSoup), (text) => {
        let tree: FilterNode;
        try {
          tree = parseFilter(text);
        } catch (error) {
          expect(isScimError(error) && error.scimType === 'invalidFilter').toBe(true);
          return;
        }
        expect(parseFilter(formatFilter(tree))).toStrictEqual(tree);
      }),
      { numRuns: 2000 },
    );
  });
});
