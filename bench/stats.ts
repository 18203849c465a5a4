/**
 * Small statistics for noisy measurements, and the time budget every bench loop checks.
 */

/** The value below which `fraction` of the samples fall (nearest rank); NaN for no samples. */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] as number;
}

/** The middle sample (mean of the two middle ones for an even count); NaN for no samples. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Median, p95 and range of latency samples in milliseconds. */
export interface LatencySummary {
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

export function summarizeLatency(samples: readonly number[]): LatencySummary {
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    medianMs: round(median(samples)),
    p95Ms: round(percentile(samples, 0.95)),
    minMs: round(Math.min(...samples)),
    maxMs: round(Math.max(...samples)),
  };
}

/** `a / b`, or undefined when `b` is 0 (a ratio to nothing says nothing). */
export function ratio(a: number, b: number): number | undefined {
  return b === 0 ? (a === 0 ? 1 : undefined) : Math.round((a / b) * 1000) / 1000;
}

export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/**
 * The bench's time budget. Loops call `check()` on every turn, so a slow machine ends the run
 * with a clear message instead of running on.
 */
export class Deadline {
  readonly #endsAt: number;

  constructor(readonly budgetMs: number) {
    this.#endsAt = Date.now() + budgetMs;
  }

  remainingMs(): number {
    return this.#endsAt - Date.now();
  }

  /** Throws once the budget is spent; `what` names the step that ran out of time. */
  check(what: string): void {
    if (Date.now() > this.#endsAt) throw new DeadlineExceededError(`The bench ran out of its ${Math.round(this.budgetMs / 1000)} s budget during: ${what}`);
  }
}
