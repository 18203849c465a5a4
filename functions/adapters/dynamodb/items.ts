/**
 * The layout of a DIRECTORY item. Its keys come from `keys.ts`; its fields are the domain's
 * `DirectoryRecord`. The stream fan-out reads the same fields from stream images.
 *
 * Resource, claim and counter items are laid out by `scim-repository.ts` (with `scim-items.ts`),
 * membership items by `memberships.ts`: the SCIM repository and the modules it delegates to.
 */
import type { DirectoryRecord } from '../../admin/directory-store.ts';
import type { ENTITY } from './table-definition.ts';

/** A directory record as stored: in the directory's own partition and in the directory index. */
export interface DirectoryItem extends DirectoryRecord {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  entity: typeof ENTITY.directory;
}

/**
 * Marks a group item whose `memberCount` has been kept since the group was created (the SCIM
 * repository writes both). Groups stored before the count was kept lack it: an `ADD` on them
 * started from zero and counts only later changes.
 */
export const MEMBER_COUNT_KEPT = 'memberCountKept';

/** A group item's member count when it is whole, else undefined (count its membership items instead). */
export function keptMemberCount(item: Record<string, unknown>): number | undefined {
  return item[MEMBER_COUNT_KEPT] === true && typeof item.memberCount === 'number' ? item.memberCount : undefined;
}
