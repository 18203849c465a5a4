/**
 * Reads the items of a stream record's images. Images arrive in DynamoDB's typed JSON
 * (`{ "S": "…" }`); they are converted to plain values and then parsed with zod against the item
 * shapes the repositories write (see adapters/dynamodb/items.ts), so that a malformed image is
 * a clear error on one record rather than a wrong event.
 */
import type { AttributeValue } from 'aws-lambda';
import * as z from 'zod';
import { completeResourceItem } from '../adapters/dynamodb/scim-items.ts';
import { ENTITY } from '../adapters/dynamodb/table-definition.ts';
import { PROVIDERS } from '../admin/directory-store.ts';

/** A stream record that cannot be turned into events (malformed image, foreign directory). */
export class StreamRecordError extends Error {
  override readonly name = 'StreamRecordError';
}

/** Deepest nesting of maps and lists accepted; a stored SCIM resource is far shallower. */
const MAX_DEPTH = 32;

/** One typed attribute value as a plain value. String sets become `Set<string>`. */
export function fromAttributeValue(value: AttributeValue, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new StreamRecordError('stream image nests too deeply');
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return toNumber(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return fromImage(value.M, depth + 1);
  if (value.L !== undefined) return value.L.map((entry) => fromAttributeValue(entry, depth + 1));
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map(toNumber));
  if (value.B !== undefined) return value.B;
  if (value.BS !== undefined) return new Set(value.BS);
  throw new StreamRecordError('stream image holds a value of no known DynamoDB type');
}

function toNumber(text: string): number {
  const number = Number(text);
  if (!Number.isFinite(number)) throw new StreamRecordError('stream image holds a number JavaScript cannot represent');
  return number;
}

/** A whole image (or map) as a plain object. */
export function fromImage(image: Record<string, AttributeValue>, depth = 0): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(image)) plain[name] = fromAttributeValue(value, depth);
  return plain;
}

/**
 * A stream record's image as a plain item, with what user and group items do not store (their
 * id, directory and canonical `schemas`, see adapters/dynamodb/scim-items.ts) put back, so that
 * images of items written before and after they were left out read alike.
 */
export function itemOfImage(image: Record<string, AttributeValue>): Record<string, unknown> {
  return completeResourceItem(fromImage(image));
}

const stringSet = z.custom<Set<string>>((value) => value instanceof Set && [...value].every((entry) => typeof entry === 'string'), {
  message: 'expected a string set',
});

const resourceItem = {
  pk: z.string(),
  sk: z.string(),
  directoryId: z.string(),
  id: z.string(),
  version: z.number().int().positive(),
  created: z.string(),
  lastModified: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  memberOf: stringSet.optional(),
};

export const userItemSchema = z.object({ ...resourceItem, entity: z.literal(ENTITY.user) });
export const groupItemSchema = z.object({ ...resourceItem, entity: z.literal(ENTITY.group) });

export const membershipItemSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal(ENTITY.membership),
  directoryId: z.string(),
  groupId: z.string(),
  memberId: z.string(),
  memberType: z.enum(['User', 'Group']),
  created: z.string(),
});

export const directoryItemSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal(ENTITY.directory),
  directoryId: z.string(),
  name: z.string(),
  organizationId: z.string().optional(),
  provider: z.enum(PROVIDERS),
  status: z.enum(['active', 'disabled']),
  created: z.string(),
  lastModified: z.string(),
  version: z.number().int().positive(),
  deletingSince: z.string().optional(),
});

export type ResourceImage = z.infer<typeof userItemSchema> | z.infer<typeof groupItemSchema>;
export type MembershipImage = z.infer<typeof membershipItemSchema>;
export type DirectoryImage = z.infer<typeof directoryItemSchema>;

/** Parses an image with `schema`, naming the record in the error but never the item's values. */
export function parseImage<T>(schema: z.ZodType<T>, image: Record<string, unknown>, what: string): T {
  const result = schema.safeParse(image);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
  throw new StreamRecordError(`${what} image does not have the expected shape (fields: ${fields})`);
}
