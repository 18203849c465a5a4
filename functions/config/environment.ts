/**
 * The environment contract between the CDK construct, which sets these variables on each Lambda
 * function, and the handlers, which read them at cold start. Both sides import the names and
 * defaults from here, so the stack and the functions cannot disagree about a name or a default.
 *
 * Plain constants only: no AWS imports, so that importing this module adds nothing to a bundle.
 */

/** Names of the environment variables the handlers read. */
export const ENV = {
  /** The DynamoDB table (every function). */
  tableName: 'TABLE_NAME',
  /** Tenant URL base, `https://…/scim/v2` (RFC 7643 §3.1 `meta.location` is built from it). */
  scimBaseUrl: 'SCIM_BASE_URL',
  /** Name prefix of the per-directory token-hash secrets. */
  tokenSecretPrefix: 'TOKEN_SECRET_PREFIX',
  /** Customer-managed KMS key new token secrets are encrypted with (admin function). */
  tokenSecretKmsKeyId: 'TOKEN_SECRET_KMS_KEY_ID',
  /** Seconds a warm function trusts a cached token secret. */
  tokenCacheTtlSeconds: 'TOKEN_CACHE_TTL_SECONDS',
  /** The EventBridge bus the fan-out publishes on. */
  eventBusName: 'EVENT_BUS_NAME',
  /** `source` of every published event. */
  eventSource: 'EVENT_SOURCE',
  /**
   * The stream's dead-letter queue: the fan-out sends it the records it can neither deliver nor
   * park, and the admin function's redrive reads them back.
   */
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  /** Days provisioning activity entries are kept (SCIM functions and the fan-out). */
  activityRetentionDays: 'ACTIVITY_RETENTION_DAYS',
  /** Seconds the fan-out trusts a cached directory → organization mapping. */
  organizationCacheTtlSeconds: 'ORGANIZATION_CACHE_TTL_SECONDS',
  /** Where the Admin Portal is served, `https://…/portal` (the Directory API's portal links open it). */
  portalBaseUrl: 'PORTAL_BASE_URL',
  /** The bus archive the Directory API replays events from (absent: no replays). */
  eventArchiveArn: 'EVENT_ARCHIVE_ARN',
  /** The bus replayed events go to (the archive's own bus). */
  eventBusArn: 'EVENT_BUS_ARN',
  /** The admin function, which the portal asks to carry a directory deletion on. */
  adminFunctionName: 'ADMIN_FUNCTION_NAME',
  /** The host app's name on the portal's pages. */
  portalAppName: 'PORTAL_APP_NAME',
  /** An https logo shown beside it. */
  portalLogoUrl: 'PORTAL_LOGO_URL',
  /** The portal's accent colour, `#rrggbb`. */
  portalAccentColor: 'PORTAL_ACCENT_COLOR',
  /** Space-separated https origins allowed to frame the portal. */
  portalFrameAncestors: 'PORTAL_FRAME_ANCESTORS',
  /** Minutes without a request before the portal warns about the connection. */
  portalStaleAfterMinutes: 'PORTAL_STALE_AFTER_MINUTES',
  /**
   * The key SCIM list cursors are signed with (RFC 9865): the users and groups functions get it
   * from a secret the stack generates. Absent (locally), each process makes up its own.
   */
  cursorSigningKey: 'CURSOR_SIGNING_KEY',
  /** Powertools service name, the `service` key of every log line. */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** Powertools log level. */
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;

/** One of the variable names above. */
export type EnvironmentVariable = (typeof ENV)[keyof typeof ENV];

/** Default secret name prefix; the secret of a directory is named `<prefix><directoryId>`. */
export const DEFAULT_TOKEN_SECRET_PREFIX = 'scim-directory-sync/tokens/';
/** Default `source` of every published event. */
export const DEFAULT_EVENT_SOURCE = 'scim-directory-sync';
/** Default seconds a warm function trusts a cached token secret (revocation takes effect within it). */
export const DEFAULT_TOKEN_CACHE_TTL_SECONDS = 30;
/** Upper bound of that time: a revoked token must stop working within 60 s everywhere. */
export const MAX_TOKEN_CACHE_TTL_SECONDS = 60;
/** Default seconds the fan-out trusts a cached organization id. */
export const DEFAULT_ORGANIZATION_CACHE_TTL_SECONDS = 10;
/** Upper bound of the organization cache time. */
export const MAX_ORGANIZATION_CACHE_TTL_SECONDS = 300;
