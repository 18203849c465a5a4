/**
 * Counts the DynamoDB requests a client sends, by operation, with their inputs: the cost of a
 * SCIM operation is asserted in round trips, not guessed.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface RecordedRequest {
  command: string;
  input: Record<string, unknown>;
}

export class RequestCounter {
  readonly requests: RecordedRequest[] = [];

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        this.requests.push({ command: String(context.commandName).replace(/Command$/, ''), input: args.input as Record<string, unknown> });
        return next(args);
      },
      { step: 'initialize', name: 'testRequestCounter' },
    );
  }

  reset(): void {
    this.requests.length = 0;
  }

  /** Runs `work` and returns the requests it sent. */
  async during<T>(work: () => Promise<T>): Promise<{ result: T; requests: RecordedRequest[] }> {
    this.reset();
    const result = await work();
    return { result, requests: [...this.requests] };
  }
}

/** True for the one Query that reads a directory's counter shards. */
export const isCounterRead = (request: RecordedRequest) =>
  request.command === 'Query' && (request.input.ExpressionAttributeValues as Record<string, unknown> | undefined)?.[':counters'] !== undefined;

/** Names of the commands, e.g. ['GetItem', 'GetItem']. */
export const commandsOf = (requests: RecordedRequest[]) => requests.map((request) => request.command);
