/**
 * Connected-test helpers: a fresh table in the test run's DynamoDB Local. They refuse any
 * endpoint that is not loopback, so a test can never touch real AWS.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoDbClient, ensureTable } from '../../functions/adapters/dynamodb/client.ts';

export interface TestTable {
  endpoint: string;
  tableName: string;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
}

export function localEndpoint(): string {
  const endpoint = inject('dynamodbEndpoint') as string | undefined;
  if (endpoint === undefined) {
    throw new Error('this test needs DynamoDB Local: list it in the connected project of vitest.config.ts');
  }
  const host = new URL(endpoint).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new Error(`connected tests run only against DynamoDB Local on loopback, not ${endpoint}`);
  }
  return endpoint;
}

/** Creates a uniquely named table from the shared definition. */
export async function createTestTable(prefix = 'test'): Promise<TestTable> {
  const endpoint = localEndpoint();
  const client = createDynamoDbClient({ endpoint, region: 'us-east-1' });
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTable(client, tableName);
  return { endpoint, tableName, client, documentClient: createDocumentClient(client) };
}
