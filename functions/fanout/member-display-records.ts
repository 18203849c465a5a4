/**
 * Keeps group members' display names on their membership items, from the stream: a new
 * membership gets its member's current name (read in one batch per directory), and a user or
 * group whose name changed writes the new name on each of its memberships (its `memberOf`, from
 * the stream image, no read). Membership items changed this way raise no event (map-record.ts
 * ignores a membership MODIFY).
 */
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod';
import type { MembershipDisplay } from '../adapters/dynamodb/member-displays.ts';
import { memberKey } from '../adapters/dynamodb/member-displays.ts';
import { directoryIdOfPartition } from '../adapters/dynamodb/keys.ts';
import { ENTITY, TABLE_DEFINITION } from '../adapters/dynamodb/table-definition.ts';
import { memberDisplayOf } from '../core/member-display.ts';
import type { MemberRef, ResourceType } from '../service/repository.ts';
import { itemOfImage } from './stream-image.ts';

/** Where the fan-out reads and writes members' display names (DynamoDbMemberDisplays). */
export interface MemberDisplayPort {
  displaysOf(directoryId: string, members: readonly MemberRef[]): Promise<Map<string, string>>;
  setDisplays(directoryId: string, entries: readonly MembershipDisplay[]): Promise<void>;
}

const membershipSchema = z.object({ pk: z.string(), groupId: z.string(), memberId: z.string(), memberType: z.enum(['User', 'Group']), display: z.string().optional() });
const resourceSchema = z.object({ pk: z.string(), id: z.string(), attributes: z.record(z.string(), z.unknown()).optional(), memberOf: z.set(z.string()).optional() });

/** What a batch of records asks for, per directory. */
interface DisplayWork {
  /** New memberships without a name yet. */
  unnamed: Array<{ groupId: string; member: MemberRef }>;
  /** Names known from the images: members renamed. */
  named: MembershipDisplay[];
}

function plainImage(image: NonNullable<DynamoDBRecord['dynamodb']>['NewImage']): Record<string, unknown> | undefined {
  return image === undefined ? undefined : itemOfImage(image);
}

/** The display-name work of a batch, by directory. Records it cannot read are skipped: they change no name. */
export function displayWorkOf(records: readonly DynamoDBRecord[]): Map<string, DisplayWork> {
  const work = new Map<string, DisplayWork>();
  const of = (directoryId: string) => {
    let entry = work.get(directoryId);
    if (entry === undefined) work.set(directoryId, (entry = { unnamed: [], named: [] }));
    return entry;
  };
  for (const record of records) {
    try {
      const newImage = plainImage(record.dynamodb?.NewImage);
      if (newImage === undefined) continue;
      const entity = newImage[TABLE_DEFINITION.entityAttribute];
      if (entity === ENTITY.membership && record.eventName === 'INSERT') {
        const membership = membershipSchema.safeParse(newImage);
        if (!membership.success || membership.data.display !== undefined) continue;
        const { pk, groupId, memberId, memberType } = membership.data;
        const directoryId = directoryIdOfPartition(pk);
        if (directoryId !== undefined) of(directoryId).unnamed.push({ groupId, member: { id: memberId, type: memberType } });
      } else if ((entity === ENTITY.user || entity === ENTITY.group) && record.eventName === 'MODIFY') {
        const type: ResourceType = entity === ENTITY.user ? 'User' : 'Group';
        const after = resourceSchema.safeParse(newImage);
        const before = resourceSchema.safeParse(plainImage(record.dynamodb?.OldImage) ?? {});
        if (!after.success || after.data.memberOf === undefined) continue;
        const display = memberDisplayOf(type, after.data.attributes ?? {});
        const previous = before.success ? memberDisplayOf(type, before.data.attributes ?? {}) : undefined;
        if (display === undefined || display === previous) continue;
        const directoryId = directoryIdOfPartition(after.data.pk);
        if (directoryId === undefined) continue;
        const target = of(directoryId);
        for (const groupId of after.data.memberOf) target.named.push({ groupId, memberId: after.data.id, display });
      }
    } catch {
      // Not an item this understands: it names nobody.
    }
  }
  return work;
}

/**
 * Writes the display names a batch calls for. Runs before the batch's events are published, so a
 * failure retries the batch like any other (the writes are idempotent).
 */
export async function keepMemberDisplays(records: readonly DynamoDBRecord[], port: MemberDisplayPort): Promise<void> {
  for (const [directoryId, { unnamed, named }] of displayWorkOf(records)) {
    const displays = await port.displaysOf(directoryId, unnamed.map(({ member }) => member));
    const fromReads = unnamed.flatMap(({ groupId, member }) => {
      const display = displays.get(memberKey(member));
      return display === undefined ? [] : [{ groupId, memberId: member.id, display }];
    });
    // One write per membership: a later rename in the batch wins over an earlier one, and a name
    // read now (the current one) over both.
    const latest = new Map([...named, ...fromReads].map((entry) => [`${entry.groupId}/${entry.memberId}`, entry]));
    await port.setDisplays(directoryId, [...latest.values()]);
  }
}
