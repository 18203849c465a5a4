/**
 * Where the fan-out delivers events: EventBridge in AWS, a local sink in `npm start`. Both sit
 * behind this interface so that the batching, retry and failure rules are the same code.
 */
import type { OutboundEvent } from './entries.ts';

/** The fate of one entry of a send. */
export type SendResult = { ok: true } | { ok: false; errorCode: string; errorMessage?: string };

/**
 * Delivers a batch of entries (at most 10, at most 256 KiB in all) and answers one result per
 * entry, in order. A thrown error means none of them was delivered.
 */
export interface EventSink {
  send(entries: readonly OutboundEvent[]): Promise<SendResult[]>;
}
