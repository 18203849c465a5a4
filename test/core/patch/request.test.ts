import { describe, expect, it } from 'vitest';
import type { ScimType } from '../../../functions/core/error.ts';
import { MAX_PATCH_OPERATIONS, PATCH_OP_SCHEMA, parsePatchRequest } from '../../../functions/core/patch/request.ts';
import { disableUser, removeMemberByFilter, replaceManyWithoutPath, updateUserMultiValued } from './entra-requests.ts';
import { scimErrorOf } from '../../support/scim-errors.ts';

function body(operations: unknown): Record<string, unknown> {
  return { schemas: [PATCH_OP_SCHEMA], Operations: operations };
}

describe('parsePatchRequest', () => {
  it('reads Entra ID bodies, lower-casing op and keeping each operation\'s index', () => {
    expect(parsePatchRequest(updateUserMultiValued)).toEqual([
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'rosa.moreno@fabrikam.example', index: 0 },
      { op: 'replace', path: 'name.familyName', value: 'Moreno-Diaz', index: 1 },
    ]);
    expect(parsePatchRequest(disableUser)).toEqual([{ op: 'replace', path: 'active', value: false, index: 0 }]);
    expect(parsePatchRequest(removeMemberByFilter)).toEqual([{ op: 'remove', path: 'members[value eq "usr-31"]', index: 0 }]);
    expect(parsePatchRequest(replaceManyWithoutPath)[1]).toMatchObject({ op: 'replace', index: 1 });
  });

  it.each([
    ['add', 'add'],
    ['ADD', 'add'],
    ['Replace', 'replace'],
    ['rEmOvE', 'remove'],
  ])('accepts op %s in any letter case', (op, expected) => {
    const [operation] = parsePatchRequest(body([{ op, path: 'title', value: 'x' }]));
    expect(operation?.op).toBe(expected);
  });

  it('accepts the structural names in any case (operations, Op, Path, Value)', () => {
    expect(parsePatchRequest({ SCHEMAS: [PATCH_OP_SCHEMA.toUpperCase()], operations: [{ Op: 'Add', Path: 'title', Value: 'x' }] })).toEqual([
      { op: 'add', path: 'title', value: 'x', index: 0 },
    ]);
  });

  it('treats a null path as no path', () => {
    expect(parsePatchRequest(body([{ op: 'add', path: null, value: { title: 'x' } }]))).toEqual([{ op: 'add', value: { title: 'x' }, index: 0 }]);
  });

  it('accepts a bare extension URN as path', () => {
    const path = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    expect(parsePatchRequest(body([{ op: 'add', path, value: { department: 'x' } }]))[0]?.path).toBe(path);
  });

  it.each<[string, unknown, ScimType, string]>([
    ['a body that is not an object', [], 'invalidSyntax', 'must be a JSON object'],
    ['a body without the PatchOp schema', { schemas: ['urn:x'], Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'invalidSyntax', PATCH_OP_SCHEMA],
    ['a body without schemas', { Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'invalidSyntax', PATCH_OP_SCHEMA],
    ['a body without Operations', { schemas: [PATCH_OP_SCHEMA] }, 'invalidSyntax', 'non-empty "Operations"'],
    ['an empty Operations array', body([]), 'invalidSyntax', 'non-empty "Operations"'],
    ['Operations that is not an array', body({ op: 'add' }), 'invalidSyntax', 'non-empty "Operations"'],
    ['an operation that is not an object', body(['add']), 'invalidSyntax', 'Operations[0]: each operation'],
    ['an unknown op', body([{ op: 'copy', path: 'title', value: 'x' }]), 'invalidSyntax', 'Operations[0]: "op" must be'],
    ['a missing op', body([{ path: 'title', value: 'x' }]), 'invalidSyntax', 'Operations[0]: "op" must be'],
    ['a path that is not a string', body([{ op: 'add', path: 7, value: 'x' }]), 'invalidPath', 'Operations[0] (add): "path" must be'],
    ['an empty path', body([{ op: 'add', path: '  ', value: 'x' }]), 'invalidPath', '"path" must be a non-empty string'],
    ['a malformed path', body([{ op: 'replace', path: 'emails[type eq "work"', value: 'x' }]), 'invalidPath', 'Operations[0] (replace emails[type eq "work"):'],
    ['a remove without path', body([{ op: 'Remove', value: { title: 'x' } }]), 'noTarget', 'Operations[0] (remove): "remove" requires a "path"'],
    ['an add without value', body([{ op: 'Add', path: 'title' }]), 'invalidValue', 'Operations[0] (add title): "add" requires a "value"'],
    ['a path-less replace whose value is not an object', body([{ op: 'replace', value: 'x' }]), 'invalidValue', 'must be an object of attributes'],
  ])('rejects %s', (_, input, scimType, detail) => {
    const error = scimErrorOf(() => parsePatchRequest(input));
    expect(error).toMatchObject({ scimType, status: 400 });
    expect(error.detail).toContain(detail);
  });

  it('names the failing operation by its position', () => {
    const error = scimErrorOf(() =>
      parsePatchRequest(
        body([
          { op: 'add', path: 'title', value: 'x' },
          { op: 'add', path: 'nickName', value: 'y' },
          { op: 'replace', path: 'emails[type eq "work"].value' },
        ]),
      ),
    );
    expect(error.detail).toMatch(/^Operations\[2\] \(replace emails\[type eq "work"\]\.value\): /);
  });

  it(`caps a request at ${MAX_PATCH_OPERATIONS} operations`, () => {
    const operation = { op: 'add', path: 'title', value: 'x' };
    expect(parsePatchRequest(body(Array.from({ length: MAX_PATCH_OPERATIONS }, () => operation)))).toHaveLength(MAX_PATCH_OPERATIONS);
    const error = scimErrorOf(() => parsePatchRequest(body(Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, () => operation))));
    expect(error).toMatchObject({ scimType: 'invalidValue', status: 400 });
    expect(error.detail).toContain(`at most ${MAX_PATCH_OPERATIONS}`);
  });
});
