/**
 * The core User schema, attribute for attribute as RFC 7643 §4.1 defines it and §8.7.1
 * represents it.
 */
import type { SchemaDefinition } from './attribute.ts';
import { complex, multiValuedParts, simple } from './define.ts';
import { USER_SCHEMA } from './urns.ts';

const nameParts = [
  simple('formatted', 'string', 'The full name, formatted for display.'),
  simple('familyName', 'string', 'The family name (last name in most Western languages).'),
  simple('givenName', 'string', 'The given name (first name in most Western languages).'),
  simple('middleName', 'string', 'The middle name(s).'),
  simple('honorificPrefix', 'string', "The honorific prefix(es), e.g. 'Ms.'."),
  simple('honorificSuffix', 'string', "The honorific suffix(es), e.g. 'III'."),
];

/*
 * RFC 7643 §8.7.1 lists no `primary` for addresses, but §2.4 gives it to every multi-valued
 * complex attribute and §4.1.2 describes a primary address, and clients send it: accept it.
 */
const addressParts = [
  simple('formatted', 'string', 'The full mailing address, formatted for display; may contain newlines.'),
  simple('streetAddress', 'string', 'The full street address component; may contain newlines.'),
  simple('locality', 'string', 'The city or locality component.'),
  simple('region', 'string', 'The state or region component.'),
  simple('postalCode', 'string', 'The zip code or postal code component.'),
  simple('country', 'string', 'The country name component (ISO 3166-1 alpha-2).'),
  { ...simple('type', 'string', "A label indicating the address's function."), canonicalValues: ['work', 'home', 'other'] },
  simple('primary', 'boolean', 'True for the preferred mailing address.'),
];

/** `groups` is computed from group memberships, so the whole attribute is readOnly (RFC 7643 §4.1.2). */
const groupParts = [
  simple('value', 'string', "The identifier of the User's group.", { mutability: 'readOnly' }),
  simple('$ref', 'reference', "The URI of the corresponding 'Group' resource.", { mutability: 'readOnly', referenceTypes: ['User', 'Group'] }),
  simple('display', 'string', 'A human-readable name, primarily used for display purposes.', { mutability: 'readOnly' }),
  { ...simple('type', 'string', 'Direct or indirect membership.', { mutability: 'readOnly' }), canonicalValues: ['direct', 'indirect'] },
];

/** The core User schema (`urn:ietf:params:scim:schemas:core:2.0:User`). */
export const USER_SCHEMA_DEFINITION: SchemaDefinition = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    simple('userName', 'string', 'Unique identifier for the User, typically used to authenticate. REQUIRED.', { required: true, uniqueness: 'server' }),
    complex('name', "The components of the user's real name.", nameParts),
    simple('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
    simple('nickName', 'string', 'The casual way to address the user in real life.'),
    simple('profileUrl', 'reference', "A fully qualified URL of the User's online profile.", { referenceTypes: ['external'] }),
    simple('title', 'string', "The user's title, such as 'Vice President'."),
    simple('userType', 'string', 'The relationship between the organization and the user, e.g. Employee or Contractor.'),
    simple('preferredLanguage', 'string', "The User's preferred written or spoken language, e.g. 'en-US'."),
    simple('locale', 'string', "The User's default location for localizing currency, dates and numbers."),
    simple('timezone', 'string', "The User's time zone in IANA format, e.g. 'America/Los_Angeles'."),
    simple('active', 'boolean', "The User's administrative status."),
    simple('password', 'string', "The User's cleartext password. Accepted and discarded: this service never stores nor returns it.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    complex('emails', "Email addresses for the User.", multiValuedParts('email address', { canonicalTypes: ['work', 'home', 'other'] }), { multiValued: true }),
    complex(
      'phoneNumbers',
      'Phone numbers for the User.',
      multiValuedParts('phone number', { canonicalTypes: ['work', 'home', 'mobile', 'fax', 'pager', 'other'] }),
      { multiValued: true },
    ),
    complex(
      'ims',
      'Instant messaging addresses for the User.',
      multiValuedParts('instant messaging address', { canonicalTypes: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'] }),
      { multiValued: true },
    ),
    complex(
      'photos',
      'URLs of photos of the User.',
      multiValuedParts('URL of a photo', { valueType: 'reference', referenceTypes: ['external'], canonicalTypes: ['photo', 'thumbnail'] }),
      { multiValued: true },
    ),
    complex('addresses', 'Physical mailing addresses for the User.', addressParts, { multiValued: true }),
    complex('groups', 'The groups the User belongs to, directly or through nested groups.', groupParts, {
      multiValued: true,
      mutability: 'readOnly',
    }),
    complex('entitlements', 'Entitlements of the User: things the User has.', multiValuedParts('entitlement'), { multiValued: true }),
    complex('roles', 'Roles of the User: who the User is, e.g. Student or Faculty.', multiValuedParts('role'), { multiValued: true }),
    complex(
      'x509Certificates',
      'Certificates issued to the User.',
      multiValuedParts('DER-encoded X.509 certificate, in base64', { valueType: 'binary' }),
      { multiValued: true },
    ),
  ],
};
