/**
 * The `portal.link`, `activity.list` and `events.redrive` commands through the command dispatcher the admin Lambda
 * and the CLI share, on DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminResultSchemas, parseAdminCommand, runAdminCommand, type AdminServices } from '../../functions/admin/commands.ts';
import { adminFixture, PORTAL_BASE_URL, type AdminFixture } from './fixtures.ts';

let fixture: AdminFixture;
let services: AdminServices;
let directoryId: string;

beforeAll(async () => {
  fixture = await adminFixture();
  services = { admin: fixture.service, activity: fixture.activity, portalLinks: fixture.portalLinks };
  directoryId = (await fixture.service.createDirectory({ name: 'Acme', provider: 'jumpcloud', organizationId: 'org-acme' })).directory.id;
});

afterAll(async () => {
  await fixture?.cleanup();
});

describe('portal.link', () => {
  it('makes a link whose result matches its schema', async () => {
    const response = await runAdminCommand(services, { command: 'portal.link', organizationId: 'org-acme', directoryId, returnUrl: 'https://app.example.test/' });
    expect(response.ok).toBe(true);
    const link = adminResultSchemas['portal.link'].parse(response.ok ? response.result : undefined);
    expect(link.url.startsWith(`${PORTAL_BASE_URL}/open?link=`)).toBe(true);
    expect(link).toMatchObject({ organizationId: 'org-acme', directoryId });
  });

  it('refuses in the admin protocol’s words', async () => {
    expect(await runAdminCommand(services, { command: 'portal.link', organizationId: 'org-other', directoryId })).toEqual({
      ok: false,
      error: { code: 'directoryNotFound', message: `Directory ${directoryId} not found` },
    });
    expect(await runAdminCommand(services, { command: 'portal.link', organizationId: 'org-acme', returnUrl: 'http://evil.example/' })).toMatchObject({ ok: false, error: { code: 'invalidInput' } });
    const { portalLinks: _none, ...withoutPortal } = services;
    expect(await runAdminCommand(withoutPortal, { command: 'portal.link', organizationId: 'org-acme' })).toMatchObject({ ok: false, error: { code: 'notConfigured' } });
    expect(parseAdminCommand({ command: 'portal.link', organizationId: 'org-acme', extra: 1 })).toMatchObject({ ok: false });
  });

  it('refuses a command nested 100,000 levels deep as invalid input, without overflowing the stack', () => {
    let deep: unknown = 'x';
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    for (const input of [{ command: 'directory.get', directoryId: deep }, deep, { command: 'directory.create', name: 'n', extra: { a: deep } }]) {
      expect(parseAdminCommand(input)).toEqual({ ok: false, response: { ok: false, error: { code: 'invalidInput', message: expect.stringMatching(/nested deeper than \d+ levels/) } } });
    }
  });
});

describe('activity.list', () => {
  it('lists activity of a directory and refuses unknown directories and foreign cursors', async () => {
    const response = await runAdminCommand(services, { command: 'activity.list', directoryId, outcome: 'failure', limit: 10 });
    expect(response).toEqual({ ok: true, command: 'activity.list', result: { items: [] } });
    expect(await runAdminCommand(services, { command: 'activity.list', directoryId: 'aaaaaaaaaaaaaaaaaaaaaaaaaa' })).toMatchObject({ ok: false, error: { code: 'directoryNotFound' } });
    expect(await runAdminCommand(services, { command: 'activity.list', directoryId, cursor: 'nope' })).toMatchObject({ ok: false, error: { code: 'invalidInput' } });
    expect(await runAdminCommand(services, { command: 'activity.list', directoryId, since: 'last tuesday' })).toMatchObject({ ok: false, error: { code: 'invalidInput' } });
    expect(parseAdminCommand({ command: 'activity.list', directoryId, limit: 100_000 })).toMatchObject({ ok: false });
  });
});

describe('events.redrive', () => {
  it('is refused where no bus is configured, and for an unknown directory; bounds its maximum', async () => {
    expect(await runAdminCommand(services, { command: 'events.redrive', directoryId })).toMatchObject({ ok: false, error: { code: 'notConfigured' } });
    const requests: unknown[] = [];
    const redrive = {
      redrive: async (request?: unknown) => {
        requests.push(request);
        return { dryRun: false, directories: 1, examined: 0, redriven: 0, ready: 0, events: 0, unmappable: 0, undelivered: 0, tooLarge: 0, pointers: 0, more: false, items: [] };
      },
    };
    expect(await runAdminCommand({ ...services, redrive }, { command: 'events.redrive', directoryId: 'aaaaaaaaaaaaaaaaaaaaaaaaaa' })).toMatchObject({ ok: false, error: { code: 'directoryNotFound' } });
    const response = await runAdminCommand({ ...services, redrive }, { command: 'events.redrive', directoryId, max: 10, dryRun: true });
    expect(adminResultSchemas['events.redrive'].parse(response.ok ? response.result : undefined)).toMatchObject({ examined: 0 });
    expect(parseAdminCommand({ command: 'events.redrive', max: 100_000 })).toMatchObject({ ok: false });
    expect(parseAdminCommand({ command: 'events.redrive', directoryId, dryRun: 'yes' })).toMatchObject({ ok: false });
    // From the dead-letter queue: the source is handed to the redriver, and only the two sources exist.
    await runAdminCommand({ ...services, redrive }, { command: 'events.redrive', from: 'queue' });
    expect(requests.at(-1)).toEqual({ from: 'queue' });
    expect(parseAdminCommand({ command: 'events.redrive', from: 'stream' })).toMatchObject({ ok: false });
    // Reports of admin functions deployed before queue redrives lack the queue's counts.
    expect(adminResultSchemas['events.redrive'].parse({ dryRun: false, directories: 0, examined: 0, redriven: 0, ready: 0, events: 0, unmappable: 0, undelivered: 0, more: false, items: [] })).toMatchObject({ tooLarge: 0, pointers: 0 });
  });
});
