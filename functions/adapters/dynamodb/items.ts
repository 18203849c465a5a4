/**
 * The layout of a DIRECTORY item. Its keys come from `keys.ts`; its fields are the domain's
 * `DirectoryRecord`. The stream fan-out reads the same fields from stream images.
 *
 * Resource, membership, claim and counter items are laid out by `scim-repository.ts`, the one
 * module that writes them.
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
