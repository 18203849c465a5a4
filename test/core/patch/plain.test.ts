/**
 * Plain PATCH assignments (written without reading the resource) mean exactly what the general
 * PATCH engine makes of the same operations, whenever the store would apply them (their parents
 * exist); anything else is not plain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatch, parsePatchRequest, plainAssignments, type PlainAssignment } from '../../../functions/core/patch-op.ts';
import { parseResourceInput } from '../../../functions/core/resource.ts';
import { ENTERPRISE, PATCH_OP, USER_SCHEMA } from '../../support/urns.ts';

const operations = (...Operations: Array<Record<string, unknown>>) => parsePatchRequest({ schemas: [PATCH_OP], Operations });

/** What the store does with assignments: set each path, or refuse when a parent is missing. */
function assign(attributes: Record<string, unknown>, assignments: PlainAssignment[]): Record<string, unknown> | undefined {
  const result = structuredClone(attributes);
  for (const { path, value } of assignments) {
    if (path.length === 1) {
      result[path[0]] = value;
      continue;
    }
    const parent = result[path[0]];
    if (typeof parent !== 'object' || parent === null) return undefined;
    (parent as Record<string, unknown>)[path[1]] = value;
  }
  return result;
}

describe('plain PATCH assignments', () => {
  it("take Entra ID's updates of plain attributes, in any case, with booleans sent as strings", () => {
    expect(
      plainAssignments(
        'User',
        operations(
          { op: 'Replace', path: 'title', value: 'CEO' },
          { op: 'Replace', path: 'NAME.givenname', value: 'Ada' },
          { op: 'Add', path: `${ENTERPRISE}:department`, value: 'R&D' },
          { op: 'Replace', path: 'active', value: 'False' },
          { op: 'Replace', path: 'title', value: 'CTO' },
        ),
      ),
    ).toEqual([
      { path: ['name', 'givenName'], value: 'Ada' },
      { path: [ENTERPRISE, 'department'], value: 'R&D' },
      { path: ['active'], value: false },
      { path: ['title'], value: 'CTO' },
    ]);
  });

  it.each([
    ['a value filter', { op: 'Replace', path: 'emails[type eq "work"].value', value: 'a@example.com' }],
    ['a removal', { op: 'Remove', path: 'title' }],
    ['null', { op: 'Replace', path: 'title', value: null }],
    ['no path', { op: 'Replace', value: { title: 'x' } }],
    ['a unique attribute', { op: 'Replace', path: 'userName', value: 'x' }],
    ['externalId, an index', { op: 'Replace', path: 'externalId', value: 'x' }],
    ['a complex value', { op: 'Replace', path: 'name', value: { givenName: 'x' } }],
    ['the manager, a reference to check', { op: 'Replace', path: `${ENTERPRISE}:manager`, value: 'x' }],
    ['a multi-valued attribute', { op: 'Replace', path: 'emails', value: 'x' }],
    ['an unknown attribute', { op: 'Replace', path: 'shoeSize', value: '42' }],
    ['a readOnly attribute', { op: 'Replace', path: 'id', value: 'x' }],
    ['a value of the wrong type', { op: 'Replace', path: 'active', value: 'maybe' }],
    ['a value too long', { op: 'Replace', path: 'title', value: 'x'.repeat(3000) }],
  ])('leave %s to the general path', (_, operation) => {
    expect(plainAssignments('User', operations({ op: 'Replace', path: 'title', value: 'ok' }, operation))).toBeUndefined();
  });

  it('equal the general engine whenever the store would apply them', () => {
    const stored = fc.record(
      {
        title: fc.string({ maxLength: 5 }),
        active: fc.boolean(),
        name: fc.record({ givenName: fc.string({ maxLength: 5 }), familyName: fc.string({ maxLength: 5 }) }, { requiredKeys: [] }),
        [ENTERPRISE]: fc.record({ department: fc.string({ maxLength: 5 }), costCenter: fc.string({ maxLength: 5 }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    const operation = fc.record({
      op: fc.constantFrom('Replace', 'Add', 'replace', 'add'),
      path: fc.constantFrom('title', 'displayName', 'name.givenName', 'name.middleName', 'active', `${ENTERPRISE}:department`, 'department', `${ENTERPRISE}:division`, 'nickName'),
      value: fc.oneof(fc.string({ maxLength: 5 }), fc.boolean(), fc.constantFrom('True', 'false')),
    });
    fc.assert(
      fc.property(stored, fc.array(operation, { minLength: 1, maxLength: 6 }), (values, ops) => {
        const body = { schemas: [USER_SCHEMA, ENTERPRISE], userName: 'ada', ...values };
        const { attributes } = parseResourceInput('User', body);
        const parsed = operations(...ops);
        const assignments = plainAssignments('User', parsed);
        let general: Record<string, unknown> | undefined;
        try {
          general = parseResourceInput('User', applyPatch('User', { ...attributes, id: 'u1' }, parsed)).attributes;
        } catch {
          general = undefined;
        }
        if (assignments === undefined) return;
        // Plain assignments are taken only from operations the general engine accepts.
        expect(general).toBeDefined();
        const written = assign(attributes, assignments);
        if (written !== undefined) expect(written).toEqual(general);
      }),
      { numRuns: 500 },
    );
  });
});
