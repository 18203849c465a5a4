import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore, PENDING_VERSION_STAGE, SecretsManagerSecretStore, SecretStoreError } from '../../../functions/adapters/secrets/secret-store.ts';

const NAME = 'scim-directory-sync/tokens/abc';
const meta = { $metadata: {} };
/** Errors such as AccessDenied or Throttling are not modelled as classes by the SDK; only their name tells them apart. */
const awsError = (name: string) => Object.assign(new Error(name), { name, $metadata: {} });
const notFound = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", ...meta });

describe('SecretsManagerSecretStore', () => {
  const sm = mockClient(SecretsManagerClient);
  const store = new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' }));

  beforeEach(() => sm.reset());

  it('reads a secret string by name', async () => {
    sm.on(GetSecretValueCommand, { SecretId: NAME }).resolves({ SecretString: '{"a":1}' });
    expect(await store.get(NAME)).toBe('{"a":1}');
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: NAME }]);
  });

  it('answers undefined for a missing secret or one scheduled for deletion', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(notFound()).rejectsOnce(
      new InvalidRequestException({ message: 'You tried to perform the operation on a secret that\'s currently marked deleted.', ...meta }),
    );
    expect(await store.get(NAME)).toBeUndefined();
    expect(await store.get(NAME)).toBeUndefined();
  });

  it('maps other SDK errors to a SecretStoreError with the failure kind and the cause', async () => {
    const denied = awsError('AccessDeniedException');
    sm.on(GetSecretValueCommand).rejectsOnce(denied).rejectsOnce(awsError('ThrottlingException'));
    const first = await store.get(NAME).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(SecretStoreError);
    expect(first).toMatchObject({ name: 'SecretStoreError', failure: 'accessDenied', secretName: NAME, cause: denied });
    await expect(store.get(NAME)).rejects.toMatchObject({ failure: 'throttled' });
  });

  it('refuses a binary secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });
    await expect(store.get(NAME)).rejects.toMatchObject({ failure: 'corrupt' });
  });

  it('reads the value with its version', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'v1', VersionId: 'ver-1' });
    expect(await store.read(NAME)).toEqual({ value: 'v1', version: 'ver-1' });
  });

  it('creates a secret, and reports one that exists already', async () => {
    sm.on(CreateSecretCommand).resolvesOnce({}).rejectsOnce(new ResourceExistsException({ message: 'exists', ...meta })).rejectsOnce(awsError('AccessDeniedException'));
    await store.create(NAME, 'v1');
    expect(sm.commandCalls(CreateSecretCommand).map((c) => c.args[0].input)).toEqual([
      { Name: NAME, SecretString: 'v1', Description: expect.any(String) as string },
    ]);
    await expect(store.create(NAME, 'v1')).rejects.toMatchObject({ name: 'SecretStoreError', failure: 'exists' });
    await expect(store.create(NAME, 'v1')).rejects.toMatchObject({ name: 'SecretStoreError', failure: 'accessDenied' });
  });

  it('creates secrets with the customer-managed key when one is configured', async () => {
    sm.on(CreateSecretCommand).resolves({});
    await new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' }), { kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k' }).create(NAME, 'v1');
    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input.KmsKeyId).toBe('arn:aws:kms:us-east-1:111122223333:key/k');
  });

  it('replaces a value as a pending version, then moves AWSCURRENT to it from the version read', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    sm.on(UpdateSecretVersionStageCommand).resolves({});
    await store.replace(NAME, 'v2', 'ver-1');
    const put = sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
    expect(put).toEqual({ SecretId: NAME, SecretString: 'v2', ClientRequestToken: expect.any(String) as string, VersionStages: [PENDING_VERSION_STAGE] });
    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: NAME, VersionStage: 'AWSCURRENT', MoveToVersionId: put?.ClientRequestToken, RemoveFromVersionId: 'ver-1' },
    ]);
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
  });

  it('answers conflict when another version became current since the read', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    sm.on(UpdateSecretVersionStageCommand).rejects(awsError('InvalidParameterException'));
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'theirs', VersionId: 'ver-2' });
    await expect(store.replace(NAME, 'v2', 'ver-1')).rejects.toMatchObject({ name: 'SecretStoreError', failure: 'conflict' });
  });

  it('reports a failed move as itself when the version read is still current', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    sm.on(UpdateSecretVersionStageCommand).rejects(awsError('AccessDeniedException'));
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'v1', VersionId: 'ver-1' });
    await expect(store.replace(NAME, 'v2', 'ver-1')).rejects.toMatchObject({ failure: 'accessDenied' });
  });

  it('never recreates a deleted secret: replacing it answers conflict', async () => {
    sm.on(PutSecretValueCommand).rejects(notFound());
    await expect(store.replace(NAME, 'v2', 'ver-1')).rejects.toMatchObject({ failure: 'conflict' });
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
  });

  it('deletes without a recovery window, and ignores a secret that is already gone', async () => {
    sm.on(DeleteSecretCommand).resolvesOnce({}).rejectsOnce(notFound()).rejectsOnce(awsError('ThrottlingException'));
    await store.delete(NAME);
    await store.delete(NAME);
    await expect(store.delete(NAME)).rejects.toMatchObject({ failure: 'throttled' });
    expect(sm.commandCalls(DeleteSecretCommand)[0]?.args[0].input).toEqual({ SecretId: NAME, ForceDeleteWithoutRecovery: true });
  });
});

describe('FileSecretStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secrets-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores, reads and deletes secrets in one owner-only JSON file', async () => {
    const file = join(dir, 'nested', 'secrets.json');
    const store = new FileSecretStore(file);
    expect(await store.get('a')).toBeUndefined();
    await store.create('a', 'one');
    await store.create('__proto__', 'odd name');
    expect(await store.get('a')).toBe('one');
    expect(await store.get('__proto__')).toBe('odd name');
    expect(await store.get('toString')).toBeUndefined();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ a: 'one', ['__proto__']: 'odd name' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    await store.delete('a');
    await store.delete('missing');
    expect(await store.get('a')).toBeUndefined();
    // Only the file itself is left: temporary files were renamed over it.
    expect(await readdir(join(dir, 'nested'))).toEqual(['secrets.json']);
  });

  it('keeps every one of many concurrent writes from this process', async () => {
    const store = new FileSecretStore(join(dir, 'secrets.json'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(`s${i}`, String(i))));
    const reader = new FileSecretStore(join(dir, 'secrets.json'));
    for (let i = 0; i < 20; i++) expect(await reader.get(`s${i}`)).toBe(String(i));
  });

  it('replaces a value only at the version it was read, and never recreates a deleted secret', async () => {
    const file = join(dir, 'secrets.json');
    const store = new FileSecretStore(file);
    await store.create('a', 'one');
    await expect(store.create('a', 'again')).rejects.toMatchObject({ failure: 'exists' });
    const first = await store.read('a');
    // Two stores on one file (two admin services in one process) take turns, so the second loses.
    const other = new FileSecretStore(file);
    const results = await Promise.allSettled([store.replace('a', 'two', first?.version ?? ''), other.replace('a', 'three', first?.version ?? '')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(results[1]).toMatchObject({ reason: { failure: 'conflict' } });
    expect(await store.get('a')).toBe('two');
    await store.delete('a');
    await expect(store.replace('a', 'four', first?.version ?? '')).rejects.toMatchObject({ failure: 'conflict' });
    expect(await store.get('a')).toBeUndefined();
  });

  it('reports a corrupt file instead of treating it as empty', async () => {
    const file = join(dir, 'secrets.json');
    await writeFile(file, '{ not json');
    await expect(new FileSecretStore(file).get('a')).rejects.toMatchObject({ name: 'SecretStoreError', failure: 'corrupt' });
    await writeFile(file, '{"a": 1}');
    await expect(new FileSecretStore(file).create('b', 'x')).rejects.toMatchObject({ failure: 'corrupt' });
    expect(await readFile(file, 'utf8')).toBe('{"a": 1}');
  });
});
