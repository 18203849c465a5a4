/**
 * The admin command protocol: one JSON command in, one JSON envelope out. The admin Lambda
 * speaks it over Lambda Invoke, and the CLI's `--local` mode runs the same dispatcher in-process.
 * Directories and tokens go to the admin service; `portal.link` to the Admin Portal's link
 * service; `activity.list` to the activity reader; `events.redrive` to the parked-record redriver.
 *
 * @example
 * await runAdminCommand(service, { command: 'token.rotate', directoryId: 'k3…', graceDays: 3 });
 * // → { ok: true, command: 'token.rotate', result: { token: { tokenId, token, … }, previous: { … } } }
 */
import * as z from 'zod';
import { ActivityQueryError, type ActivityReader } from '../activity/activity.ts';
import { jsonValueTooDeep, MAX_JSON_DEPTH } from '../core/json.ts';
import { MAX_REDRIVE, type ParkedRecordRedriver } from '../fanout/redrive.ts';
import { MAX_RETURN_URL_LENGTH } from '../portal/portal-input.ts';
import { isPortalError, type PortalLinks } from '../portal/ports.ts';
import { ADMIN_ERROR_CODES, AdminError, isAdminError } from './admin-error.ts';
import type { AdminService } from './admin-service.ts';
import { PROVIDERS } from './directory-store.ts';

const directoryId = z.string().min(1).max(128);
const text = z.string().max(1000);

/** Most activity entries one `activity.list` answers. */
export const MAX_ACTIVITY_PAGE = 500;
/** Entries `activity.list` answers when no limit is given. */
export const DEFAULT_ACTIVITY_PAGE = 50;

/** Every admin command. Unknown fields are refused, so a typo never passes silently. */
export const adminCommandSchema = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('directory.create'), name: text, provider: z.enum(PROVIDERS), organizationId: text.optional() }),
  z.strictObject({ command: z.literal('directory.list'), organizationId: text.optional() }),
  z.strictObject({ command: z.literal('directory.get'), directoryId }),
  z.strictObject({ command: z.literal('directory.update'), directoryId, name: text.optional(), organizationId: text.nullable().optional() }),
  z.strictObject({ command: z.literal('directory.disable'), directoryId }),
  z.strictObject({ command: z.literal('directory.enable'), directoryId }),
  z.strictObject({
    command: z.literal('directory.delete'),
    directoryId,
    /** Work time of this call; the handler caps it to what the invocation has left. */
    budgetMs: z.number().int().min(1000).max(14 * 60_000).optional(),
    /** Admin Lambda only: keep purging in asynchronous self-invocations instead of returning after one pass. */
    background: z.boolean().optional(),
    /** Admin Lambda only: items deleted by earlier passes, carried along for progress logs. */
    deletedSoFar: z.number().int().min(0).optional(),
    /** Admin Lambda only: how many invocations of the chain came before this one (the chain is capped). */
    selfInvocations: z.number().int().min(0).optional(),
  }),
  z.strictObject({
    command: z.literal('token.create'),
    directoryId,
    label: text.optional(),
    expiresInDays: z.number().positive().optional(),
  }),
  z.strictObject({ command: z.literal('token.list'), directoryId }),
  z.strictObject({ command: z.literal('token.revoke'), directoryId, tokenId: z.string().min(1).max(128) }),
  z.strictObject({
    command: z.literal('token.rotate'),
    directoryId,
    graceDays: z.number().min(0).optional(),
    label: text.optional(),
  }),
  /** A one-time Admin Portal link for an organization's IT admin (valid 5 minutes). */
  z.strictObject({
    command: z.literal('portal.link'),
    organizationId: text,
    directoryId: directoryId.optional(),
    returnUrl: z.string().max(MAX_RETURN_URL_LENGTH).optional(),
  }),
  /** A page of a directory's provisioning activity, newest first. */
  z.strictObject({
    command: z.literal('activity.list'),
    directoryId,
    /** ISO 8601 time: only entries answered at or after it. */
    since: z.string().max(64).optional(),
    outcome: z.enum(['success', 'failure']).optional(),
    limit: z.number().int().min(1).max(MAX_ACTIVITY_PAGE).optional(),
    cursor: z.string().max(2000).optional(),
  }),
  /** Publishes parked stream records again, in stream order, and removes those delivered. */
  z.strictObject({
    command: z.literal('events.redrive'),
    /** Only this directory's parked records; every directory's when absent. */
    directoryId: directoryId.optional(),
    max: z.number().int().min(1).max(MAX_REDRIVE).optional(),
    dryRun: z.boolean().optional(),
    /** `queue`: the records the fan-out sent whole to the stream's dead-letter queue. @default 'table' */
    from: z.enum(['table', 'queue']).optional(),
  }),
]);

export type AdminCommand = z.infer<typeof adminCommandSchema>;
export type AdminCommandName = AdminCommand['command'];

const countsSchema = z.object({ users: z.number(), activeUsers: z.number(), groups: z.number() });

export const directoryViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  organizationId: z.string().optional(),
  provider: z.enum(PROVIDERS),
  status: z.enum(['active', 'disabled']),
  tenantUrl: z.string(),
  created: z.string(),
  lastModified: z.string(),
  version: z.number(),
  counts: countsSchema,
  deletingSince: z.string().optional(),
});

export const mintedTokenSchema = z.object({
  tokenId: z.string(),
  token: z.string(),
  label: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
});

export const tokenViewSchema = z.object({
  tokenId: z.string(),
  label: z.string(),
  state: z.enum(['active', 'expiring', 'expired', 'revoked']),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
});

export const portalLinkSchema = z.object({
  url: z.string(),
  organizationId: z.string(),
  directoryId: z.string().optional(),
  expiresAt: z.string(),
});

export const activityEntrySchema = z.object({
  directoryId: z.string(),
  at: z.string(),
  requestId: z.string(),
  method: z.string(),
  resourceType: z.enum(['User', 'Group']).optional(),
  resourceId: z.string().optional(),
  resourceName: z.string().optional(),
  status: z.number(),
  outcome: z.enum(['success', 'failure']),
  scimType: z.string().optional(),
  detail: z.string().optional(),
  client: z.enum(['entra', 'okta', 'onelogin', 'jumpcloud', 'other']),
});

export const deleteProgressSchema = z.object({
  directoryId: z.string(),
  phase: z.enum(['purging', 'draining', 'done']),
  done: z.boolean(),
  deletedItems: z.number(),
  retryAfterMs: z.number().optional(),
  /** Set by the admin Lambda when it carries on in the background. */
  continuing: z.boolean().optional(),
});

export const redriveReportSchema = z.object({
  dryRun: z.boolean(),
  directories: z.number(),
  examined: z.number(),
  redriven: z.number(),
  ready: z.number(),
  events: z.number(),
  unmappable: z.number(),
  undelivered: z.number(),
  // Absent from the reports of admin functions deployed before redrives from the queue.
  tooLarge: z.number().default(0),
  pointers: z.number().default(0),
  more: z.boolean(),
  items: z.array(
    z.object({
      directoryId: z.string(),
      sequenceNumber: z.string(),
      eventID: z.string(),
      reason: z.enum(['unmappable', 'undeliverable']),
      parkedAt: z.string(),
      outcome: z.enum(['redriven', 'ready', 'unmappable', 'undelivered', 'tooLarge']),
      events: z.number(),
      detail: z.string().optional(),
    }),
  ),
});

/** The result schema of each command, for clients that receive results as JSON. */
export const adminResultSchemas = {
  'directory.create': z.object({ directory: directoryViewSchema, tenantUrl: z.string(), token: mintedTokenSchema }),
  'directory.list': z.array(directoryViewSchema),
  'directory.get': directoryViewSchema,
  'directory.update': directoryViewSchema,
  'directory.disable': directoryViewSchema,
  'directory.enable': directoryViewSchema,
  'directory.delete': deleteProgressSchema,
  'token.create': mintedTokenSchema,
  'token.list': z.array(tokenViewSchema),
  'token.revoke': tokenViewSchema,
  'token.rotate': z.object({ token: mintedTokenSchema, previous: tokenViewSchema.optional() }),
  'portal.link': portalLinkSchema,
  'activity.list': z.object({ items: z.array(activityEntrySchema), nextCursor: z.string().optional() }),
  'events.redrive': redriveReportSchema,
} as const satisfies Record<AdminCommandName, z.ZodType>;

export type AdminResult<C extends AdminCommandName> = z.infer<(typeof adminResultSchemas)[C]>;

/** The names of all commands. */
export const ADMIN_COMMAND_NAMES = Object.keys(adminResultSchemas) as [AdminCommandName, ...AdminCommandName[]];

/** The envelope every command answers with. */
export const adminResponseSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), command: z.enum(ADMIN_COMMAND_NAMES), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.enum(ADMIN_ERROR_CODES), message: z.string() }) }),
]);

export type AdminResponse = z.infer<typeof adminResponseSchema>;

/** Default work time of one `directory.delete` call. */
export const DEFAULT_DELETE_BUDGET_MS = 20_000;

/** Turns a zod error into one readable line. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Validates a command; an invalid one answers an `invalidInput` envelope instead. */
export function parseAdminCommand(input: unknown): { ok: true; command: AdminCommand } | { ok: false; response: AdminResponse } {
  // No command nests deeply; refused before zod or a log line walks it.
  if (jsonValueTooDeep(input)) {
    return { ok: false, response: { ok: false, error: { code: 'invalidInput', message: `Invalid admin command: nested deeper than ${MAX_JSON_DEPTH} levels` } } };
  }
  const parsed = adminCommandSchema.safeParse(input);
  if (parsed.success) return { ok: true, command: parsed.data };
  return { ok: false, response: { ok: false, error: { code: 'invalidInput', message: `Invalid admin command: ${describeIssues(parsed.error)}` } } };
}

/**
 * What the commands run on. `portalLinks` is absent where no portal is configured (the admin
 * Lambda without `PORTAL_BASE_URL`): `portal.link` is then refused with `notConfigured`.
 */
export interface AdminServices {
  admin: AdminService;
  activity: ActivityReader;
  portalLinks?: PortalLinks;
  /** Absent where no event bus is configured: `events.redrive` is then refused with `notConfigured`. */
  redrive?: Pick<ParkedRecordRedriver, 'redrive'>;
}

/** Portal refusals in the admin protocol's words. */
function asAdminError(error: unknown): unknown {
  if (!isPortalError(error)) return error;
  const code = error.code === 'notFound' ? 'directoryNotFound' : error.code === 'invalidInput' ? 'invalidInput' : 'conflict';
  return new AdminError(code, error.message, { cause: error });
}

async function createPortalLink(services: AdminServices, command: Extract<AdminCommand, { command: 'portal.link' }>) {
  if (services.portalLinks === undefined) {
    throw new AdminError('notConfigured', 'The Admin Portal is not configured here: set PORTAL_BASE_URL on the admin function (the stack does)');
  }
  try {
    return await services.portalLinks.createLink({
      organizationId: command.organizationId,
      ...(command.directoryId === undefined ? {} : { directoryId: command.directoryId }),
      ...(command.returnUrl === undefined ? {} : { returnUrl: command.returnUrl }),
    });
  } catch (error) {
    throw asAdminError(error);
  }
}

async function listActivity(services: AdminServices, command: Extract<AdminCommand, { command: 'activity.list' }>) {
  // Refuses an unknown directory the way every other command does.
  await services.admin.getDirectory(command.directoryId);
  try {
    return await services.activity.list(command.directoryId, {
      limit: command.limit ?? DEFAULT_ACTIVITY_PAGE,
      ...(command.cursor === undefined ? {} : { cursor: command.cursor }),
      ...(command.outcome === undefined ? {} : { outcome: command.outcome }),
      ...(command.since === undefined ? {} : { since: command.since }),
    });
  } catch (error) {
    if (error instanceof ActivityQueryError) throw new AdminError('invalidInput', error.message, { cause: error });
    throw error;
  }
}

async function redriveEvents(services: AdminServices, command: Extract<AdminCommand, { command: 'events.redrive' }>) {
  if (services.redrive === undefined) {
    throw new AdminError('notConfigured', 'Redrive needs the event bus: set EVENT_BUS_NAME on the admin function (the stack does)');
  }
  // Refuses an unknown directory the way every other command does.
  if (command.directoryId !== undefined) await services.admin.getDirectory(command.directoryId);
  return services.redrive.redrive({
    ...(command.directoryId === undefined ? {} : { directoryId: command.directoryId }),
    ...(command.max === undefined ? {} : { max: command.max }),
    ...(command.dryRun === undefined ? {} : { dryRun: command.dryRun }),
    ...(command.from === undefined ? {} : { from: command.from }),
  });
}

async function dispatch(services: AdminServices, command: AdminCommand, maxBudgetMs: number): Promise<unknown> {
  const service = services.admin;
  switch (command.command) {
    case 'directory.create':
      return service.createDirectory({
        name: command.name,
        provider: command.provider,
        ...(command.organizationId === undefined ? {} : { organizationId: command.organizationId }),
      });
    case 'directory.list':
      return service.listDirectories(command.organizationId === undefined ? {} : { organizationId: command.organizationId });
    case 'directory.get':
      return service.getDirectory(command.directoryId);
    case 'directory.update':
      return service.updateDirectory(command.directoryId, {
        ...(command.name === undefined ? {} : { name: command.name }),
        ...(command.organizationId === undefined ? {} : { organizationId: command.organizationId }),
      });
    case 'directory.disable':
      return service.disableDirectory(command.directoryId);
    case 'directory.enable':
      return service.enableDirectory(command.directoryId);
    case 'directory.delete':
      return service.deleteDirectory(command.directoryId, { budgetMs: Math.min(command.budgetMs ?? DEFAULT_DELETE_BUDGET_MS, maxBudgetMs) });
    case 'token.create':
      return service.createToken(command.directoryId, {
        ...(command.label === undefined ? {} : { label: command.label }),
        ...(command.expiresInDays === undefined ? {} : { expiresInDays: command.expiresInDays }),
      });
    case 'token.list':
      return service.listTokens(command.directoryId);
    case 'token.revoke':
      return service.revokeToken(command.directoryId, command.tokenId);
    case 'token.rotate':
      return service.rotateToken(command.directoryId, {
        ...(command.graceDays === undefined ? {} : { graceDays: command.graceDays }),
        ...(command.label === undefined ? {} : { label: command.label }),
      });
    case 'portal.link':
      return createPortalLink(services, command);
    case 'activity.list':
      return listActivity(services, command);
    case 'events.redrive':
      return redriveEvents(services, command);
  }
}

/**
 * Runs one validated command. Refusals (AdminError) become `{ ok: false }` envelopes; anything
 * else (storage unreachable, a bug) is thrown for the edge to log and report.
 */
export async function runAdminCommand(services: AdminServices, command: AdminCommand, options: { maxBudgetMs?: number } = {}): Promise<AdminResponse> {
  try {
    const result = await dispatch(services, command, options.maxBudgetMs ?? Number.POSITIVE_INFINITY);
    return { ok: true, command: command.command, result };
  } catch (error) {
    if (isAdminError(error)) return { ok: false, error: { code: error.code, message: error.message } };
    throw error;
  }
}
