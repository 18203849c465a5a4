import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAdminHandler, INVOCATION_SAFETY_MS, SelfInvocationLimitError, type AdminLog } from '../../functions/admin/admin-handler.ts';
import type { AdminCommand } from '../../functions/admin/commands.ts';
import { adminFixture, seedDirectory, type AdminFixture } from './fixtures.ts';

let fixture: AdminFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

function harness(f: AdminFixture, options: { maxSelfInvocations?: number } = {}) {
  const continuations: AdminCommand[] = [];
  const log: AdminLog = { info: vi.fn(), error: vi.fn() };
  const sleeps: number[] = [];
  const handler = createAdminHandler({
    service: f.service,
    activity: f.activity,
    portalLinks: f.portalLinks,
    invokeSelf: async (command) => {
      continuations.push(command);
    },
    log,
    sleep: async (ms) => {
      sleeps.push(ms);
      f.clock.offsetMs += ms;
    },
    ...options,
  });
  /** A context whose invocation has `ms` of work time left beyond the safety margin. */
  const context = (ms: number) => ({ getRemainingTimeInMillis: () => INVOCATION_SAFETY_MS + ms });
  return { handler, continuations, log, sleeps, context };
}

describe('admin Lambda handler', () => {
  it('answers typed envelopes, refusals included, and never logs a token', async () => {
    fixture = await adminFixture();
    const { handler, log, context } = harness(fixture);

    const created = await handler({ command: 'directory.create', name: 'Hero SaaS', provider: 'entra' }, context(60_000));
    expect(created).toMatchObject({ ok: true, command: 'directory.create', result: { tenantUrl: expect.stringMatching(/^https:\/\//) as string } });

    expect(await handler({ command: 'directory.get', directoryId: 'aaaaaaaaaaaaaaaaaaaaaaaaaa' }, context(60_000))).toEqual({
      ok: false,
      error: { code: 'directoryNotFound', message: 'Directory aaaaaaaaaaaaaaaaaaaaaaaaaa not found' },
    });
    const unknown = await handler({ command: 'directory.explode' }, context(60_000));
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalidInput' } });
    const extra = await handler({ command: 'directory.list', limit: 5 }, context(60_000));
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalidInput', message: expect.stringContaining('limit') as string } });
    expect(await handler('not an object', context(60_000))).toMatchObject({ ok: false, error: { code: 'invalidInput' } });

    expect(JSON.stringify(vi.mocked(log.info).mock.calls)).not.toContain('scimds_');
  });

  it('purges in the background: re-invokes itself with a continuation until the directory is gone', async () => {
    fixture = await adminFixture({ deletionDrainMs: 60_000 });
    const { handler, continuations, sleeps, context } = harness(fixture);
    const { directory } = await fixture.service.createDirectory({ name: 'Big', provider: 'entra' });
    const seeded = await seedDirectory(fixture.table.documentClient, fixture.table.tableName, directory.id, 300, 3);

    // A short invocation: one pass, then a continuation.
    const first = await handler({ command: 'directory.delete', directoryId: directory.id, background: true }, context(50));
    expect(first).toMatchObject({ ok: true, result: { done: false, continuing: true, phase: 'purging' } });
    expect(continuations).toHaveLength(1);
    const continuation = continuations[0];
    expect(continuation).toMatchObject({ command: 'directory.delete', directoryId: directory.id, background: true });
    expect((continuation as { deletedSoFar: number }).deletedSoFar).toBeGreaterThan(0);
    expect((continuation as { deletedSoFar: number }).deletedSoFar).toBeLessThan(seeded);

    // The continuation has time: it purges the rest, waits out the token cache, and finishes.
    const second = await handler(continuation, context(120_000));
    expect(second).toMatchObject({ ok: true, result: { done: true, phase: 'done' } });
    expect(continuations).toHaveLength(1);
    expect(sleeps.length).toBeGreaterThan(0);
    expect(await fixture.service.listDirectories()).toEqual([]);
  }, 60_000);

  it('counts the chain of self-invocations and stops it at the bound, leaving the rest for a retry', async () => {
    fixture = await adminFixture({ deletionDrainMs: 60_000 });
    const { handler, continuations, log, context } = harness(fixture, { maxSelfInvocations: 1 });
    const { directory } = await fixture.service.createDirectory({ name: 'Endless', provider: 'entra' });
    await seedDirectory(fixture.table.documentClient, fixture.table.tableName, directory.id, 300, 3);

    await handler({ command: 'directory.delete', directoryId: directory.id, background: true }, context(50));
    expect(continuations[0]).toMatchObject({ selfInvocations: 1 });
    await handler(continuations[0], context(50));
    expect(continuations[1]).toMatchObject({ selfInvocations: 2 });

    // Past the bound: the invocation fails (Lambda retries it, then parks it in the failure queue) without work.
    await expect(handler(continuations[1], context(120_000))).rejects.toThrow(SelfInvocationLimitError);
    expect(continuations).toHaveLength(2);
    expect(vi.mocked(log.error)).toHaveBeenCalledWith(expect.stringContaining('too many chained invocations'), expect.anything());
    expect(await fixture.service.listDirectories()).not.toEqual([]);
  }, 60_000);

  it('returns after one pass when the caller drives the deletion', async () => {
    fixture = await adminFixture({ deletionDrainMs: 60_000 });
    const { handler, continuations, context } = harness(fixture);
    const { directory } = await fixture.service.createDirectory({ name: 'Small', provider: 'okta' });
    const response = await handler({ command: 'directory.delete', directoryId: directory.id, budgetMs: 5000 }, context(120_000));
    expect(response).toMatchObject({ ok: true, result: { phase: 'draining', done: false, retryAfterMs: expect.any(Number) as number } });
    expect(continuations).toHaveLength(0);
  });
});

describe('admin Lambda entry point', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fails at cold start when its configuration is missing', async () => {
    vi.stubEnv('TABLE_NAME', '');
    await expect(import('../../functions/handlers/admin.ts')).rejects.toThrow('environment variable TABLE_NAME is required');
  });
});
