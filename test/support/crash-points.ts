/**
 * Kills an operation between two storage calls: an SDK middleware on a DynamoDB client that lets
 * the first `n` commands through and fails every later one before it is sent, as if the Lambda
 * had been stopped there. Counting first (`armed` off) tells how many crash points an operation
 * has.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The error a killed command raises; nothing of it reached DynamoDB. */
export class KilledHere extends Error {
  override readonly name = 'KilledHere';
}

export class CrashPoints {
  #sent = 0;
  #allowed = Number.POSITIVE_INFINITY;
  #commands: string[] = [];

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (this.#sent >= this.#allowed) throw new KilledHere(`killed before storage call ${this.#sent + 1}`);
        this.#sent++;
        this.#commands.push(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'testCrashPoints' },
    );
  }

  /** Lets `calls` more commands through, then kills every later one. */
  killAfter(calls: number): void {
    this.#sent = 0;
    this.#commands = [];
    this.#allowed = calls;
  }

  /** Lets every command through, counting them from zero. */
  disarm(): void {
    this.#sent = 0;
    this.#commands = [];
    this.#allowed = Number.POSITIVE_INFINITY;
  }

  /** The names of the commands sent since the last killAfter or disarm (`TransactWriteItemsCommand` …). */
  get commands(): readonly string[] {
    return this.#commands;
  }

  /** Commands sent since the last killAfter or disarm. */
  get sent(): number {
    return this.#sent;
  }
}
