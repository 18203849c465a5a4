/**
 * The PATCH operation as the rest of the core sees it, and the one way its errors are worded:
 * RFC 7644 §3.5.2 lets a client send many operations in one request, so every error names the
 * operation that failed, e.g. `Operations[2] (replace emails[type eq "work"].value): …`.
 */
import { ScimError, isScimError } from '../error.ts';

/** The three PATCH operations of RFC 7644 §3.5.2, lower-cased. */
export type PatchOpName = 'add' | 'replace' | 'remove';

/** One validated PATCH operation (RFC 7644 §3.5.2). */
export interface PatchOperation {
  /** The operation, lower-cased whatever case the client sent (Entra ID sends `Replace`). */
  op: PatchOpName;
  /** The attribute path (RFC 7644 §3.5.2, `PATH` ABNF); absent means "the resource itself". */
  path?: string;
  /** The operation's value, as the client sent it. */
  value?: unknown;
  /**
   * Position of the operation in the request's `Operations` array. Errors quote it, so it stays
   * right after {@link splitMembershipOperations} has moved operations around; when absent, the
   * position in the list passed to {@link applyPatch} is used.
   */
  index?: number;
}

/** `Operations[2] (replace emails[type eq "work"].value)`: how errors name an operation. */
export function describeOperation(operation: PatchOperation, position: number): string {
  const index = operation.index ?? position;
  const target = operation.path === undefined ? '' : ` ${operation.path}`;
  return `Operations[${index}] (${operation.op}${target})`;
}

/**
 * Runs `work` for one operation and prefixes the detail of any ScimError it throws with the
 * operation's name, keeping status and scimType. Anything else is a defect and passes through.
 */
export function inOperation<T>(label: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!isScimError(error)) throw error;
    throw new ScimError(error.status, `${label}: ${error.detail}`, error.scimType, { cause: error });
  }
}
