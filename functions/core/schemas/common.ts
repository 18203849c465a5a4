/**
 * The common attributes every resource carries (RFC 7643 §3.1): `id`, `externalId` and `meta`.
 * They belong to no schema, so /Schemas does not list them, but filters, projection and input
 * validation all need their characteristics.
 */
import type { AttributeDefinition } from './attribute.ts';
import { complex, deepFreeze, simple } from './define.ts';

/** `id`: assigned by this service, compared exactly, always returned (RFC 7643 §3.1). */
export const ID_ATTRIBUTE: AttributeDefinition = simple(
  'id',
  'string',
  'A unique identifier for the resource, assigned by the service provider.',
  { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' },
);

/**
 * `externalId`: the client's own identifier, compared exactly (RFC 7643 §3.1). RFC 7643 sets
 * no uniqueness for it; this service keeps it unique per resource type within a directory,
 * because Entra ID looks resources up by it before creating them.
 */
export const EXTERNAL_ID_ATTRIBUTE: AttributeDefinition = simple(
  'externalId',
  'string',
  'An identifier for the resource as defined by the provisioning client.',
  { caseExact: true, uniqueness: 'server' },
);

/** `meta`: resource metadata maintained by this service (RFC 7643 §3.1). */
export const META_ATTRIBUTE: AttributeDefinition = complex(
  'meta',
  'Resource metadata maintained by the service provider.',
  [
    simple('resourceType', 'string', 'The name of the resource type of the resource.', { caseExact: true, mutability: 'readOnly' }),
    simple('created', 'dateTime', 'When the resource was added to the service provider.', { mutability: 'readOnly' }),
    simple('lastModified', 'dateTime', 'When the resource was last changed.', { mutability: 'readOnly' }),
    simple('location', 'reference', 'The URI of the resource.', { caseExact: true, mutability: 'readOnly', referenceTypes: ['uri'] }),
    simple('version', 'string', 'The version (entity tag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
  ],
  { mutability: 'readOnly' },
);

/** The common attributes in the order they appear in a resource. */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = deepFreeze([ID_ATTRIBUTE, EXTERNAL_ID_ATTRIBUTE, META_ATTRIBUTE]);
