/**
 * Reading token secrets from AWS Secrets Manager: all the SCIM functions need on the request
 * path. Kept apart from the writing store (`secret-store.ts`) so that their bundles carry only the
 * one Secrets Manager command they use. SDK errors never leave this module's classes.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** A secret's value and the version it was read at (opaque; only `replace` interprets it). */
export interface VersionedSecret {
  value: string;
  version: string;
}

/** What went wrong in the secret store, independent of the backend. */
export type SecretStoreFailure = 'accessDenied' | 'throttled' | 'invalidRequest' | 'unavailable' | 'corrupt' | 'exists' | 'conflict';

/** A secret store failure. `cause` holds the backend's own error. */
export class SecretStoreError extends Error {
  override readonly name = 'SecretStoreError';
  readonly failure: SecretStoreFailure;
  readonly secretName: string;

  constructor(failure: SecretStoreFailure, secretName: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.failure = failure;
    this.secretName = secretName;
  }
}

/** The name of an SDK error, or '' (the AWS error names are the documented exception types). */
export function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : '';
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Maps an SDK error to a SecretStoreError. */
export function toStoreError(operation: string, secretName: string, error: unknown): SecretStoreError {
  const name = errorName(error);
  const failure: SecretStoreFailure =
    name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnrecognizedClientException'
      ? 'accessDenied'
      : name === 'ThrottlingException' || name === 'TooManyRequestsException' || name === 'LimitExceededException'
        ? 'throttled'
        : name === 'InvalidRequestException' || name === 'InvalidParameterException' || name === 'ValidationException'
          ? 'invalidRequest'
          : 'unavailable';
  return new SecretStoreError(failure, secretName, `Secrets Manager ${operation} failed for ${secretName}: ${name || errorMessage(error)}`, {
    cause: error,
  });
}

/** A secret scheduled for deletion answers InvalidRequestException to reads; for us it is already gone. */
export function isScheduledForDeletion(error: unknown): boolean {
  return errorName(error) === 'InvalidRequestException' && /deleted|deletion/i.test(errorMessage(error));
}

/**
 * Reads secrets from AWS Secrets Manager. The client is injected so it is created once per
 * process and can be mocked at the SDK boundary in tests.
 */
export class SecretsManagerSecretReader {
  protected readonly client: SecretsManagerClient;

  constructor(client: SecretsManagerClient) {
    this.client = client;
  }

  /** The secret's string, or undefined when there is no such secret (or it is being deleted). */
  async get(name: string): Promise<string | undefined> {
    return (await this.read(name))?.value;
  }

  /** The secret's string with its current version id. */
  async read(name: string): Promise<VersionedSecret | undefined> {
    try {
      const output = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      if (output.SecretString === undefined) {
        throw new SecretStoreError('corrupt', name, `Secret ${name} holds binary data, not a string`);
      }
      return { value: output.SecretString, version: output.VersionId ?? '' };
    } catch (error) {
      if (error instanceof SecretStoreError) throw error;
      if (errorName(error) === 'ResourceNotFoundException' || isScheduledForDeletion(error)) return undefined;
      throw toStoreError('GetSecretValue', name, error);
    }
  }
}
