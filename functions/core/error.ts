/**
 * The one error type of the SCIM protocol core (RFC 7644 §3.12).
 *
 * Every failure that reaches a client is a `ScimError`: it carries the HTTP status, the
 * `scimType` keyword where RFC 7644 defines one for that status, and a human-readable detail.
 * Anything else thrown below the edges is a bug and is rendered as a 500 without detail.
 */

/** Error schema URN (RFC 7644 §3.12). */
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * scimType keywords and the only status each may be paired with (RFC 7644 §3.12 Table 9,
 * plus RFC 9865 §4 for cursor paging).
 */
export const SCIM_TYPE_STATUS = {
  invalidFilter: 400,
  tooMany: 400,
  uniqueness: 409,
  mutability: 400,
  invalidSyntax: 400,
  invalidPath: 400,
  noTarget: 400,
  invalidValue: 400,
  invalidVers: 400,
  sensitive: 403,
  invalidCursor: 400,
  expiredCursor: 400,
  invalidCount: 400,
} as const;

export type ScimType = keyof typeof SCIM_TYPE_STATUS;

/** Statuses that RFC 7644 §3.12 lists without a scimType. */
export type PlainStatus = 400 | 401 | 403 | 404 | 405 | 406 | 409 | 412 | 413 | 415 | 429 | 500 | 501 | 503;

/** The JSON body of a SCIM error response. */
export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/**
 * A SCIM protocol error.
 *
 * @example
 * throw ScimError.of('invalidFilter', 'Unexpected token "eq" at position 4');
 * throw new ScimError(404, 'User 2819c223 not found');
 */
export class ScimError extends Error {
  override readonly name = 'ScimError';
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly detail: string;

  constructor(status: PlainStatus | number, detail: string, scimType?: ScimType, options?: { cause?: unknown }) {
    super(detail, options);
    if (scimType !== undefined && SCIM_TYPE_STATUS[scimType] !== status) {
      throw new TypeError(`scimType ${scimType} is paired with ${SCIM_TYPE_STATUS[scimType]}, not ${status}`);
    }
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
  }

  /** An error for a scimType keyword, with the status RFC 7644 pairs it with. */
  static of(scimType: ScimType, detail: string, options?: { cause?: unknown }): ScimError {
    return new ScimError(SCIM_TYPE_STATUS[scimType], detail, scimType, options);
  }

  /** The RFC 7644 §3.12 response body. `status` is a string, as the RFC's examples show. */
  toBody(): ScimErrorBody {
    const body: ScimErrorBody = { schemas: [ERROR_SCHEMA], status: String(this.status), detail: this.detail };
    if (this.scimType !== undefined) body.scimType = this.scimType;
    return body;
  }
}

/** True for a ScimError, also across module copies (bundles may hold two). */
export function isScimError(error: unknown): error is ScimError {
  return error instanceof ScimError || (error instanceof Error && error.name === 'ScimError' && 'status' in error);
}
