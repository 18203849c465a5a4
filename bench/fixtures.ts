/**
 * Request bodies shaped like Microsoft Entra ID's.
 *
 * Tags have a fixed width, so every seeded user item has the same size and a page of 100 users
 * costs the same capacity wherever it starts: a difference between two pages is then the
 * service's doing, not the data's.
 */
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../functions/core/schemas/urns.ts';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** A user as Entra ID's default attribute mappings send it on create. */
export function entraUser(tag: string): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
    externalId: `ext-${tag}`,
    userName: `${tag}@contoso.example`,
    active: true,
    displayName: `Bench User ${tag}`,
    title: 'Software Engineer',
    emails: [{ primary: true, type: 'work', value: `${tag}@contoso.example` }],
    name: { formatted: `Bench User ${tag}`, familyName: `User ${tag}`, givenName: 'Bench' },
    addresses: [{ type: 'work', formatted: '1 Main Street', locality: 'Redmond', country: 'US', primary: false }],
    phoneNumbers: [{ type: 'work', value: '+1 425 555 0100' }],
    [ENTERPRISE_USER_SCHEMA]: { department: 'Engineering', employeeNumber: tag },
  };
}

/** A group as Entra ID creates it: no members in the POST, they follow as PATCHes. */
export function entraGroup(tag: string): Record<string, unknown> {
  return { schemas: [GROUP_SCHEMA], externalId: `gext-${tag}`, displayName: `Bench Group ${tag}` };
}

/** A fixed-width tag for the n-th seeded resource of a kind. */
export const seedTag = (kind: string, n: number) => `${kind}${String(n).padStart(6, '0')}`;

/** An Entra ID style PATCH body. */
export function patchBody(operations: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  return { schemas: [PATCH_OP_SCHEMA], Operations: operations };
}
