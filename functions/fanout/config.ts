/**
 * Environment of the fan-out Lambda, read once at cold start by getters that fail loudly.
 */
import { ConfigurationError, requiredEnv } from '../auth/config.ts';
import { ORGANIZATION_CACHE_TTL_MS } from './organization-lookup.ts';

/** `source` of every event when EVENT_SOURCE is not set. */
export const DEFAULT_EVENT_SOURCE = 'scim-directory-sync';

export interface FanoutConfig {
  tableName: string;
  eventBusName: string;
  eventSource: string;
  /** Tenant URL base, without a trailing slash. */
  scimBaseUrl: string;
  organizationCacheTtlMs: number;
}

/**
 * Reads TABLE_NAME, EVENT_BUS_NAME, SCIM_BASE_URL (required), EVENT_SOURCE (default
 * `scim-directory-sync`) and ORGANIZATION_CACHE_TTL_SECONDS (default 10, at most 300; an organization change reaches
 * events of other warm Lambdas within it).
 */
export function fanoutConfigFromEnv(env: NodeJS.ProcessEnv = process.env): FanoutConfig {
  const scimBaseUrl = requiredEnv('SCIM_BASE_URL', env).trim().replace(/\/+$/, '');
  try {
    new URL(scimBaseUrl);
  } catch {
    throw new ConfigurationError(`SCIM_BASE_URL must be a URL such as https://api.example.com/scim/v2, not "${scimBaseUrl}"`);
  }
  const source = env.EVENT_SOURCE?.trim();
  const ttlText = env.ORGANIZATION_CACHE_TTL_SECONDS?.trim();
  let organizationCacheTtlMs = ORGANIZATION_CACHE_TTL_MS;
  if (ttlText !== undefined && ttlText !== '') {
    const seconds = Number(ttlText);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 300) {
      throw new ConfigurationError(`ORGANIZATION_CACHE_TTL_SECONDS must be a whole number from 0 to 300, not "${ttlText}"`);
    }
    organizationCacheTtlMs = seconds * 1000;
  }
  return {
    tableName: requiredEnv('TABLE_NAME', env),
    eventBusName: requiredEnv('EVENT_BUS_NAME', env),
    eventSource: source === undefined || source === '' ? DEFAULT_EVENT_SOURCE : source,
    scimBaseUrl,
    organizationCacheTtlMs,
  };
}
