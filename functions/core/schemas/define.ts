/**
 * Small builders for attribute definitions. Every characteristic that RFC 7643 §2.2 gives a
 * default for starts at that default, so each schema module states only what differs from it.
 */
import type { AttributeDefinition, AttributeType } from './attribute.ts';

type Overrides = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description' | 'subAttributes'>>;

/**
 * A simple (non-complex) attribute with the RFC 7643 §2.2 defaults: optional, single-valued,
 * case-insensitive, readWrite, returned by default, no uniqueness.
 */
export function simple(name: string, type: Exclude<AttributeType, 'complex'>, description: string, overrides: Overrides = {}): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...overrides,
  };
}

/** A complex attribute (RFC 7643 §2.3.8) with the same defaults and the given sub-attributes. */
export function complex(name: string, description: string, subAttributes: AttributeDefinition[], overrides: Overrides = {}): AttributeDefinition {
  return { ...simple(name, 'string', description, overrides), type: 'complex', subAttributes };
}

/**
 * The sub-attributes RFC 7643 §2.4 gives every multi-valued attribute (`value`, `display`,
 * `type`, `primary`), as the User schema of RFC 7643 §8.7.1 spells them out for emails,
 * phoneNumbers, ims, photos, entitlements, roles and x509Certificates.
 */
export function multiValuedParts(
  what: string,
  options: { valueType?: 'string' | 'reference' | 'binary'; referenceTypes?: string[]; canonicalTypes?: string[] } = {},
): AttributeDefinition[] {
  const value = simple('value', options.valueType ?? 'string', `The ${what}.`);
  if (options.referenceTypes !== undefined) value.referenceTypes = options.referenceTypes;
  const type = simple('type', 'string', "A label indicating the attribute's function.");
  if (options.canonicalTypes !== undefined) type.canonicalValues = options.canonicalTypes;
  return [
    value,
    simple('display', 'string', 'A human-readable name, primarily used for display purposes.'),
    type,
    simple('primary', 'boolean', "True for the preferred value of this attribute; at most one value may be primary."),
  ];
}

/** Freezes a definition tree, so that no caller can change a schema for everyone else. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
