/**
 * The stream's dead-letter queue on SQS: the fan-out sends it the records it can keep nowhere
 * else, and `events redrive --from-queue` reads them back (functions/fanout/queued-records.ts).
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterQueue, DeadLetterReader, ReceivedMessage } from '../../fanout/queued-records.ts';

/** SQS answers at most 10 messages a receive, and changes at most 10 visibilities a call. */
const SQS_BATCH = 10;
/**
 * How long a received message stays hidden from other readers: longer than one redrive takes to
 * publish a message's events, so that two redrives running at once do not publish it twice.
 */
const VISIBILITY_TIMEOUT_SECONDS = 120;

/**
 * @example
 * const queue = new SqsDeadLetterQueue(new SQSClient({}), process.env.DEAD_LETTER_QUEUE_URL);
 */
export class SqsDeadLetterQueue implements DeadLetterQueue, DeadLetterReader {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async send(body: string): Promise<void> {
    await this.#client.send(new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: body }));
  }

  async receive(max: number): Promise<ReceivedMessage[]> {
    const { Messages = [] } = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(SQS_BATCH, max)),
        VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
        // A short wait asks every SQS server, so an almost empty queue still answers its messages.
        WaitTimeSeconds: 1,
      }),
    );
    return Messages.flatMap((message) => (message.Body === undefined || message.ReceiptHandle === undefined ? [] : [{ body: message.Body, receipt: message.ReceiptHandle }]));
  }

  async remove(receipt: string): Promise<void> {
    await this.#client.send(new DeleteMessageCommand({ QueueUrl: this.#queueUrl, ReceiptHandle: receipt }));
  }

  async release(receipts: string[]): Promise<void> {
    for (let start = 0; start < receipts.length; start += SQS_BATCH) {
      const entries = receipts.slice(start, start + SQS_BATCH).map((receipt, i) => ({ Id: String(start + i), ReceiptHandle: receipt, VisibilityTimeout: 0 }));
      await this.#client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries }));
    }
  }
}
