/**
 * Two admin Lambdas changing one directory's tokens at the same moment: the secret lease makes
 * them take turns, so neither change is lost and a deletion cannot be undone by a late write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminService } from '../../functions/admin/admin-service.ts';
import { DirectoryRepository } from '../../functions/adapters/dynamodb/directory-repository.ts';
import { FileSecretStore } from '../../functions/adapters/secrets/secret-store.ts';
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
