/**
 * Two admin Lambdas changing one directory's tokens at the same moment: the secret lease makes
 * them take turns, so neither change is lost and a deletion cannot be undone by a late write; and
 * a holder that stalls past its lease is fenced off by the secret's version.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type CreateSecretCommandInput,
  type PutSecretValueCommandInput,
  type SecretsManagerClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminService } from '../../functions/admin/admin-service.ts';
import { DirectoryRepository } from '../../functions/adapters/dynamodb/directory-repository.ts';
import { FileSecretStore, SecretsManagerSecretStore } from '../../functions/adapters/secrets/secret-store.ts';
import { TokenVerifier } from '../../functions/auth/token-verifier.ts';
import { adminFixture, BASE_URL, SECRET_PREFIX, type AdminFixture } from './fixtures.ts';

let fixture: AdminFixture;
let other: AdminService;

beforeAll(async () => {
  fixture = await adminFixture({ deletionDrainMs: 0 });
  // A second "Lambda": its own service, in-process queue and store object over the same table and secret.
  other = new AdminService({
    directories: new DirectoryRepository(fixture.table.documentClient, fixture.table.tableName),
    secretStore: new FileSecretStore(fixture.secretsFile),
    secretPrefix: SECRET_PREFIX,
    baseUrl: BASE_URL,
    deletionDrainMs: 0,
  });
});

afterAll(async () => {
  await fixture?.cleanup();
});

describe('the token-secret lease', () => {
  it('keeps a revoke and a concurrent create both', async () => {
    for (let round = 0; round < 5; round++) {
      const { directory, token } = await fixture.service.createDirectory({ name: `Lease ${round}`, provider: 'entra' });
      const [revoked, minted] = await Promise.all([fixture.service.revokeToken(directory.id, token.tokenId), other.createToken(directory.id, { label: 'second' })]);
      expect(revoked.state).toBe('revoked');
      expect(await fixture.verifier.verify(directory.id, token.token)).toEqual({ ok: false, reason: 'invalid' });
      expect(await fixture.verifier.verify(directory.id, minted.token)).toEqual({ ok: true, tokenId: minted.tokenId });
    }
  });

  it('refuses a token change that loses the race to a deletion, and leaves no secret behind', async () => {
    const { directory } = await fixture.service.createDirectory({ name: 'Doomed', provider: 'okta' });
    const [deleted, created] = await Promise.allSettled([fixture.service.deleteDirectory(directory.id, { budgetMs: 5_000 }), other.createToken(directory.id)]);
    expect(deleted.status).toBe('fulfilled');
    if (created.status === 'fulfilled') {
      // The create landed before the deletion took the lease; the deletion then removed its secret.
      expect(await fixture.verifier.verify(directory.id, created.value.token)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await fixture.store.get(`${SECRET_PREFIX}${directory.id}`)).toBeUndefined();
  });
});

/**
 * Secrets Manager's versions as the service keeps them, faked at the SDK boundary: a version per
 * write, `AWSCURRENT` on one of them, moved only away from the version named in
 * `RemoveFromVersionId`. A PutSecretValue without stages becomes current at once, as in AWS.
 */
function secretsManagerVersions(sm: AwsStub<ServiceInputTypes, ServiceOutputTypes, SecretsManagerClientResolvedConfig>) {
  sm.reset();
  const values = new Map<string, string>();
  let current: string | undefined;
  let gate: { arrived: () => void; wait: Promise<void> } | undefined;
  const notFound = () => Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
  sm.on(CreateSecretCommand).callsFake((input: CreateSecretCommandInput) => {
    if (current !== undefined) throw Object.assign(new Error('exists'), { name: 'ResourceExistsException' });
    current = randomUUID();
    values.set(current, input.SecretString ?? '');
    return { VersionId: current };
  });
  sm.on(GetSecretValueCommand).callsFake(() => {
    if (current === undefined) throw notFound();
    return { SecretString: values.get(current), VersionId: current };
  });
  sm.on(PutSecretValueCommand).callsFake(async (input: PutSecretValueCommandInput) => {
    const held = gate;
    gate = undefined;
    if (held !== undefined) {
      held.arrived();
      await held.wait;
    }
    if (current === undefined) throw notFound();
    const version = input.ClientRequestToken ?? randomUUID();
    values.set(version, input.SecretString ?? '');
    if (input.VersionStages === undefined) current = version;
    return { VersionId: version };
  });
  sm.on(UpdateSecretVersionStageCommand).callsFake((input: UpdateSecretVersionStageCommandInput) => {
    if (current === undefined) throw notFound();
    if (input.RemoveFromVersionId !== current) throw Object.assign(new Error('the label is on another version'), { name: 'InvalidParameterException' });
    current = input.MoveToVersionId;
    return {};
  });
  sm.on(DeleteSecretCommand).callsFake(() => {
    current = undefined;
    return {};
  });
  return {
    /** Holds the next PutSecretValue: `stalled` resolves once it is held, `release` lets it go on. */
    holdNextWrite(): { stalled: Promise<void>; release: () => void } {
      let release!: () => void;
      let arrived!: () => void;
      const wait = new Promise<void>((resolve) => (release = resolve));
      const stalled = new Promise<void>((resolve) => (arrived = resolve));
      gate = { arrived, wait };
      return { stalled, release };
    },
  };
}

/** An admin service on the fixture's table and the mocked Secrets Manager, on the given clock. */
function adminOnSecretsManager(clock: { now: number }): AdminService {
  return new AdminService({
    directories: new DirectoryRepository(fixture.table.documentClient, fixture.table.tableName),
    secretStore: new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' })),
    secretPrefix: SECRET_PREFIX,
    baseUrl: BASE_URL,
    now: () => clock.now,
    deletionDrainMs: 0,
  });
}

describe('a lease holder that stalls past its lease', () => {
  const sm = mockClient(SecretsManagerClient);
  afterAll(() => sm.restore());

  it('cannot overwrite the revoke written by the next holder', async () => {
    const versions = secretsManagerVersions(sm);
    const clock = { now: Date.now() };
    const [stalling, next] = [adminOnSecretsManager(clock), adminOnSecretsManager(clock)];
    const verifier = new TokenVerifier(new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' })), {
      secretPrefix: SECRET_PREFIX,
      cacheTtlMs: 0,
      unknownTtlMs: 0,
      now: () => clock.now,
    });
    const { directory, token } = await stalling.createDirectory({ name: 'Stalled', provider: 'entra' });

    // The first holder read the secret and is writing a new token when it stalls…
    const hold = versions.holdNextWrite();
    const late = stalling.createToken(directory.id, { label: 'late' }).then(
      (minted) => ({ minted }),
      (error: unknown) => ({ error }),
    );
    await hold.stalled;
    // …its 15 s lease lapses, and the next holder revokes the initial token.
    clock.now += 16_000;
    expect((await next.revokeToken(directory.id, token.tokenId)).state).toBe('revoked');
    // The stalled write finally goes out.
    hold.release();
    const outcome = await late;

    expect(outcome).toMatchObject({ error: { name: 'AdminError', code: 'conflict' } });
    expect(await verifier.verify(directory.id, token.token)).toEqual({ ok: false, reason: 'invalid' });
    expect((await next.listTokens(directory.id)).map((t) => [t.tokenId, t.state])).toEqual([[token.tokenId, 'revoked']]);
  });

  it('cannot bring back the secret of a directory deleted meanwhile', async () => {
    const versions = secretsManagerVersions(sm);
    const clock = { now: Date.now() };
    const [stalling, next] = [adminOnSecretsManager(clock), adminOnSecretsManager(clock)];
    const { directory } = await stalling.createDirectory({ name: 'Stalled then deleted', provider: 'okta' });
    const hold = versions.holdNextWrite();
    const late = stalling.rotateToken(directory.id).then(
      () => 'written',
      (error: unknown) => (error as { code?: string }).code,
    );
    await hold.stalled;
    clock.now += 16_000;
    await next.deleteDirectory(directory.id, { budgetMs: 5_000 });
    hold.release();
    expect(await late).toBe('conflict');
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(1);
    await expect(new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' })).get(`${SECRET_PREFIX}${directory.id}`)).resolves.toBeUndefined();
  });
});
