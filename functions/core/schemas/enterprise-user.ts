/** The Enterprise User extension, as RFC 7643 §4.3 defines it and §8.7.1 represents it. */
import type { SchemaDefinition } from './attribute.ts';
import { complex, simple } from './define.ts';
import { ENTERPRISE_USER_SCHEMA } from './urns.ts';

/** The Enterprise User extension (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`). */
export const ENTERPRISE_USER_SCHEMA_DEFINITION: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    simple('employeeNumber', 'string', 'A string identifier, typically numeric or alphanumeric, assigned to a person by the organization.'),
    simple('costCenter', 'string', 'Identifies the name of a cost center.'),
    simple('organization', 'string', 'Identifies the name of an organization.'),
    simple('division', 'string', 'Identifies the name of a division.'),
    simple('department', 'string', 'Identifies the name of a department.'),
    complex("manager", "The User's manager.", [
      simple('value', 'string', "The id of the SCIM resource representing the User's manager."),
      simple('$ref', 'reference', "The URI of the SCIM resource representing the User's manager.", { referenceTypes: ['User'] }),
      simple('displayName', 'string', "The displayName of the User's manager, filled in by the service provider.", { mutability: 'readOnly' }),
    ]),
  ],
};
