/**
 * The admin Lambda's request handling, apart from its wiring (see `functions/handlers/admin.ts`).
 * Invoked with IAM only (Lambda Invoke, never API Gateway), with one admin command as the event.
 */
import type { ActivityReader } from '../activity/activity.ts';
import type { PortalLinks } from '../portal/ports.ts';
import { isAdminError } from './admin-error.ts';
import type { AdminService, DeleteProgress } from './admin-service.ts';
import { parseAdminCommand, runAdminCommand, type AdminCommand, type AdminResponse, type AdminServices } from './commands.ts';
import { sleep as pause } from '../shared/sleep.ts';

/** Time kept free at the end of an invocation for the continuation and the response. */
export const INVOCATION_SAFETY_MS = 15_000;
/** Upper bound on deletion passes in one invocation (each pass is bounded in time as well). */
const MAX_PASSES_PER_INVOCATION = 50;
/**
 * Default bound on a chain of self-invocations. Each link works for up to 15 minutes, so 100 links
 * purge far more than any directory holds; a bug that re-invokes forever stops there instead of
 * running up the bill. (Lambda's own loop detection is off for this function: see the construct.)
 */
export const DEFAULT_MAX_SELF_INVOCATIONS = 100;

/** A background chain reached its bound; thrown so that Lambda parks the command in the failure queue. */
export class SelfInvocationLimitError extends Error {
  override readonly name = 'SelfInvocationLimitError';
}

/** The slice of the Lambda context the handler needs. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/** Structured logging; never handed a token. */
export interface AdminLog {
  info(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export interface AdminHandlerDependencies {
  service: AdminService;
  activity: ActivityReader;
  /** Absent where no Admin Portal is configured; `portal.link` is then refused. */
  portalLinks?: PortalLinks;
  /** Absent where no event bus is configured; `events.redrive` is then refused. */
  redrive?: AdminServices['redrive'];
  /** Starts another invocation of this function with the given command, without waiting for it. */
  invokeSelf: (command: AdminCommand) => Promise<void>;
  log: AdminLog;
  sleep?: (ms: number) => Promise<void>;
  /** @default DEFAULT_MAX_SELF_INVOCATIONS */
  maxSelfInvocations?: number;
}

type DeleteCommand = Extract<AdminCommand, { command: 'directory.delete' }>;

/**
 * Builds the handler. `directory.delete` with `background: true` keeps purging across
 * invocations: when the time of one runs out it invokes itself asynchronously with the same
 * command (the purge resumes from what is left in the partition) and logs its progress.
 */
export function createAdminHandler(dependencies: AdminHandlerDependencies) {
  const { service, invokeSelf, log } = dependencies;
  const services = {
    admin: service,
    activity: dependencies.activity,
    ...(dependencies.portalLinks === undefined ? {} : { portalLinks: dependencies.portalLinks }),
    ...(dependencies.redrive === undefined ? {} : { redrive: dependencies.redrive }),
  };
  const sleep = dependencies.sleep ?? pause;

  const maxSelfInvocations = dependencies.maxSelfInvocations ?? DEFAULT_MAX_SELF_INVOCATIONS;

  async function deleteInBackground(command: DeleteCommand, context: InvocationContext): Promise<AdminResponse> {
    const selfInvocations = command.selfInvocations ?? 0;
    if (selfInvocations > maxSelfInvocations) {
      log.error('directory deletion stopped: too many chained invocations', { directoryId: command.directoryId, selfInvocations });
      throw new SelfInvocationLimitError(
        `directory ${command.directoryId}: background deletion stopped after ${maxSelfInvocations} chained invocations; run scim-admin directory delete again to resume`,
      );
    }
    let deletedThisInvocation = 0;
    let progress: DeleteProgress | undefined;
    try {
      for (let pass = 0; pass < MAX_PASSES_PER_INVOCATION; pass++) {
        const budgetMs = context.getRemainingTimeInMillis() - INVOCATION_SAFETY_MS;
        if (budgetMs <= 0) break;
        progress = await service.deleteDirectory(command.directoryId, { budgetMs });
        deletedThisInvocation += progress.deletedItems;
        if (progress.done) break;
        const wait = progress.retryAfterMs ?? 0;
        if (progress.phase !== 'draining' || wait > context.getRemainingTimeInMillis() - INVOCATION_SAFETY_MS) break;
        await sleep(wait);
      }
    } catch (error) {
      if (isAdminError(error)) return { ok: false, error: { code: error.code, message: error.message } };
      throw error;
    }
    const deletedSoFar = (command.deletedSoFar ?? 0) + deletedThisInvocation;
    if (progress?.done === true) {
      log.info('directory deleted', { directoryId: command.directoryId, deletedItems: deletedSoFar });
      return { ok: true, command: command.command, result: { ...progress, deletedItems: deletedThisInvocation } };
    }
    await invokeSelf({
      command: 'directory.delete',
      directoryId: command.directoryId,
      background: true,
      deletedSoFar,
      selfInvocations: selfInvocations + 1,
    });
    log.info('directory deletion continues in a new invocation', { directoryId: command.directoryId, deletedSoFar, phase: progress?.phase });
    const result: DeleteProgress & { continuing: true } = progress === undefined
      ? { directoryId: command.directoryId, phase: 'purging', done: false, deletedItems: 0, continuing: true }
      : { ...progress, deletedItems: deletedThisInvocation, continuing: true };
    return { ok: true, command: command.command, result };
  }

  return async function handleAdminCommand(event: unknown, context: InvocationContext): Promise<AdminResponse> {
    const parsed = parseAdminCommand(event);
    if (!parsed.ok) return parsed.response;
    const command = parsed.command;
    log.info('admin command', {
      command: command.command,
      ...('directoryId' in command ? { directoryId: command.directoryId } : {}),
    });
    if (command.command === 'directory.delete' && command.background === true) return deleteInBackground(command, context);
    const maxBudgetMs = Math.max(1000, context.getRemainingTimeInMillis() - INVOCATION_SAFETY_MS);
    const response = await runAdminCommand(services, command, { maxBudgetMs });
    if (!response.ok) log.info('admin command refused', { command: command.command, code: response.error.code });
    return response;
  };
}
