/**
 * The Directory API's response bodies as zod schemas: the client parses every answer with them,
 * and the resource shapes are the events package's own, so an API answer and a change event give
 * a host app the same objects.
 */
import * as z from 'zod';
import { directoryGroupSchema, directoryUserSchema } from '../events/resource.ts';

const timestamp = z.iso.datetime({ offset: true });

export const hostDirectorySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  organizationId: z.string().nullable(),
  provider: z.string(),
  status: z.enum(['active', 'disabled', 'deleting']),
  tenantUrl: z.string(),
  counts: z.looseObject({ users: z.number(), activeUsers: z.number(), groups: z.number() }),
  created: timestamp,
  lastModified: timestamp,
  lastRequestAt: timestamp.optional(),
  lastFailureAt: timestamp.optional(),
});

/** A page of a listing: `watermark` is the time before the listing's first read. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({ items: z.array(item), nextCursor: z.string().optional(), watermark: timestamp });
}

export const memberRefSchema = z.looseObject({ id: z.string(), type: z.enum(['User', 'Group']) });

export const userDetailSchema = z.looseObject({
  user: directoryUserSchema,
  groupIds: z.array(z.string()),
  groupIdsNextCursor: z.string().optional(),
});

export const groupDetailSchema = directoryGroupSchema.extend({ memberCount: z.number().int().nonnegative().optional() });

export const directoryListSchema = z.looseObject({ items: z.array(hostDirectorySchema) });
export const userPageSchema = pageSchema(directoryUserSchema);
export const groupPageSchema = pageSchema(directoryGroupSchema);
export const memberPageSchema = pageSchema(memberRefSchema);
export const groupIdPageSchema = pageSchema(z.string());

export const replaySchema = z.looseObject({
  replayName: z.string(),
  directoryId: z.string(),
  from: timestamp,
  to: timestamp,
  state: z.string(),
  replayedEvents: z.number().int().optional(),
});

export const portalLinkSchema = z.looseObject({
  url: z.string(),
  organizationId: z.string(),
  directoryId: z.string().optional(),
  expiresAt: timestamp,
});

/** The RFC 7644 §3.12 error body every refusal carries. */
export const errorBodySchema = z.looseObject({ status: z.string(), scimType: z.string().optional(), detail: z.string().optional() });

export type HostDirectory = z.infer<typeof hostDirectorySchema>;
export type MemberRef = z.infer<typeof memberRefSchema>;
export type UserDetail = z.infer<typeof userDetailSchema>;
export type GroupDetail = z.infer<typeof groupDetailSchema>;
export type Replay = z.infer<typeof replaySchema>;
export type PortalLink = z.infer<typeof portalLinkSchema>;
export interface Page<T> {
  items: T[];
  nextCursor?: string | undefined;
  watermark: string;
}
