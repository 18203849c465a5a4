/** The core Group schema, as RFC 7643 §4.2 defines it and §8.7.1 represents it. */
import type { SchemaDefinition } from './attribute.ts';
import { complex, simple } from './define.ts';
import { GROUP_SCHEMA } from './urns.ts';

/*
 * Members may be added and removed, but each member's sub-attributes are immutable
 * (RFC 7643 §4.2). `display` is not in the §8.7.1 representation, yet RFC 7644's examples and
 * real clients send it, so it is described rather than silently dropped.
 */
const memberParts = [
  simple('value', 'string', "The id of the member resource.", { caseExact: true, mutability: 'immutable' }),
  simple('$ref', 'reference', 'The URI of the member resource.', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
  simple('display', 'string', 'A human-readable name of the member.', { mutability: 'immutable' }),
  { ...simple('type', 'string', 'The type of the member resource.', { mutability: 'immutable' }), canonicalValues: ['User', 'Group'] },
];

/**
 * The core Group schema (`urn:ietf:params:scim:schemas:core:2.0:Group`). RFC 7643 §8.7.1
 * marks `displayName` optional; this service requires it, because the host application needs a
 * name to show, and keeps it unique within a directory.
 */
export const GROUP_SCHEMA_DEFINITION: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    simple('displayName', 'string', 'A human-readable name for the Group, unique within a directory. REQUIRED.', { required: true, uniqueness: 'server' }),
    complex('members', 'A list of members of the Group.', memberParts, { multiValued: true }),
  ],
};
