import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { AdminError } from '../../functions/admin/admin-error.ts';
import type { DeleteProgress } from '../../functions/admin/admin-service.ts';
import { isWellFormedToken } from '../../functions/auth/token-format.ts';
import { parseTokenSecret } from '../../functions/auth/token-secret.ts';
import { adminFixture, BASE_URL, SECRET_PREFIX, seedDirectory, type AdminFixture } from './fixtures.ts';

const DAY = 86_400_000;
let fixture: AdminFixture | undefined;

afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

async function setup(options: { deletionDrainMs?: number } = {}): Promise<AdminFixture> {
  fixture = await adminFixture(options);
  return fixture;
}

async function refusal(promise: Promise<unknown>): Promise<AdminError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AdminError);
  return error as AdminError;
}

describe('AdminService: directories and tokens', () => {
  it('creates a directory whose first token verifies, and records it for the stream', async () => {
    const { service, verifier, table, store } = await setup();
    const created = await service.createDirectory({ name: '  Hero SaaS ', provider: 'entra', organizationId: 'org-42' });

    expect(created.directory).toMatchObject({ name: 'Hero SaaS', provider: 'entra', organizationId: 'org-42', status: 'active', version: 1 });
    expect(created.directory.id).toMatch(/^[a-z2-7]{26}$/);
    expect(created.tenantUrl).toBe(`${BASE_URL}/${created.directory.id}`);
    expect(created.directory.counts).toEqual({ users: 0, activeUsers: 0, groups: 0 });
    expect(isWellFormedToken(created.token.token)).toBe(true);

    expect(await verifier.verify(created.directory.id, created.token.token)).toEqual({ ok: true, tokenId: created.token.tokenId });

    const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.directory(created.directory.id) }));
    expect(Item).toMatchObject({ entity: 'directory', status: 'active', version: 1, gsi1pk: 'DIRECTORIES', gsi1sk: created.directory.id });

    const secret = parseTokenSecret((await store.get(SECRET_PREFIX + created.directory.id)) ?? '');
    expect(secret).toMatchObject({ directoryId: created.directory.id, status: 'active' });
    expect(JSON.stringify(secret)).not.toContain(created.token.token);
  });

  it('runs the token lifecycle: rotate, grace period, expiry, revoke', async () => {
    const { service, verifier, clock } = await setup();
    const { directory, token: first } = await service.createDirectory({ name: 'Lifecycle', provider: 'okta' });

    const rotated = await service.rotateToken(directory.id, { label: 'entra-2026' });
    expect(rotated.previous).toMatchObject({ tokenId: first.tokenId, state: 'expiring' });
    const graceEnd = Date.parse(rotated.previous?.expiresAt ?? '');
    expect(graceEnd - clock.now()).toBeGreaterThan(7 * DAY - 60_000);
    expect(graceEnd - clock.now()).toBeLessThanOrEqual(7 * DAY);

    // Both work during the grace period.
    expect(await verifier.verify(directory.id, first.token)).toEqual({ ok: true, tokenId: first.tokenId });
    expect(await verifier.verify(directory.id, rotated.token.token)).toEqual({ ok: true, tokenId: rotated.token.tokenId });

    // Two live tokens: neither another token nor another rotation.
    expect((await refusal(service.createToken(directory.id))).code).toBe('tooManyTokens');
    expect((await refusal(service.rotateToken(directory.id))).code).toBe('tooManyTokens');

    // After the grace period the old token no longer works; the new one does.
    clock.offsetMs = 7 * DAY + 1000;
    expect(await verifier.verify(directory.id, first.token)).toEqual({ ok: false, reason: 'invalid' });
    expect(await verifier.verify(directory.id, rotated.token.token)).toEqual({ ok: true, tokenId: rotated.token.tokenId });

    const listed = await service.listTokens(directory.id);
    expect(listed.map((t) => [t.tokenId, t.state])).toEqual([
      [rotated.token.tokenId, 'active'],
      [first.tokenId, 'expired'],
    ]);
    expect(listed[0]?.lastUsedAt).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain('scimds_');

    // Revocation is immediate.
    const revoked = await service.revokeToken(directory.id, rotated.token.tokenId);
    expect(revoked).toMatchObject({ tokenId: rotated.token.tokenId, state: 'revoked' });
    expect(await verifier.verify(directory.id, rotated.token.token)).toEqual({ ok: false, reason: 'invalid' });

    // With no live token left, a new one can be created, with its own expiry.
    const extra = await service.createToken(directory.id, { label: 'ci', expiresInDays: 1 });
    expect(extra.label).toBe('ci');
    expect(Date.parse(extra.expiresAt ?? '')).toBe(Date.parse(extra.createdAt) + DAY);
    expect(await verifier.verify(directory.id, extra.token)).toEqual({ ok: true, tokenId: extra.tokenId });
    expect((await refusal(service.revokeToken(directory.id, 'tok_nope'))).code).toBe('tokenNotFound');
  });

  it('disables and enables a directory: a valid token then answers disabled, a bad one stays invalid', async () => {
    const { service, verifier, table } = await setup();
    const { directory, token } = await service.createDirectory({ name: 'Acme', provider: 'generic' });

    const disabled = await service.disableDirectory(directory.id);
    expect(disabled).toMatchObject({ status: 'disabled', version: 2 });
    expect(await verifier.verify(directory.id, token.token)).toEqual({ ok: false, reason: 'disabled' });
    expect(await verifier.verify(directory.id, `scimds_${'A'.repeat(43)}`)).toEqual({ ok: false, reason: 'invalid' });
    // Disabling twice changes nothing.
    expect(await service.disableDirectory(directory.id)).toMatchObject({ status: 'disabled', version: 2 });

    const enabled = await service.enableDirectory(directory.id);
    expect(enabled).toMatchObject({ status: 'active', version: 3 });
    expect(await verifier.verify(directory.id, token.token)).toEqual({ ok: true, tokenId: token.tokenId });

    const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.directory(directory.id) }));
    expect(Item).toMatchObject({ entity: 'directory', status: 'active', version: 3 });
  });

  it('updates, lists with counters, and refuses bad input and unknown directories', async () => {
    const { service, table } = await setup();
    const a = await service.createDirectory({ name: 'A', provider: 'entra', organizationId: 'org-1' });
    const b = await service.createDirectory({ name: 'B', provider: 'okta' });
    await table.documentClient.send(
      new PutCommand({ TableName: table.tableName, Item: { ...keys.counters(a.directory.id), users: 12, activeUsers: 10, groups: 3 } }),
    );

    const renamed = await service.updateDirectory(a.directory.id, { name: 'A prime', organizationId: null });
    expect(renamed).toMatchObject({ name: 'A prime', version: 2, counts: { users: 12, activeUsers: 10, groups: 3 } });
    expect(renamed.organizationId).toBeUndefined();
    await service.updateDirectory(b.directory.id, { organizationId: 'org-2' });

    const all = await service.listDirectories();
    expect(all.map((d) => d.id).sort()).toEqual([a.directory.id, b.directory.id].sort());
    expect(all.find((d) => d.id === a.directory.id)?.counts).toEqual({ users: 12, activeUsers: 10, groups: 3 });
    expect((await service.listDirectories({ organizationId: 'org-2' })).map((d) => d.id)).toEqual([b.directory.id]);

    expect((await refusal(service.createDirectory({ name: '   ', provider: 'entra' }))).code).toBe('invalidInput');
    expect((await refusal(service.createDirectory({ name: 'x'.repeat(201), provider: 'entra' }))).code).toBe('invalidInput');
    expect((await refusal(service.createDirectory({ name: 'Tab\there', provider: 'entra' }))).code).toBe('invalidInput');
    expect((await refusal(service.updateDirectory(a.directory.id, {}))).code).toBe('invalidInput');
    expect((await refusal(service.rotateToken(a.directory.id, { graceDays: -1 }))).code).toBe('invalidInput');
    expect((await refusal(service.getDirectory('aaaaaaaaaaaaaaaaaaaaaaaaaa'))).code).toBe('directoryNotFound');
    expect((await refusal(service.getDirectory('../etc'))).code).toBe('directoryNotFound');
    expect((await refusal(service.createToken('aaaaaaaaaaaaaaaaaaaaaaaaaa'))).code).toBe('directoryNotFound');
  });
});

/** The token-cache drain window of the purge test: an hour, so that it never ends during the purge. */
const DRAIN_MS = 3_600_000;

describe('AdminService.deleteDirectory', () => {
  it('purges thousands of items in budgeted passes, waits out the token cache, then deletes the record', async () => {
    // A drain window far longer than any purge, however loaded the machine: the test ends it by moving the clock.
    const { service, verifier, table, store, clock } = await setup({ deletionDrainMs: DRAIN_MS });
    const doomed = await service.createDirectory({ name: 'Doomed', provider: 'entra' });
    const kept = await service.createDirectory({ name: 'Kept', provider: 'entra' });
    const seeded = await seedDirectory(table.documentClient, table.tableName, doomed.directory.id, 1200, 12);
    const keptSeeded = await seedDirectory(table.documentClient, table.tableName, kept.directory.id, 30, 2);
    expect(seeded).toBeGreaterThan(4000);
    await verifier.verify(doomed.directory.id, doomed.token.token); // leaves a TOKENUSE item to purge

    const passes: DeleteProgress[] = [];
    // Short passes force several; under load each does less, so the bounds leave room for many.
    for (let pass = 0; pass < 1_000; pass++) {
      const progress = await service.deleteDirectory(doomed.directory.id, { budgetMs: 150 });
      passes.push(progress);
      if (progress.phase !== 'purging') break;
      if (pass === 0) {
        // From the first pass on: tokens are gone, the record says disabled and deleting.
        expect(await store.get(SECRET_PREFIX + doomed.directory.id)).toBeUndefined();
        expect(await verifier.verify(doomed.directory.id, doomed.token.token)).toEqual({ ok: false, reason: 'invalid' });
        const view = await service.getDirectory(doomed.directory.id);
        expect(view).toMatchObject({ status: 'disabled', version: 2 });
        expect(view.deletingSince).toBeDefined();
        expect((await refusal(service.enableDirectory(doomed.directory.id))).code).toBe('directoryDeleting');
        expect((await refusal(service.createToken(doomed.directory.id))).code).toBe('directoryDeleting');
      }
    }
    expect(passes.length).toBeGreaterThan(2);
    const last = passes.at(-1);
    expect(last).toMatchObject({ phase: 'draining', done: false });
    expect(last?.retryAfterMs).toBeGreaterThan(0);
    expect(passes.reduce((sum, p) => sum + p.deletedItems, 0)).toBe(seeded + 1);

    // A write that slipped in during the drain window (a request authorised from a warm cache) is swept too.
    await seedDirectory(table.documentClient, table.tableName, doomed.directory.id, 1, 0);
    clock.offsetMs = DRAIN_MS + 1_000;
    const final = await service.deleteDirectory(doomed.directory.id, { budgetMs: 5000 });
    expect(final).toMatchObject({ phase: 'done', done: true, deletedItems: 4 });

    const left = await table.documentClient.send(
      new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.partition(doomed.directory.id) } }),
    );
    expect(left.Count).toBe(0);
    expect((await refusal(service.getDirectory(doomed.directory.id))).code).toBe('directoryNotFound');
    expect((await service.listDirectories()).map((d) => d.id)).toEqual([kept.directory.id]);

    const keptLeft = await table.documentClient.send(
      new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.partition(kept.directory.id) }, Select: 'COUNT' }),
    );
    expect(keptLeft.Count).toBe(keptSeeded + 1);
    expect(await verifier.verify(kept.directory.id, kept.token.token)).toEqual({ ok: true, tokenId: kept.token.tokenId });
  }, 300_000);
});
