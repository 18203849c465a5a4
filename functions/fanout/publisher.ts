/**
 * Publishes entries in order, in PutEvents-sized batches, re-sending only the entries that
 * failed, with bounded exponential backoff.
 */
import { chunkEntries, type OutboundEvent } from './entries.ts';
import type { EventSink, SendResult } from './sink.ts';
import { sleep as pause } from '../shared/sleep.ts';

/** How failed entries are retried. */
export interface RetryPolicy {
  /** Sends of one batch, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Four sends with 100, 200, 400 ms (jittered) between them: about a second at worst per batch. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 };

/** Why publishing stopped: the first entry (by position) that could not be delivered. */
export interface PublishFailure {
  index: number;
  errorCode: string;
  errorMessage?: string;
}

export interface PublishOptions {
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Asked before each request: true stops publishing there, answering a failure with the code
   * {@link OUT_OF_TIME} at the first unsent entry (the fan-out asks whether its invocation still
   * has time for a request and its retries).
   */
  stopBefore?: () => boolean;
}

/** The error code of a publish stopped by `stopBefore`: nothing went wrong with the entry itself. */
export const OUT_OF_TIME = 'OutOfTime';

/**
 * Sends `entries` in order. Stops at the first batch that still has undelivered entries after
 * the retries, and answers the lowest position among them; every entry before it was delivered.
 * Later batches are not sent, since their records will be retried after the failed one.
 */
export async function publishInOrder(entries: readonly OutboundEvent[], sink: EventSink, options: PublishOptions = {}): Promise<PublishFailure | undefined> {
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const sleep = options.sleep ?? pause;
  const random = options.random ?? Math.random;
  const indexed = entries.map((entry, index) => ({ entry, index, bytes: entry.bytes }));
  for (const chunk of chunkEntries(indexed)) {
    const head = chunk[0];
    if (head !== undefined && options.stopBefore?.() === true) {
      return { index: head.index, errorCode: OUT_OF_TIME, errorMessage: 'stopped before the invocation runs out of time' };
    }
    let pending = chunk;
    let lastFailure: Extract<SendResult, { ok: false }> = { ok: false, errorCode: 'NotSent' };
    for (let attempt = 1; attempt <= retry.attempts && pending.length > 0; attempt++) {
      if (attempt > 1) {
        // Full jitter: retries of concurrent shards do not land together.
        await sleep(random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 2)));
      }
      let results: SendResult[];
      try {
        results = await sink.send(pending.map(({ entry }) => entry));
      } catch (error) {
        const name = error instanceof Error ? error.name : 'Error';
        const message = error instanceof Error ? error.message : String(error);
        results = pending.map(() => ({ ok: false, errorCode: name, errorMessage: message }));
      }
      const stillPending: typeof pending = [];
      pending.forEach((item, position) => {
        const result = results[position] ?? { ok: false, errorCode: 'NoResult' };
        if (!result.ok) {
          stillPending.push(item);
          lastFailure = result;
        }
      });
      pending = stillPending;
    }
    const first = pending[0];
    if (first !== undefined) {
      return {
        index: first.index,
        errorCode: lastFailure.errorCode,
        ...(lastFailure.errorMessage === undefined ? {} : { errorMessage: lastFailure.errorMessage }),
      };
    }
  }
  return undefined;
}
