/**
 * Secret storage for directory token hashes: AWS Secrets Manager in the cloud, a JSON file for
 * local runs. Callers see only names, string values and opaque versions; SDK errors never leave
 * this module.
 *
 * A secret is created once (`create`), and from then on only replaced conditionally (`replace`
 * with the version it was read at), never created by a write: a writer that stalled past its lease
 * can neither overwrite a newer value nor bring back a secret that was deleted meanwhile.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { CreateSecretCommand, DeleteSecretCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { errorName, isScheduledForDeletion, SecretsManagerSecretReader, SecretStoreError, toStoreError, type VersionedSecret } from './secret-reader.ts';

export { SecretsManagerSecretReader, SecretStoreError, type SecretStoreFailure, type VersionedSecret } from './secret-reader.ts';

/** A key-value store of secret strings. `get` and `read` answer undefined for a secret that does not exist. */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  /** The value with its current version. */
  read(name: string): Promise<VersionedSecret | undefined>;
  /** Creates the secret; fails with `exists` if it is there already. */
  create(name: string, value: string): Promise<void>;
  /**
   * Replaces the value only if `expectedVersion` is still the current one; fails with `conflict`
   * when another write landed since, or the secret was deleted (it is never recreated here).
   */
  replace(name: string, value: string, expectedVersion: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/**
 * Staging label of a version written by `replace` but not yet current. Secrets Manager moves a
 * label to each new version that names it, so at most one such version keeps it; versions left
 * without labels are deprecated and removed by Secrets Manager.
 */
export const PENDING_VERSION_STAGE = 'SCIMDS_PENDING';
const CURRENT_VERSION_STAGE = 'AWSCURRENT';

/**
 * AWS Secrets Manager as a SecretStore. The client is injected so it is created once per
 * process and can be mocked at the SDK boundary in tests.
 */
export class SecretsManagerSecretStore extends SecretsManagerSecretReader implements SecretStore {
  readonly #kmsKeyId: string | undefined;

  /** `kmsKeyId`: customer-managed key for secrets this store creates (default: the aws/secretsmanager key). */
  constructor(client: SecretsManagerClient, options: { kmsKeyId?: string } = {}) {
    super(client);
    this.#kmsKeyId = options.kmsKeyId;
  }

  async create(name: string, value: string): Promise<void> {
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          Description: 'scim-directory-sync bearer token hashes of one directory',
          ...(this.#kmsKeyId === undefined ? {} : { KmsKeyId: this.#kmsKeyId }),
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ResourceExistsException' || isScheduledForDeletion(error)) {
        throw new SecretStoreError('exists', name, `Secret ${name} exists already`, { cause: error });
      }
      throw toStoreError('CreateSecret', name, error);
    }
  }

  /**
   * Compare-and-set in two calls, since PutSecretValue has no condition: the value is written as
   * a version that is not current yet, then `AWSCURRENT` is moved to it from `expectedVersion`.
   * Secrets Manager refuses that move when the label is on another version by then, so a write
   * that lost a race never becomes what request authentication reads.
   */
  async replace(name: string, value: string, expectedVersion: string): Promise<void> {
    const version = randomUUID();
    try {
      await this.client.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: value, ClientRequestToken: version, VersionStages: [PENDING_VERSION_STAGE] }),
      );
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException' || isScheduledForDeletion(error)) throw this.#conflict(name, error);
      throw toStoreError('PutSecretValue', name, error);
    }
    try {
      await this.client.send(
        new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: CURRENT_VERSION_STAGE, MoveToVersionId: version, RemoveFromVersionId: expectedVersion }),
      );
    } catch (error) {
      // Tell a lost race from any other failure by what is current now.
      const current = await this.read(name).catch(() => undefined);
      if (current === undefined || current.version !== expectedVersion) throw this.#conflict(name, error);
      throw toStoreError('UpdateSecretVersionStage', name, error);
    }
  }

  #conflict(name: string, cause: unknown): SecretStoreError {
    return new SecretStoreError('conflict', name, `Secret ${name} changed or was deleted since it was read; nothing was written`, { cause });
  }

  /**
   * Deletes the secret at once. The recovery window is skipped on purpose: the secret holds only
   * hashes of tokens that must stop working, and a secret pending deletion keeps its name taken.
   */
  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException' || isScheduledForDeletion(error)) return;
      throw toStoreError('DeleteSecret', name, error);
    }
  }
}

/** The version of a file-stored secret: a digest of its value, so the file format stays `{ name: value }`. */
function contentVersion(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Write queues per file, shared by every FileSecretStore of the process on that file. */
const fileWrites = new Map<string, Promise<unknown>>();

/**
 * A SecretStore backed by one JSON file (`{ "<name>": "<value>" }`), for the local runtime and tests.
 * Every read goes to the file, so a CLI in another process sees the runtime's writes and vice versa.
 * Writes replace the file atomically (temporary file + rename) with owner-only permissions; writes
 * to one file from this process are serialised (so `replace` is an exact compare-and-set here),
 * but two processes writing at the same instant may lose one write.
 */
export class FileSecretStore implements SecretStore {
  readonly #filePath: string;

  constructor(filePath: string) {
    this.#filePath = filePath;
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.read(name))?.value;
  }

  async read(name: string): Promise<VersionedSecret | undefined> {
    const secrets = await this.#read();
    const value = Object.hasOwn(secrets, name) ? secrets[name] : undefined;
    return value === undefined ? undefined : { value, version: contentVersion(value) };
  }

  async create(name: string, value: string): Promise<void> {
    await this.#update((secrets) => {
      if (Object.hasOwn(secrets, name)) throw new SecretStoreError('exists', name, `Secret ${name} exists already`);
      secrets[name] = value;
    });
  }

  async replace(name: string, value: string, expectedVersion: string): Promise<void> {
    await this.#update((secrets) => {
      const current = Object.hasOwn(secrets, name) ? secrets[name] : undefined;
      if (current === undefined || contentVersion(current) !== expectedVersion) {
        throw new SecretStoreError('conflict', name, `Secret ${name} changed or was deleted since it was read; nothing was written`);
      }
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
    const previous = fileWrites.get(this.#filePath) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.catch(() => undefined);
    fileWrites.set(this.#filePath, settled);
    void settled.then(() => {
      if (fileWrites.get(this.#filePath) === settled) fileWrites.delete(this.#filePath);
    });
    return next;
  }
}
