/**
 * Dependencies of the SCIM Lambdas, built once per execution environment at module load: a bad
 * deploy (a missing variable) fails at cold start rather than at the first request. One DynamoDB
 * client and one logger serve the whole handler.
 */
import { createDocumentClient, createDynamoDbClient } from '../adapters/dynamodb/client.ts';
import { DynamoDbScimRepository } from '../adapters/dynamodb/scim-repository.ts';
import { requiredEnv } from '../auth/config.ts';
import { ENV } from '../config/environment.ts';
import { tokenVerifierFromEnv } from '../auth/token-verifier.ts';
import { DirectoryService } from '../service/directory-service.ts';
import { createLogger, type ScimHandlerDependencies } from './scim-handler.ts';

const documentClient = createDocumentClient(createDynamoDbClient());
const logger = createLogger();

/** Authentication and logging, from TOKEN_SECRET_PREFIX, TOKEN_CACHE_TTL_SECONDS, TABLE_NAME and SCIM_BASE_URL. */
export function lambdaDependencies(): ScimHandlerDependencies {
  const dependencies: ScimHandlerDependencies = { verifier: tokenVerifierFromEnv({ documentClient, logger }), logger };
  const scimBaseUrl = process.env[ENV.scimBaseUrl];
  if (scimBaseUrl !== undefined && scimBaseUrl !== '') dependencies.scimBaseUrl = scimBaseUrl;
  return dependencies;
}

/** The directory service on the table named by TABLE_NAME. */
export function lambdaDirectoryService(): DirectoryService {
  const tableName = requiredEnv(ENV.tableName);
  return new DirectoryService(new DynamoDbScimRepository({ documentClient, tableName }));
}
