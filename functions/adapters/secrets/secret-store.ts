/**
 * Secret storage for directory token hashes: AWS Secrets Manager in the cloud, a JSON file for
 * local runs. Callers see only names and string values; SDK errors never leave this module.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** A key-value store of secret strings. `get` answers undefined for a secret that does not exist. */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  put(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** What went wrong in the secret store, independent of the backend. */
export type SecretStoreFailure = 'accessDenied' | 'throttled' | 'invalidRequest' | 'unavailable' | 'corrupt';

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

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : '';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Maps an SDK error to a SecretStoreError; the AWS error names are the documented exception types. */
function toStoreError(operation: string, secretName: string, error: unknown): SecretStoreError {
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
function isScheduledForDeletion(error: unknown): boolean {
  return errorName(error) === 'InvalidRequestException' && /deleted|deletion/i.test(errorMessage(error));
}

/**
 * AWS Secrets Manager as a SecretStore. The client is injected so it is created once per
 * process and can be mocked at the SDK boundary in tests.
 */
export class SecretsManagerSecretStore implements SecretStore {
  readonly #client: SecretsManagerClient;
  readonly #kmsKeyId: string | undefined;

  /** `kmsKeyId`: customer-managed key for secrets this store creates (default: the aws/secretsmanager key). */
  constructor(client: SecretsManagerClient, options: { kmsKeyId?: string } = {}) {
    this.#client = client;
    this.#kmsKeyId = options.kmsKeyId;
  }

  async get(name: string): Promise<string | undefined> {
    try {
      const output = await this.#client.send(new GetSecretValueCommand({ SecretId: name }));
      if (output.SecretString === undefined) {
        throw new SecretStoreError('corrupt', name, `Secret ${name} holds binary data, not a string`);
      }
      return output.SecretString;
    } catch (error) {
      if (error instanceof SecretStoreError) throw error;
      if (errorName(error) === 'ResourceNotFoundException' || isScheduledForDeletion(error)) return undefined;
      throw toStoreError('GetSecretValue', name, error);
    }
  }

  /** Writes a new version of the secret, creating the secret on first use. */
  async put(name: string, value: string): Promise<void> {
    try {
      await this.#client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      return;
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw toStoreError('PutSecretValue', name, error);
    }
    try {
      await this.#client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          Description: 'scim-directory-sync bearer token hashes of one directory',
          ...(this.#kmsKeyId === undefined ? {} : { KmsKeyId: this.#kmsKeyId }),
        }),
      );
    } catch (error) {
      // Another writer created it between our two calls: write our value as its next version.
      if (errorName(error) !== 'ResourceExistsException') throw toStoreError('CreateSecret', name, error);
      try {
        await this.#client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      } catch (retryError) {
        throw toStoreError('PutSecretValue', name, retryError);
      }
    }
  }

  /**
   * Deletes the secret at once. The recovery window is skipped on purpose: the secret holds only
   * hashes of tokens that must stop working, and a secret pending deletion keeps its name taken.
   */
  async delete(name: string): Promise<void> {
    try {
      await this.#client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException' || isScheduledForDeletion(error)) return;
      throw toStoreError('DeleteSecret', name, error);
    }
  }
}

/**
 * A SecretStore backed by one JSON file (`{ "<name>": "<value>" }`), for the local runtime and tests.
 * Every read goes to the file, so a CLI in another process sees the runtime's writes and vice versa.
 * Writes replace the file atomically (temporary file + rename) with owner-only permissions; writes
 * from this process are serialised, but two processes writing at the same instant may lose one write.
 */
export class FileSecretStore implements SecretStore {
  readonly #filePath: string;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(filePath: string) {
    this.#filePath = filePath;
  }

  async get(name: string): Promise<string | undefined> {
    const secrets = await this.#read();
    return Object.hasOwn(secrets, name) ? secrets[name] : undefined;
  }

  async put(name: string, value: string): Promise<void> {
    await this.#update((secrets) => {
      secrets[name] = value;
    });
  }

  async delete(name: string): Promise<void> {
    await this.#update((secrets) => {
      delete secrets[name];
    });
  }

  async #read(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.#filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new SecretStoreError('unavailable', this.#filePath, `Cannot read secrets file ${this.#filePath}`, { cause: error });
    }
    if (text.trim() === '') return {};
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new SecretStoreError('corrupt', this.#filePath, `Secrets file ${this.#filePath} is not valid JSON`, { cause: error });
    }
    // Checked by hand rather than with a schema, so that a name such as "__proto__" stays a plain key.
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new SecretStoreError('corrupt', this.#filePath, `Secrets file ${this.#filePath} must hold a JSON object`);
    }
    const secrets = Object.create(null) as Record<string, string>;
    for (const [name, value] of Object.entries(json)) {
      if (typeof value !== 'string') throw new SecretStoreError('corrupt', this.#filePath, `Secrets file ${this.#filePath} must map names to strings`);
      secrets[name] = value;
    }
    return secrets;
  }

  #update(change: (secrets: Record<string, string>) => void): Promise<void> {
    const run = async () => {
      const secrets = await this.#read();
      change(secrets);
      const directory = dirname(this.#filePath);
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const temporary = join(directory, `.${basename(this.#filePath)}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await writeFile(temporary, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
        // writeFile's mode is filtered by the umask; make sure the file is owner-only regardless.
        await chmod(temporary, 0o600);
        await rename(temporary, this.#filePath);
      } catch (error) {
        await rm(temporary, { force: true });
        throw new SecretStoreError('unavailable', this.#filePath, `Cannot write secrets file ${this.#filePath}`, { cause: error });
      }
    };
    const next = this.#writes.then(run, run);
    this.#writes = next.catch(() => undefined);
    return next;
  }
}
