import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScimError } from '../../functions/core/error.ts';
import { applyPatch, parsePatchRequest, PATCH_OP_SCHEMA, splitMembershipOperations } from '../../functions/core/patch-op.ts';
import { parseResourceInput } from '../../functions/core/resource.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../functions/core/schemas/index.ts';
import * as entra from './patch/entra-requests.ts';

type Json = Record<string, unknown>;

/** What the service does with a PATCH body: parse, take members apart (Groups), apply, validate. */
function patchPipeline(resourceType: 'User' | 'Group', resource: Json, body: unknown) {
  const operations = parsePatchRequest(body);
  const { attributeOperations, membershipSteps } =
    resourceType === 'Group' ? splitMembershipOperations(operations) : { attributeOperations: operations, membershipSteps: [] };
  const patched = applyPatch(resourceType, resource, attributeOperations);
  return { patched, membershipSteps };
}

const user: Json = {
  schemas: [USER_SCHEMA],
  id: 'usr-1',
  meta: { resourceType: 'User', created: '2024-05-01T09:00:00Z', lastModified: '2024-05-01T09:00:00Z' },
  userName: 'rosa@fabrikam.example',
  name: { givenName: 'Rosa', familyName: 'Moreno' },
  active: true,
  emails: [{ value: 'rosa@fabrikam.example', type: 'work', primary: true }],
};

const group: Json = { schemas: [GROUP_SCHEMA], id: 'grp-1', displayName: 'Finance', meta: { resourceType: 'Group' } };

describe('PATCH pipeline', () => {
  it('a string boolean is a boolean once the patched resource is validated for storage', () => {
    const { patched } = patchPipeline('User', user, entra.disableUserWithStringBoolean);
    expect(parseResourceInput('User', patched).attributes['active']).toBe(false);
  });

  it('the path-less Entra ID replace validates as the same resource as the one-path-per-attribute form', () => {
    const withPaths = parseResourceInput('User', patchPipeline('User', user, entra.replaceManyWithPaths).patched).attributes;
    const withoutPath = parseResourceInput('User', patchPipeline('User', user, entra.replaceManyWithoutPath).patched).attributes;
    expect({ ...withoutPath, externalId: 'rmoreno' }).toEqual(withPaths);
    expect(withPaths[ENTERPRISE_USER_SCHEMA]).toEqual({ employeeNumber: 'E-1042' });
  });

  it('a Group PATCH with a new name and members changes the group item and yields membership steps', () => {
    const body = {
      schemas: [PATCH_OP_SCHEMA],
      Operations: [
        { op: 'Replace', path: 'displayName', value: 'Finance Approvers' },
        { op: 'Add', path: 'members', value: [{ $ref: null, value: 'usr-31' }] },
        { op: 'Remove', path: 'members', value: [{ $ref: null, value: 'usr-9' }] },
      ],
    };
    expect(patchPipeline('Group', group, body)).toEqual({
      patched: { ...group, displayName: 'Finance Approvers' },
      membershipSteps: [
        { kind: 'add', members: [{ value: 'usr-31' }] },
        { kind: 'remove', memberIds: ['usr-9'] },
      ],
    });
  });
});

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;

function valueLeaf(): fc.Arbitrary<unknown> {
  return fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom([{ value: 'u1' }], 'True', { value: 'm' }));
}

/** Paths built from real attribute names, filters and junk, so that most runs reach deep code. */
const pathArbitrary = fc.oneof(
  fc.constantFrom(
    'userName', 'USERNAME', 'active', 'displayName', 'title', 'name', 'name.givenName', 'Name.FamilyName', 'emails', 'emails.value',
    'emails[type eq "work"]', 'emails[type eq "work"].value', 'emails[type eq "work"].primary', 'emails[type eq "home" and primary eq true].value',
    'emails[value co "f"]', 'emails[type eq "a" or type eq "b"].value', 'emails[not (type eq "work")]', 'phoneNumbers[type eq "mobile"].value',
    'addresses[type eq "work"].formatted', 'addresses', 'x509Certificates', 'groups', 'id', 'meta', 'meta.created', 'externalId',
    ENTERPRISE, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`, `${ENTERPRISE}:department`, 'manager', 'employeeNumber',
    'members', 'members[value eq "u1"]', 'members[value eq "u1" or value eq "u2"]', 'members[display eq "x"]', 'members.value',
    'urn:example:custom:2.0:User:tag', 'urn:ietf:params:scim:schemas:core:2.0:User:userName', 'name[givenName eq "x"]', 'emails[primary gt true]',
    'unknown', 'emails[type eq "work"', '"', 'a..b', GROUP_SCHEMA, `${GROUP_SCHEMA}:members`, `${GROUP_SCHEMA}:displayName`, USER_SCHEMA,
  ),
  fc.string({ maxLength: 40 }),
);

const keyArbitrary = fc.oneof(pathArbitrary, fc.constantFrom('schemas', 'members', 'id', ENTERPRISE, GROUP_SCHEMA), fc.string({ maxLength: 12 }));

const valueArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('True', 'False', 'true', null, [], ['one'], ['a', 'b'], { value: 'mgr-1' }, [{ $ref: null, value: 'u1' }], [{ value: '' }]),
  fc.array(fc.record({ value: fc.string(), type: fc.constantFrom('work', 'home', 'Mobile'), primary: fc.oneof(fc.boolean(), fc.constant('True')) }, { requiredKeys: [] }), { maxLength: 3 }),
  fc.dictionary(keyArbitrary, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.dictionary(keyArbitrary, fc.dictionary(keyArbitrary, valueLeaf(), { maxKeys: 3 }), { maxKeys: 3 }),
);

const operationArbitrary = fc.record(
  { op: fc.constantFrom('add', 'Add', 'replace', 'Replace', 'REMOVE', 'remove', 'copy'), path: pathArbitrary, value: valueArbitrary },
  { requiredKeys: ['op'] },
);

const resourceArbitrary = fc.oneof(
  fc.constant(user),
  fc.constant({ ...user, [ENTERPRISE]: { manager: { value: 'm' } }, schemas: [USER_SCHEMA, ENTERPRISE] }),
  // Stored data of unexpected shape must not turn a client's request into a 500 either.
  fc.dictionary(fc.constantFrom('schemas', 'userName', 'name', 'emails', 'active', 'Emails', ENTERPRISE, 'title'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
);

function expectOnlyScimErrors(work: () => unknown): void {
  try {
    work();
  } catch (error) {
    if (!isScimError(error)) throw error;
  }
}

describe('PATCH engine properties', () => {
  it('on any operation list either returns a JSON resource or throws a ScimError, never anything else, and never changes its input', () => {
    fc.assert(
      fc.property(fc.constantFrom<'User' | 'Group'>('User', 'Group'), resourceArbitrary, fc.array(operationArbitrary, { minLength: 1, maxLength: 6 }), (resourceType, resource, operations) => {
        const input = resourceType === 'Group' ? { ...resource, schemas: [GROUP_SCHEMA] } : resource;
        const before = structuredClone(input);
        try {
          const { patched } = patchPipeline(resourceType, input, { schemas: [PATCH_OP_SCHEMA], Operations: operations });
          expect(JSON.parse(JSON.stringify(patched))).toEqual(patched);
          // The service validates the result before storing it: that may refuse it, but only as a ScimError.
          expectOnlyScimErrors(() => parseResourceInput(resourceType, patched));
        } catch (error) {
          if (!isScimError(error)) throw error;
          expect(error.status).toBe(400);
          expect(error.detail).toMatch(/^Operations\[\d+\]/);
        }
        expect(input).toEqual(before);
      }),
      { numRuns: 1500 },
    );
  });
});
