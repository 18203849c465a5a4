/**
 * Turns one DynamoDB stream record into the public events it stands for (zero, one or two).
 *
 * | item       | INSERT            | MODIFY                                                    | REMOVE                |
 * |------------|-------------------|-----------------------------------------------------------|-----------------------|
 * | user       | user.created      | user.updated if attributes other than `active` changed;  | user.deleted          |
 * |            |                   | user.deactivated / user.reactivated if `active` flipped   |                       |
 * | group      | group.created     | group.updated if attributes changed                       | group.deleted         |
 * | membership | group.member_added| (never modified)                                          | group.member_removed  |
 * | directory  | directory.created | directory.updated if name/organization/provider changed;  | directory.deleted     |
 * |            |                   | directory.disabled / directory.enabled if status flipped  |                       |
 *
 * A MODIFY that only moves `memberOf`, or only bumps a group's version because its member list
 * changed, raises nothing here: the membership item's own record raises member_added/removed.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod';
import { directoryIdOfPartition } from '../adapters/dynamodb/keys.ts';
import { ENTITY, TABLE_DEFINITION } from '../adapters/dynamodb/table-definition.ts';
import { projectResource } from '../core/projection.ts';
import { directoryEventSchema, SCHEMA_VERSION, type Directory, type DirectoryEvent, type EventType } from '../events/detail.ts';
import { renderResource } from '../service/render.ts';
import type { ResourceType, StoredResource } from '../service/repository.ts';
import { diffAttributes, withoutAttributes } from './changes.ts';
import type { OrganizationLookup } from './organization-lookup.ts';
import {
  directoryItemSchema,
  itemOfImage,
  groupItemSchema,
  membershipItemSchema,
  parseImage,
  StreamRecordError,
  userItemSchema,
  type DirectoryImage,
  type ResourceImage,
} from './stream-image.ts';

/** What mapping needs besides the record. */
export interface MapContext {
  /** Tenant URL base (`https://…/scim/v2`); a directory's Tenant URL is this plus `/<directoryId>`. */
  scimBaseUrl: string;
  organizations: OrganizationLookup;
}

const recordSchema = z.object({
  eventID: z.string().min(1),
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({ ApproximateCreationDateTime: z.number().optional(), SequenceNumber: z.string().regex(/^\d+$/).optional() }).loose(),
});

type EventName = 'INSERT' | 'MODIFY' | 'REMOVE';
/** An event under construction: everything but the fields every event shares. */
type Draft = { type: EventType } & Record<string, unknown>;

/** Directory fields whose change is a directory.updated (status has events of its own). */
const DIRECTORY_DESCRIPTIVE_FIELDS = ['name', 'organizationId', 'provider'] as const;

function isActive(attributes: Record<string, unknown>): boolean {
  // Absent means active, as the directory service counts it.
  return attributes.active !== false;
}

/** An ISO timestamp, or undefined when `value` is not a date. */
function isoOf(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * When a change happened. Writes carry their own millisecond timestamp on the item; a delete
 * leaves only the stream's approximate time, rounded down to the second, so it is lifted to the
 * item's last timestamp to never precede the change it undoes.
 */
function occurredAt(eventName: EventName, itemTime: string, recordSeconds: number | undefined): string {
  const item = isoOf(itemTime);
  const record = recordSeconds === undefined ? undefined : isoOf(recordSeconds * 1000);
  if (eventName !== 'REMOVE') {
    const chosen = item ?? record;
    if (chosen === undefined) throw new StreamRecordError('stream record carries no usable time');
    return chosen;
  }
  if (item === undefined || record === undefined) {
    const chosen = record ?? item;
    if (chosen === undefined) throw new StreamRecordError('stream record carries no usable time');
    return chosen;
  }
  return record > item ? record : item;
}

function toStoredResource(image: ResourceImage): StoredResource {
  return {
    id: image.id,
    version: image.version,
    created: image.created,
    lastModified: image.lastModified,
    attributes: image.attributes,
    memberOf: image.memberOf === undefined ? [] : [...image.memberOf].sort(),
  };
}

/** The resource as GET would return it: rendered, then `returned: never` attributes removed (RFC 7643 §7). */
function representation(type: ResourceType, image: ResourceImage, scimBaseUrl: string): Record<string, unknown> {
  const tenantUrl = `${scimBaseUrl}/${image.directoryId}`;
  return projectResource(type, renderResource(type, toStoredResource(image), tenantUrl));
}

function directoryOf(image: DirectoryImage): Directory {
  return {
    id: image.directoryId,
    name: image.name,
    organizationId: image.organizationId ?? null,
    provider: image.provider,
    status: image.status,
    created: image.created,
    lastModified: image.lastModified,
  };
}

/** The directory a key belongs to; every event is checked against it. */
function partitionDirectory(image: { pk: string; directoryId: string }): string {
  const directoryId = directoryIdOfPartition(image.pk);
  if (directoryId === undefined || directoryId !== image.directoryId) {
    throw new StreamRecordError('stream image names a directory other than its partition');
  }
  return directoryId;
}

function resourceDrafts(
  type: ResourceType,
  eventName: EventName,
  oldImage: ResourceImage | undefined,
  newImage: ResourceImage | undefined,
  scimBaseUrl: string,
): { drafts: Draft[]; image: ResourceImage; itemTime: string } {
  const key = type === 'User' ? 'user' : 'group';
  const prefix = type === 'User' ? 'user' : 'group';
  if (eventName === 'INSERT' && newImage !== undefined) {
    return {
      drafts: [{ type: `${prefix}.created`, [key]: representation(type, newImage, scimBaseUrl), version: newImage.version }],
      image: newImage,
      itemTime: newImage.lastModified,
    };
  }
  if (eventName === 'REMOVE' && oldImage !== undefined) {
    return {
      drafts: [{ type: `${prefix}.deleted`, [key]: representation(type, oldImage, scimBaseUrl), version: oldImage.version }],
      image: oldImage,
      itemTime: oldImage.lastModified,
    };
  }
  if (eventName !== 'MODIFY' || oldImage === undefined || newImage === undefined) {
    throw new StreamRecordError(`${eventName} record of a ${key} lacks an image (the stream must carry NEW_AND_OLD_IMAGES)`);
  }
  const drafts: Draft[] = [];
  const resource = representation(type, newImage, scimBaseUrl);
  const diff = diffAttributes(oldImage.attributes, newImage.attributes);
  // RFC 7643 §4.1.1 `active`: its flips are events of their own; user.updated covers the rest.
  const flipped = type === 'User' && isActive(oldImage.attributes) !== isActive(newImage.attributes);
  const changes = type === 'User' ? withoutAttributes(diff, ['active']) : diff;
  if (changes.changedAttributes.length > 0) {
    drafts.push({ type: `${prefix}.updated`, [key]: resource, version: newImage.version, ...changes });
  }
  if (flipped) {
    drafts.push({ type: isActive(newImage.attributes) ? 'user.reactivated' : 'user.deactivated', user: resource, version: newImage.version });
  }
  return { drafts, image: newImage, itemTime: newImage.lastModified };
}

function directoryDrafts(eventName: EventName, oldImage: DirectoryImage | undefined, newImage: DirectoryImage | undefined): { drafts: Draft[]; image: DirectoryImage; itemTime: string } {
  if (eventName === 'INSERT' && newImage !== undefined) {
    return { drafts: [{ type: 'directory.created', directory: directoryOf(newImage), version: newImage.version }], image: newImage, itemTime: newImage.lastModified };
  }
  if (eventName === 'REMOVE' && oldImage !== undefined) {
    return { drafts: [{ type: 'directory.deleted', directory: directoryOf(oldImage), version: oldImage.version }], image: oldImage, itemTime: oldImage.lastModified };
  }
  if (eventName !== 'MODIFY' || oldImage === undefined || newImage === undefined) {
    throw new StreamRecordError(`${eventName} record of a directory lacks an image (the stream must carry NEW_AND_OLD_IMAGES)`);
  }
  const pick = (image: DirectoryImage) => Object.fromEntries(DIRECTORY_DESCRIPTIVE_FIELDS.map((field) => [field, image[field]]));
  const changes = diffAttributes(pick(oldImage), pick(newImage));
  const directory = directoryOf(newImage);
  const drafts: Draft[] = [];
  if (changes.changedAttributes.length > 0) drafts.push({ type: 'directory.updated', directory, version: newImage.version, ...changes });
  if (oldImage.status !== newImage.status) {
    drafts.push({ type: newImage.status === 'disabled' ? 'directory.disabled' : 'directory.enabled', directory, version: newImage.version });
  }
  return { drafts, image: newImage, itemTime: newImage.lastModified };
}

/**
 * The events of one stream record, in the order they should be published. Records of items
 * that raise no events (claims, counters, markers) yield none. Throws `StreamRecordError` for a
 * record that cannot be understood; such a record must fail, not be skipped.
 */
export async function mapStreamRecord(record: DynamoDBRecord, context: MapContext): Promise<DirectoryEvent[]> {
  const parsed = recordSchema.safeParse(record);
  if (!parsed.success) throw new StreamRecordError('stream record lacks eventID, eventName or dynamodb');
  const { eventID, eventName } = parsed.data;
  const recordSeconds = parsed.data.dynamodb.ApproximateCreationDateTime;
  const rawOld = record.dynamodb?.OldImage === undefined ? undefined : itemOfImage(record.dynamodb.OldImage);
  const rawNew = record.dynamodb?.NewImage === undefined ? undefined : itemOfImage(record.dynamodb.NewImage);
  const entity = (rawNew ?? rawOld)?.[TABLE_DEFINITION.entityAttribute];

  let result: { drafts: Draft[]; directoryId: string; itemTime: string; organizationId?: string | null };
  switch (entity) {
    case ENTITY.user:
    case ENTITY.group: {
      const type: ResourceType = entity === ENTITY.user ? 'User' : 'Group';
      const schema = entity === ENTITY.user ? userItemSchema : groupItemSchema;
      const oldImage = rawOld === undefined ? undefined : parseImage<ResourceImage>(schema, rawOld, entity);
      const newImage = rawNew === undefined ? undefined : parseImage<ResourceImage>(schema, rawNew, entity);
      const { drafts, image, itemTime } = resourceDrafts(type, eventName, oldImage, newImage, context.scimBaseUrl);
      if (oldImage !== undefined && newImage !== undefined && oldImage.id !== newImage.id) throw new StreamRecordError('stream images disagree on the resource id');
      result = { drafts, directoryId: partitionDirectory(image), itemTime };
      break;
    }
    case ENTITY.membership: {
      const image = parseImage(membershipItemSchema, (eventName === 'REMOVE' ? rawOld : rawNew) ?? {}, entity);
      if (eventName === 'MODIFY') return [];
      const sequence = parsed.data.dynamodb.SequenceNumber;
      // A removal's time is only known to the second, so order comes from the stream itself.
      if (sequence === undefined) throw new StreamRecordError('membership record lacks its sequence number');
      result = {
        drafts: [
          {
            type: eventName === 'INSERT' ? 'group.member_added' : 'group.member_removed',
            groupId: image.groupId,
            member: { id: image.memberId, type: image.memberType },
            sequence,
          },
        ],
        directoryId: partitionDirectory(image),
        itemTime: image.created,
      };
      break;
    }
    case ENTITY.directory: {
      const oldImage = rawOld === undefined ? undefined : parseImage(directoryItemSchema, rawOld, entity);
      const newImage = rawNew === undefined ? undefined : parseImage(directoryItemSchema, rawNew, entity);
      const { drafts, image, itemTime } = directoryDrafts(eventName, oldImage, newImage);
      const directoryId = partitionDirectory(image);
      // The record itself says which organization the directory belongs to now.
      const organizationId = image.organizationId ?? null;
      context.organizations.remember(directoryId, organizationId);
      result = { drafts, directoryId, itemTime, organizationId };
      break;
    }
    default:
      return [];
  }
  if (result.drafts.length === 0) return [];

  const organizationId = result.organizationId !== undefined ? result.organizationId : await context.organizations.organizationIdOf(result.directoryId);
  const time = occurredAt(eventName, result.itemTime, recordSeconds);
  const several = result.drafts.length > 1;
  return result.drafts.map(({ type, ...body }) => {
    const event = {
      // Derived from the stream record, so a redelivered record yields the same ids.
      id: several ? `${eventID}:${type}` : eventID,
      type,
      schemaVersion: SCHEMA_VERSION,
      occurredAt: time,
      directoryId: result.directoryId,
      organizationId,
      ...body,
    };
    const checked = directoryEventSchema.safeParse(event);
    if (!checked.success) {
      const fields = [...new Set(checked.error.issues.map((issue) => issue.path.join('.')))].join(', ');
      throw new StreamRecordError(`${type} event would not match its published schema (fields: ${fields})`);
    }
    return checked.data;
  });
}
