/**
 * Environment of the fan-out Lambda, read once at cold start by getters that fail loudly. Names and
 * defaults come from `functions/config/environment.ts`, which the CDK construct reads too.
 */
import { ConfigurationError, requiredEnv } from '../auth/config.ts';
import {
  DEFAULT_EVENT_SOURCE,
  DEFAULT_ORGANIZATION_CACHE_TTL_SECONDS,
  ENV,
  MAX_ORGANIZATION_CACHE_TTL_SECONDS,
} from '../config/environment.ts';

export { DEFAULT_EVENT_SOURCE };

export interface FanoutConfig {
  tableName: string;
  eventBusName: string;
  eventSource: string;
  /** Tenant URL base, without a trailing slash. */
  scimBaseUrl: string;
  organizationCacheTtlMs: number;
  /** The stream's dead-letter queue, for records that can be neither delivered nor parked; absent: none are sent there. */
  deadLetterQueueUrl?: string;
}

/**
 * Reads TABLE_NAME, EVENT_BUS_NAME, SCIM_BASE_URL (required), EVENT_SOURCE (default
 * `scim-directory-sync`), ORGANIZATION_CACHE_TTL_SECONDS (default 10, at most 300; an organization change reaches
 * events of other warm Lambdas within it) and DEAD_LETTER_QUEUE_URL (optional).
 */
export function fanoutConfigFromEnv(env: NodeJS.ProcessEnv = process.env): FanoutConfig {
  const scimBaseUrl = requiredEnv(ENV.scimBaseUrl, env).trim().replace(/\/+$/, '');
  try {
    new URL(scimBaseUrl);
  } catch {
    throw new ConfigurationError(`${ENV.scimBaseUrl} must be a URL such as https://api.example.com/scim/v2, not "${scimBaseUrl}"`);
  }
  const source = env[ENV.eventSource]?.trim();
  const deadLetterQueueUrl = env[ENV.deadLetterQueueUrl]?.trim();
  const ttlText = env[ENV.organizationCacheTtlSeconds]?.trim();
  let organizationCacheTtlMs = DEFAULT_ORGANIZATION_CACHE_TTL_SECONDS * 1000;
  if (ttlText !== undefined && ttlText !== '') {
    const seconds = Number(ttlText);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_ORGANIZATION_CACHE_TTL_SECONDS) {
      throw new ConfigurationError(
        `${ENV.organizationCacheTtlSeconds} must be a whole number from 0 to ${MAX_ORGANIZATION_CACHE_TTL_SECONDS}, not "${ttlText}"`,
      );
    }
    organizationCacheTtlMs = seconds * 1000;
  }
  return {
    tableName: requiredEnv(ENV.tableName, env),
    eventBusName: requiredEnv(ENV.eventBusName, env),
    eventSource: source === undefined || source === '' ? DEFAULT_EVENT_SOURCE : source,
    scimBaseUrl,
    organizationCacheTtlMs,
    ...(deadLetterQueueUrl === undefined || deadLetterQueueUrl === '' ? {} : { deadLetterQueueUrl }),
  };
}
