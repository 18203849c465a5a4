/**
 * Schema URNs this service knows (RFC 7643 §8.2). Kept apart from the definitions so that every
 * schema module can name the others without import cycles.
 */

/** Core User schema (RFC 7643 §4.1). */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** Core Group schema (RFC 7643 §4.2). */
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** Enterprise User extension (RFC 7643 §4.3). */
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Schema of the /ServiceProviderConfig document (RFC 7643 §5). */
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

/** Schema of the /ResourceTypes documents (RFC 7643 §6). */
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';

/** Schema of the /Schemas documents (RFC 7643 §7). */
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** URNs of the resource schemas (core and extension) this service stores. */
export type ResourceSchemaUrn = typeof USER_SCHEMA | typeof GROUP_SCHEMA | typeof ENTERPRISE_USER_SCHEMA;
