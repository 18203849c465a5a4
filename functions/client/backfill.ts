/**
 * The backfill half of the sync recipe (docs/host-api.md): read a whole directory through the
 * API and report the watermark from which change events must be applied.
 *
 * 1. Start receiving the directory's events (or plan to replay them from the archive).
 * 2. `backfillDirectory(...)`: every user, every group, every membership, through your handlers.
 * 3. Apply every event whose `occurredAt` is at or after the returned `watermark`, keeping per
 *    resource the highest `version` seen (membership events: the highest `sequence` per group and
 *    member). Nothing is missed, and applying anything twice is harmless.
 */
import type { DirectoryGroup, DirectoryUser } from '../events/resource.ts';
import type { DirectoryApiClient } from './index.ts';
import type { MemberRef } from './schemas.ts';

/** Where the backfill writes; each call may be async. */
export interface BackfillHandlers {
  user(user: DirectoryUser): void | Promise<void>;
  group(group: DirectoryGroup): void | Promise<void>;
  /** A direct member of a group, as read. */
  member(groupId: string, member: MemberRef): void | Promise<void>;
}

export interface BackfillResult {
  /** Apply events that occurred at or after this time. */
  watermark: string;
  users: number;
  groups: number;
  memberships: number;
}

function isNotFound(error: unknown): boolean {
  return (error as { name?: unknown; status?: unknown }).name === 'DirectoryApiError' && (error as { status?: unknown }).status === 404;
}

/** Reads one directory completely through the API; see the module comment for the recipe. */
export async function backfillDirectory(
  client: DirectoryApiClient,
  directoryId: string,
  handlers: BackfillHandlers,
  options: { limit?: number; organizationId?: string } = {},
): Promise<BackfillResult> {
  const paging = { ...(options.limit === undefined ? {} : { limit: options.limit }), ...(options.organizationId === undefined ? {} : { organizationId: options.organizationId }) };
  const result: BackfillResult = { watermark: '', users: 0, groups: 0, memberships: 0 };
  // The earliest watermark of all listings covers every one of them.
  const note = (watermark: string) => {
    if (result.watermark === '' || watermark < result.watermark) result.watermark = watermark;
  };
  for await (const page of client.pages((cursor) => client.listUsers(directoryId, { ...paging, ...(cursor === undefined ? {} : { cursor }) }))) {
    note(page.watermark);
    for (const user of page.items) {
      await handlers.user(user);
      result.users++;
    }
  }
  const groupIds: string[] = [];
  for await (const page of client.pages((cursor) => client.listGroups(directoryId, { ...paging, ...(cursor === undefined ? {} : { cursor }) }))) {
    note(page.watermark);
    for (const group of page.items) {
      await handlers.group(group);
      groupIds.push(group.id);
      result.groups++;
    }
  }
  for (const groupId of groupIds) {
    try {
      for await (const page of client.pages((cursor) => client.listMembers(directoryId, groupId, { ...paging, ...(cursor === undefined ? {} : { cursor }) }))) {
        note(page.watermark);
        for (const member of page.items) {
          await handlers.member(groupId, member);
          result.memberships++;
        }
      }
    } catch (error) {
      // A group deleted since it was listed: its group.deleted event (after the watermark) removes it.
      if (!isNotFound(error)) throw error;
    }
  }
  return result;
}
