/**
 * Dependencies of the SCIM Lambdas, built once per execution environment at module load: a bad
 * deploy (a missing variable) fails at cold start rather than at the first request. One DynamoDB
 * client and one logger serve the whole handler. This is where the adapters are wired to the
 * ports of the verifier, the activity log and the directory service.
 *
 * The AWS SDK clients themselves are built on their first request ({@link lazily}): building one
 * resolves its whole configuration (region, endpoint rules, retry strategy, credential provider),
 * about a tenth of a SCIM handler's module initialisation (docs/benchmarks.md, cold start), and
 * nothing of it can fail for want of a variable this module checks. The first request of a cold
 * start needs both clients, so it does that work instead: Init is shorter, the cold request is not.
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

/**
 * A stand-in for `create()`'s result that builds it on first use: every property read (a method
 * such as `send`, bound to the real object) goes to the one instance built then.
 */
export function lazily<T extends object>(create: () => T): T {
  let instance: T | undefined;
  return new Proxy({} as T, {
    get(_target, property) {
      instance ??= create();
      const value: unknown = Reflect.get(instance, property, instance);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(instance) : value;
    },
  });
}

const documentClient = lazily(() => createDocumentClient(createDynamoDbClient()));
const secretsManager = lazily(() => createSecretsManagerClient());
const logger = createLogger();

/**
 * Authentication, activity recording and logging, from TABLE_NAME, TOKEN_SECRET_PREFIX,
 * TOKEN_CACHE_TTL_SECONDS, ACTIVITY_RETENTION_DAYS and SCIM_BASE_URL.
 */
export function lambdaDependencies(): ScimHandlerDependencies {
  const tableName = requiredEnv(ENV.tableName);
  const activity = new DynamoDbActivityLog({ documentClient, tableName, retentionDays: activityRetentionDaysFromEnv() });
  const verifier = new TokenVerifier(new SecretsManagerSecretReader(secretsManager), {
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
