/**
 * DynamoDB clients and table bootstrap. Clients are created once per process and injected.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableInput, TABLE_DEFINITION } from './table-definition.ts';

export interface DynamoDbConnection {
  /** Endpoint override (DynamoDB Local); undefined means the regional AWS endpoint. */
  endpoint?: string;
  region?: string;
}

/** The low-level client. Local endpoints get dummy credentials so no AWS profile is needed. */
export function createDynamoDbClient(connection: DynamoDbConnection = {}): DynamoDBClient {
  const local = connection.endpoint !== undefined;
  return new DynamoDBClient({
    ...(local ? { endpoint: connection.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    region: connection.region ?? process.env.AWS_REGION ?? 'us-east-1',
    maxAttempts: 5,
  });
}

/** The document client used by the repository: plain JS values in and out. */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
}

/** Creates the table from the shared definition unless it exists, and waits until it is active. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE_DEFINITION.timeToLiveAttribute, Enabled: true },
    }),
  ).catch(() => undefined);
}
