/**
 * The public events of scim-directory-sync: one zod schema per event type, describing the
 * `detail` of the EventBridge event whose `detail-type` is that type.
 *
 * This module is the contract with the host application. It imports nothing but zod, so a
 * consumer can depend on it without pulling in the service. The JSON Schema files in
 * docs/events are generated from these schemas; a change that would break a consumer fails the
 * contract test unless `SCHEMA_VERSION` is raised.
 *
 * Every object is open (unknown keys are kept, not rejected): a consumer that parses with an
 * older version of these schemas keeps working when a field is added.
 */
import * as z from 'zod';

/** Version of the event shapes. Raised only for a change that would break a consumer. */
export const SCHEMA_VERSION = 2;

/** Every event type, which is also the EventBridge `detail-type`. */
export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.member_added',
  'group.member_removed',
  'directory.created',
  'directory.updated',
  'directory.disabled',
  'directory.enabled',
  'directory.deleted',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const timestamp = z.iso.datetime({ offset: true });

/** `meta` of a SCIM resource (RFC 7643 §3.1). */
const scimMeta = z
  .looseObject({
    resourceType: z.enum(['User', 'Group']),
    created: timestamp,
    lastModified: timestamp,
    location: z.string().meta({ description: 'URL of the resource on the directory\'s SCIM endpoint' }),
    version: z.string().meta({ description: 'Weak ETag, W/"<version>"' }),
  })
  .meta({ description: 'RFC 7643 §3.1 meta' });

const groupReference = z.looseObject({
  value: z.string().meta({ description: 'Group id' }),
  $ref: z.string().optional(),
  type: z.string().optional(),
});

/**
 * A User as the SCIM API returns it (RFC 7643 §4.1). Only the attributes the service always
 * guarantees are typed; every other attribute (name, emails, the enterprise extension under its
 * URN, …) is passed through as the identity provider sent it.
 */
export const scimUserSchema = z
  .looseObject({
    schemas: z.array(z.string()),
    id: z.string(),
    externalId: z.string().optional(),
    userName: z.string(),
    displayName: z.string().optional(),
    active: z.boolean().optional().meta({ description: 'Absent means active' }),
    groups: z.array(groupReference).optional().meta({ description: 'Direct group memberships' }),
    meta: scimMeta,
  })
  .meta({ title: 'ScimUser', description: 'RFC 7643 §4.1 User, as GET /Users/{id} returns it' });

/** A Group as the SCIM API returns it (RFC 7643 §4.2), never with `members`. */
export const scimGroupSchema = z
  .looseObject({
    schemas: z.array(z.string()),
    id: z.string(),
    externalId: z.string().optional(),
    displayName: z.string(),
    meta: scimMeta,
  })
  .meta({ title: 'ScimGroup', description: 'RFC 7643 §4.2 Group without members (membership changes have their own events)' });

/** A directory: one identity provider connection of one organization of the host app. */
export const directorySchema = z
  .looseObject({
    id: z.string(),
    name: z.string(),
    organizationId: z.string().nullable(),
    provider: z.enum(['entra', 'okta', 'onelogin', 'jumpcloud', 'generic']),
    status: z.enum(['active', 'disabled']),
    created: timestamp,
    lastModified: timestamp,
  })
  .meta({ title: 'Directory' });

function envelope<T extends EventType>(type: T) {
  return {
    id: z.string().meta({ description: 'Stable id: the same on every delivery of this change; de-duplicate on it' }),
    type: z.literal(type),
    schemaVersion: z.literal(SCHEMA_VERSION),
    occurredAt: timestamp.meta({ description: 'When the change was written' }),
    directoryId: z.string(),
    organizationId: z.string().nullable().meta({ description: 'The host app organization the directory belongs to; null if none is set' }),
  };
}

const version = z.number().int().positive().meta({ description: 'Version of the resource after the change; drop an event older than one already handled' });
const truncated = z
  .literal(true)
  .optional()
  .meta({ description: 'Present when the event was too large for EventBridge: the resource carries only its identifiers and `previous` is empty' });
const changedAttributes = z.array(z.string()).meta({
  description: 'Names of the attributes that changed: top-level attribute names, and `<extension URN>:<attribute>` inside schema extensions',
});
const previous = z
  .record(z.string(), z.unknown())
  .meta({ description: 'Value of each changed attribute before the change, by name; a name that is missing was not set' });

function userEvent<T extends EventType>(type: T, description: string) {
  return z.looseObject({ ...envelope(type), user: scimUserSchema, version, truncated }).meta({ title: type, description });
}

function groupEvent<T extends EventType>(type: T, description: string) {
  return z.looseObject({ ...envelope(type), group: scimGroupSchema, version, truncated }).meta({ title: type, description });
}

function membershipEvent<T extends EventType>(type: T, description: string) {
  return z
    .looseObject({
      ...envelope(type),
      groupId: z.string(),
      member: z.looseObject({ id: z.string(), type: z.enum(['User', 'Group']) }),
      sequence: z.string().regex(/^\d+$/).meta({
        description:
          'Order of membership changes (memberships have no version): of two events for the same group and member, the one with the larger sequence, compared as an integer of any length, is the later',
      }),
    })
    .meta({ title: type, description });
}

function directoryEvent<T extends EventType>(type: T, description: string) {
  return z.looseObject({ ...envelope(type), directory: directorySchema, version }).meta({ title: type, description });
}

export const userCreatedSchema = userEvent('user.created', 'A user was provisioned.');
export const userUpdatedSchema = z
  .looseObject({ ...envelope('user.updated'), user: scimUserSchema, version, changedAttributes, previous, truncated })
  .meta({ title: 'user.updated', description: 'Attributes of a user other than `active` changed.' });
export const userDeactivatedSchema = userEvent('user.deactivated', '`active` became false: the user must no longer sign in. It stays readable until deleted.');
export const userReactivatedSchema = userEvent('user.reactivated', '`active` became true again.');
export const userDeletedSchema = userEvent('user.deleted', 'A user was deleted; `user` is its last state.');
export const groupCreatedSchema = groupEvent('group.created', 'A group was created (its initial members each raise group.member_added).');
export const groupUpdatedSchema = z
  .looseObject({ ...envelope('group.updated'), group: scimGroupSchema, version, changedAttributes, previous, truncated })
  .meta({ title: 'group.updated', description: 'Attributes of a group changed (membership changes have their own events).' });
export const groupDeletedSchema = groupEvent('group.deleted', 'A group was deleted; `group` is its last state.');
export const groupMemberAddedSchema = membershipEvent('group.member_added', 'A user or group became a direct member of a group.');
export const groupMemberRemovedSchema = membershipEvent('group.member_removed', 'A user or group stopped being a direct member of a group.');
export const directoryCreatedSchema = directoryEvent('directory.created', 'A directory was created.');
export const directoryUpdatedSchema = z
  .looseObject({ ...envelope('directory.updated'), directory: directorySchema, version, changedAttributes, previous })
  .meta({ title: 'directory.updated', description: 'The name, organization or provider of a directory changed.' });
export const directoryDisabledSchema = directoryEvent('directory.disabled', 'A directory was disabled: its tokens are refused until it is enabled.');
export const directoryEnabledSchema = directoryEvent('directory.enabled', 'A disabled directory was enabled again.');
export const directoryDeletedSchema = directoryEvent('directory.deleted', 'A directory and all its data were deleted.');

/** The schema of each event type's detail. */
export const EVENT_SCHEMAS = {
  'user.created': userCreatedSchema,
  'user.updated': userUpdatedSchema,
  'user.deactivated': userDeactivatedSchema,
  'user.reactivated': userReactivatedSchema,
  'user.deleted': userDeletedSchema,
  'group.created': groupCreatedSchema,
  'group.updated': groupUpdatedSchema,
  'group.deleted': groupDeletedSchema,
  'group.member_added': groupMemberAddedSchema,
  'group.member_removed': groupMemberRemovedSchema,
  'directory.created': directoryCreatedSchema,
  'directory.updated': directoryUpdatedSchema,
  'directory.disabled': directoryDisabledSchema,
  'directory.enabled': directoryEnabledSchema,
  'directory.deleted': directoryDeletedSchema,
} as const satisfies Record<EventType, z.ZodType>;

/** Any event detail, told apart by `type`. */
export const directoryEventSchema = z.discriminatedUnion('type', [
  userCreatedSchema,
  userUpdatedSchema,
  userDeactivatedSchema,
  userReactivatedSchema,
  userDeletedSchema,
  groupCreatedSchema,
  groupUpdatedSchema,
  groupDeletedSchema,
  groupMemberAddedSchema,
  groupMemberRemovedSchema,
  directoryCreatedSchema,
  directoryUpdatedSchema,
  directoryDisabledSchema,
  directoryEnabledSchema,
  directoryDeletedSchema,
]);

export type ScimUser = z.infer<typeof scimUserSchema>;
export type ScimGroup = z.infer<typeof scimGroupSchema>;
export type Directory = z.infer<typeof directorySchema>;
/** The detail of any event. Narrow it with `switch (event.type)`. */
export type DirectoryEvent = z.infer<typeof directoryEventSchema>;
/** The detail of one event type. */
export type EventOfType<T extends EventType> = Extract<DirectoryEvent, { type: T }>;

export type UserCreatedEvent = EventOfType<'user.created'>;
export type UserUpdatedEvent = EventOfType<'user.updated'>;
export type UserDeactivatedEvent = EventOfType<'user.deactivated'>;
export type UserReactivatedEvent = EventOfType<'user.reactivated'>;
export type UserDeletedEvent = EventOfType<'user.deleted'>;
export type GroupCreatedEvent = EventOfType<'group.created'>;
export type GroupUpdatedEvent = EventOfType<'group.updated'>;
export type GroupDeletedEvent = EventOfType<'group.deleted'>;
export type GroupMemberAddedEvent = EventOfType<'group.member_added'>;
export type GroupMemberRemovedEvent = EventOfType<'group.member_removed'>;
export type DirectoryCreatedEvent = EventOfType<'directory.created'>;
export type DirectoryUpdatedEvent = EventOfType<'directory.updated'>;
export type DirectoryDisabledEvent = EventOfType<'directory.disabled'>;
export type DirectoryEnabledEvent = EventOfType<'directory.enabled'>;
export type DirectoryDeletedEvent = EventOfType<'directory.deleted'>;
