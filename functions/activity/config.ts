/**
 * How long activity is kept, from the environment, read once at cold start by a getter that fails
 * loudly (a bad deploy fails at start, not at the first request).
 */
import { ConfigurationError } from '../auth/config.ts';
import { ENV } from '../config/environment.ts';
import { DEFAULT_ACTIVITY_RETENTION_DAYS } from './activity.ts';

/** Most days an entry may be kept: ten years is far beyond any use and keeps epoch seconds small. */
export const MAX_ACTIVITY_RETENTION_DAYS = 3650;

/** `ACTIVITY_RETENTION_DAYS`: a whole number of days from 1 to 3650, default 30. */
export function activityRetentionDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[ENV.activityRetentionDays];
  if (raw === undefined || raw.trim() === '') return DEFAULT_ACTIVITY_RETENTION_DAYS;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > MAX_ACTIVITY_RETENTION_DAYS) {
    throw new ConfigurationError(`ACTIVITY_RETENTION_DAYS must be a whole number from 1 to ${MAX_ACTIVITY_RETENTION_DAYS}, not "${raw}"`);
  }
  return days;
}
