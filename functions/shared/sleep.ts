/**
 * Waiting, in one place. Retries with backoff, lease polling and the local pollers all pause
 * through this helper; code that must not really wait in tests takes a `sleep` of this shape.
 */

/** Resolves after `ms` milliseconds (at once for 0 or less). */
export function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
