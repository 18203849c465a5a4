/**
 * Starts one DynamoDB Local for the whole test run on a free loopback port; connected tests
 * each create their own table in it (see `dynamodb.ts`).
 */
import type { TestProject } from 'vitest/node';
import { startLocalDynamoDb, type LocalDynamoDb } from '../../functions/adapters/dynamodb/local-dynamodb.ts';

let local: LocalDynamoDb | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export async function setup(project: TestProject): Promise<void> {
  local = await startLocalDynamoDb();
  project.provide('dynamodbEndpoint', local.endpoint);
}

export async function teardown(): Promise<void> {
  await local?.stop();
}
