/**
 * The EventBridge sink: one PutEvents call per batch, with per-entry results.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { OutboundEvent } from './entries.ts';
import type { EventSink, SendResult } from './sink.ts';

/**
 * Sends entries to one bus. PutEvents succeeds as a call even when some entries fail; those
 * carry an `ErrorCode` in the response, at the same position as in the request.
 *
 * @example
 * const sink = new EventBridgeSink(new EventBridgeClient({}), 'directory-events');
 */
export class EventBridgeSink implements EventSink {
  readonly #client: EventBridgeClient;
  readonly #eventBusName: string;

  constructor(client: EventBridgeClient, eventBusName: string) {
    this.#client = client;
    this.#eventBusName = eventBusName;
  }

  async send(entries: readonly OutboundEvent[]): Promise<SendResult[]> {
    const output = await this.#client.send(
      new PutEventsCommand({
        Entries: entries.map((entry) => ({
          EventBusName: this.#eventBusName,
          Source: entry.source,
          DetailType: entry.detailType,
          Detail: entry.detail,
          Time: entry.time,
        })),
      }),
    );
    const results = output.Entries ?? [];
    return entries.map((_, index): SendResult => {
      const result = results[index];
      if (result === undefined) return { ok: false, errorCode: 'NoResult', errorMessage: 'PutEvents answered no result for this entry' };
      if (result.ErrorCode !== undefined && result.ErrorCode !== '') {
        return { ok: false, errorCode: result.ErrorCode, ...(result.ErrorMessage === undefined ? {} : { errorMessage: result.ErrorMessage }) };
      }
      return { ok: true };
    });
  }
}
