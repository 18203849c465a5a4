/**
 * Provisioning activity from the stream: a user or group written for a SCIM request carries that
 * request's stamp (`lastRequest`, see `RequestStamp`), set in the very write that made the change.
 * An INSERT or MODIFY whose stamp is new stands for one activity entry; the fan-out writes them
 * in one BatchWriteItem per batch, off the request path.
 *
 * A group PATCH that changes attributes and members in several transactions stamps the group in
 * each of them with the same request: only the first record carries a new stamp, so the request
 * is one entry. Deletes leave no item to stamp; they write their entry in their own transaction.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod';
import type { ActivityEntry } from '../activity/activity.ts';
import { successEntry, type RequestStamp } from '../activity/entries.ts';
import { directoryIdOfPartition } from '../adapters/dynamodb/keys.ts';
import { ENTITY, TABLE_DEFINITION } from '../adapters/dynamodb/table-definition.ts';
import { itemOfImage } from './stream-image.ts';

const stampSchema = z.object({
  requestId: z.string().min(1).max(200),
  method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']),
  client: z.enum(['entra', 'okta', 'onelogin', 'jumpcloud', 'other']),
  status: z.number().int().min(200).max(299),
  at: z.iso.datetime(),
});

const stampedImageSchema = z.object({
  pk: z.string(),
  directoryId: z.string(),
  id: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  lastRequest: stampSchema.optional(),
});

// By request id alone: a retried write of the same request may carry a later time.
const sameStamp = (a: RequestStamp | undefined, b: RequestStamp) => a !== undefined && a.requestId === b.requestId;

/**
 * The activity entry of one stream record, or undefined when it stands for none (not a user or
 * group, a delete, no stamp, or the same stamp as before: a membership-only or `memberOf` change).
 * Never throws: a record this cannot read simply records no activity, and its events are mapped
 * (or failed) on their own.
 */
export function activityOfRecord(record: DynamoDBRecord): ActivityEntry | undefined {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  const newRaw = record.dynamodb?.NewImage;
  if (newRaw === undefined) return undefined;
  try {
    const plain = itemOfImage(newRaw);
    const entity = plain[TABLE_DEFINITION.entityAttribute];
    if (entity !== ENTITY.user && entity !== ENTITY.group) return undefined;
    const image = stampedImageSchema.safeParse(plain);
    if (!image.success || image.data.lastRequest === undefined) return undefined;
    if (directoryIdOfPartition(image.data.pk) !== image.data.directoryId) return undefined;
    const stamp = image.data.lastRequest;
    if (record.eventName === 'MODIFY' && record.dynamodb?.OldImage !== undefined) {
      const before = stampedImageSchema.safeParse(itemOfImage(record.dynamodb.OldImage));
      if (before.success && sameStamp(before.data.lastRequest, stamp)) return undefined;
    }
    return successEntry(image.data.directoryId, entity === ENTITY.user ? 'User' : 'Group', image.data, stamp);
  } catch {
    return undefined;
  }
}
