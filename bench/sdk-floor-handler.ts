/**
 * The second baseline of the cold-start measurement (bench/cold-start.ts): a handler that imports
 * the AWS SDK clients every SCIM handler needs (DynamoDB, its document client, Secrets Manager)
 * and does nothing else, not even build them. Bundled like the real handlers, it is the floor of
 * a SCIM handler's initialisation while the SDK is bundled: what loading the SDK, and the Node
 * modules it loads (https, tls, streams, crypto), costs before any of the project's code runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const handler = async () => ({ statusCode: 204, body: '', clients: [DynamoDBClient, DynamoDBDocumentClient, SecretsManagerClient].length });
