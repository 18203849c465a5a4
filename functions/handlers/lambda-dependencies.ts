/**
 * Dependencies of the SCIM Lambdas, built once per execution environment at module load: a bad
 * deploy (a missing variable) fails at cold start rather than at the first request. One DynamoDB
 * client and one logger serve the whole handler.
 */
import { createDocumentClient, createDynamoDbClient } from '../adapters/dynamodb/client.ts';
import { DynamoDbScimRepository } from '../adapters/dynamodb/scim-repository.ts';
import { requiredEnv } from '../auth/config.ts';
import { tokenVerifierFromEnv } from '../auth/token-verifier.ts';
import { DirectoryService } from '../service/directory-service.ts';
import { createLogger, type ScimHandlerDependencies } from './scim-handler.ts';

const documentClient = createDocumentClient(createDynamoDbClient());
const logger = createLogger();

/** Authentication and logging, from TOKEN_SECRET_PREFIX, TOKEN_CACHE_TTL_SECONDS, TABLE_NAME and SCIM_BASE_URL. */
export function lambdaDependencies(): ScimHandlerDependencies {
  const dependencies: ScimHandlerDependencies = { verifier: tokenVerifierFromEnv({ documentClient, logger }), logger };
  const scimBaseUrl = process.env.SCIM_BASE_URL;
  if (scimBaseUrl !== undefined && scimBaseUrl !== '') dependencies.scimBaseUrl = scimBaseUrl;
  return dependencies;
}

/** The directory service on the table named by TABLE_NAME. */
export function lambdaDirectoryService(): DirectoryService {
  const tableName = requiredEnv('TABLE_NAME');
  return new DirectoryService(new DynamoDbScimRepository({ documentClient, tableName }));
}
