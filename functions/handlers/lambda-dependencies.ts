/**
 * Dependencies of the SCIM Lambdas, built once per execution environment at module load: a bad
 * deploy (a missing variable) fails at cold start rather than at the first request. One DynamoDB
 * client and one logger serve the whole handler. This is where the adapters are wired to the
 * ports of the verifier, the activity log and the directory service.
 */
import { createSecretsManagerClient } from '../adapters/secrets/client.ts';
import { activityRetentionDaysFromEnv } from '../activity/config.ts';
import { DynamoDbActivityLog } from '../adapters/dynamodb/activity-writer.ts';
import { createDocumentClient, createDynamoDbClient } from '../adapters/dynamodb/client.ts';
import { DirectoryRepository } from '../adapters/dynamodb/directory-repository.ts';
import { DynamoDbScimRepository } from '../adapters/dynamodb/scim-repository.ts';
import { SecretsManagerSecretReader } from '../adapters/secrets/secret-reader.ts';
import { requiredEnv, tokenCacheTtlMsFromEnv } from '../auth/config.ts';
import { ENV } from '../config/environment.ts';
import { recordTokenAndRequest, TokenVerifier } from '../auth/token-verifier.ts';
import { DEFAULT_TOKEN_SECRET_PREFIX } from '../auth/token-secret.ts';
import { DirectoryService } from '../service/directory-service.ts';
import { createLogger, type ScimHandlerDependencies } from './scim-handler.ts';

const documentClient = createDocumentClient(createDynamoDbClient());
const logger = createLogger();

/**
 * Authentication, activity recording and logging, from TABLE_NAME, TOKEN_SECRET_PREFIX,
 * TOKEN_CACHE_TTL_SECONDS, ACTIVITY_RETENTION_DAYS and SCIM_BASE_URL.
 */
export function lambdaDependencies(): ScimHandlerDependencies {
  const tableName = requiredEnv(ENV.tableName);
  const activity = new DynamoDbActivityLog({ documentClient, tableName, retentionDays: activityRetentionDaysFromEnv() });
  const verifier = new TokenVerifier(new SecretsManagerSecretReader(createSecretsManagerClient()), {
    secretPrefix: process.env[ENV.tokenSecretPrefix] || DEFAULT_TOKEN_SECRET_PREFIX,
    cacheTtlMs: tokenCacheTtlMsFromEnv(),
    recordUse: recordTokenAndRequest({ tokens: new DirectoryRepository(documentClient, tableName), requests: activity, logger }),
  });
  const dependencies: ScimHandlerDependencies = { verifier, logger, activity };
  const scimBaseUrl = process.env[ENV.scimBaseUrl];
  if (scimBaseUrl !== undefined && scimBaseUrl !== '') dependencies.scimBaseUrl = scimBaseUrl;
  return dependencies;
}

/** The directory service on the table named by TABLE_NAME (deletes keep their activity for ACTIVITY_RETENTION_DAYS). */
export function lambdaDirectoryService(): DirectoryService {
  const tableName = requiredEnv(ENV.tableName);
  return new DirectoryService(new DynamoDbScimRepository({ documentClient, tableName, activityRetentionDays: activityRetentionDaysFromEnv() }));
}
