import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatAttributePath,
  formatFilter,
  parseAttributePath,
  parseFilter,
  type AttributePath,
  type AttributeRef,
  type CompareOperator,
  type CompareValue,
  type FilterNode,
} from '../../../functions/core/filter/index.ts';

describe('formatFilter', () => {
  const cases: Array<[string, string]> = [
    ['UserName EQ "bjensen"', 'UserName eq "bjensen"'],
    ['title   PR', 'title pr'],
    ['active eq TRUE', 'active eq true'],
    ['manager eq NULL', 'manager eq null'],
    ['externalId eq jyoung', 'externalId eq "jyoung"'],
    ['a eq -1.5e3', 'a eq -1500'],
    ['a eq -0', 'a eq -0'],
    ['a eq "say \\"hi\\"\\n"', 'a eq "say \\"hi\\"\\n"'],
    ['((a pr))', 'a pr'],
    ['a pr or (b pr and c pr)', 'a pr or b pr and c pr'],
    ['(a pr and b pr) or c pr', 'a pr and b pr or c pr'],
    ['(a pr or b pr) and c pr', '(a pr or b pr) and c pr'],
    ['a pr and (b pr or c pr)', 'a pr and (b pr or c pr)'],
    ['a pr and (b pr and c pr)', 'a pr and (b pr and c pr)'],
    ['a pr or (b pr or c pr)', 'a pr or (b pr or c pr)'],
    ['(a pr or b pr) or c pr', 'a pr or b pr or c pr'],
    ['NOT(a pr)', 'not (a pr)'],
    ['emails [ type eq "work"  and primary eq True ]', 'emails[type eq "work" and primary eq true]'],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"',
    ],
  ];

  it.each(cases)('%s → %s', (input, canonical) => {
    expect(formatFilter(parseFilter(input))).toBe(canonical);
  });
});

/** Attribute names the grammar allows, including words that are keywords elsewhere. */
const attributeName = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,7}$/),
  fc.constantFrom('$ref', 'not', 'and', 'or', 'pr', 'eq', 'true', 'null', 'userName', 'emails'),
);
/** Schema URNs: segments with dots and digits, as in `…:enterprise:2.0:User`. */
const schemaUri = fc
  .array(fc.stringMatching(/^[A-Za-z0-9.-]{1,6}$/), { minLength: 1, maxLength: 6 })
  .map((segments) => `urn:${segments.join(':')}`);

function buildRef(attribute: string, uri: string | undefined, subAttribute: string | undefined): AttributeRef {
  const ref: AttributeRef = { attribute };
  if (uri !== undefined) ref.uri = uri;
  if (subAttribute !== undefined) ref.subAttribute = subAttribute;
  return ref;
}

const absoluteRef = fc
  .tuple(attributeName, fc.option(schemaUri, { nil: undefined }), fc.option(attributeName, { nil: undefined }))
  .map(([attribute, uri, subAttribute]) => buildRef(attribute, uri, subAttribute));
const valuePathRef = fc
  .tuple(attributeName, fc.option(schemaUri, { nil: undefined }))
  .map(([attribute, uri]) => buildRef(attribute, uri, undefined));
const relativeRef = attributeName.map((attribute) => buildRef(attribute, undefined, undefined));

const compareValue: fc.Arbitrary<CompareValue> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const compareOperator = fc.constantFrom<CompareOperator>('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le');

/** Plain objects, as the parser makes, so that toStrictEqual compares like with like. */
const PLAIN = { noNullPrototype: true };

/**
 * Trees the parser can produce: value paths only at the top level (RFC 7644 §3.4.2.2 valFilter
 * holds no value path) and, inside them, references that name a sub-attribute alone.
 */
function filterTree(depth: number, relative: boolean): fc.Arbitrary<FilterNode> {
  const ref = relative ? relativeRef : absoluteRef;
  const leaves: Array<fc.Arbitrary<FilterNode>> = [
    fc.record({ kind: fc.constant('compare' as const), op: compareOperator, path: ref, value: compareValue }, PLAIN),
    fc.record({ kind: fc.constant('present' as const), path: ref }, PLAIN),
  ];
  if (depth === 0) return fc.oneof(...leaves);
  const child = filterTree(depth - 1, relative);
  const branches: Array<fc.Arbitrary<FilterNode>> = [
    fc.record({ kind: fc.constant('logical' as const), op: fc.constantFrom('and' as const, 'or' as const), left: child, right: child }, PLAIN),
    fc.record({ kind: fc.constant('not' as const), filter: child }, PLAIN),
  ];
  if (!relative) {
    branches.push(fc.record({ kind: fc.constant('valuePath' as const), path: valuePathRef, filter: filterTree(Math.min(depth, 2), true) }, PLAIN));
  }
  return fc.oneof(...leaves, ...branches);
}

describe('formatFilter → parseFilter round trip', () => {
  it('gives back every tree the parser can produce', () => {
    fc.assert(
      fc.property(filterTree(4, false), (tree) => {
        expect(parseFilter(formatFilter(tree))).toStrictEqual(tree);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives back every PATCH path', () => {
    const path: fc.Arbitrary<AttributePath> = fc
      .tuple(valuePathRef, fc.option(filterTree(2, true), { nil: undefined }), fc.option(attributeName, { nil: undefined }))
      .map(([ref, valueFilter, subAttribute]) => {
        const result: AttributePath = { ...ref };
        if (valueFilter !== undefined) result.valueFilter = valueFilter;
        if (subAttribute !== undefined) result.subAttribute = subAttribute;
        return result;
      });
    fc.assert(
      fc.property(path, (value) => {
        expect(parseAttributePath(formatAttributePath(value))).toStrictEqual(value);
      }),
      { numRuns: 500 },
    );
  });
});
