/**
 * The Admin Portal journey an IT admin makes, in a real browser (Debian's Chromium) against the
 * local runtime: open a fresh link → Directory Sync → Microsoft Entra ID → Configure → copy the
 * Endpoint URL and Bearer token → Entra ID provisions (the requests of Microsoft's provisioning
 * tutorial, sent by the test with Entra ID's User-Agent) → the portal shows who has access, the
 * group "Admins" with its member, the activity and "Connected".
 *
 * Screenshots of every step are written to `.screenshots/portal-journey/`.
 */
import type { Browser, BrowserContext, Locator, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotter, seriousAccessibilityViolations } from '../support/browser.ts';
import { ScimClient, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../support/urns.ts';

const ENTRA = { 'User-Agent': 'Azure Active Directory SCIM Client' };
/** How long the page may take to show what the stream has not yet turned into activity. */
const EVENTUAL_MS = 20_000;

let runtime: TestRuntime;
let browser: Browser;

beforeAll(async () => {
  runtime = await startTestRuntime({ portal: { appName: 'Hero SaaS', accentColor: '#5b21b6' } });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/** A fresh context per test (no shared cookies), recording every portal response. */
async function openContext(): Promise<{ context: BrowserContext; page: Page; responses: Response[] }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const responses: Response[] = [];
  page.on('response', (response) => responses.push(response));
  page.on('dialog', (dialog) => void dialog.accept());
  return { context, page, responses };
}

/** Waits (up to 10 s) until the first element the locator finds is visible; fails otherwise. */
async function visible(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout: 10_000 });
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
}

/** Reloads the page until `text` shows, for what arrives through the change stream. */
async function eventually(page: Page, text: string | RegExp): Promise<void> {
  const deadline = Date.now() + EVENTUAL_MS;
  for (let attempt = 0; attempt < 40; attempt++) {
    if ((await page.getByText(text).count()) > 0) return;
    if (Date.now() > deadline) break;
    await page.waitForTimeout(500);
    await page.reload();
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  }
  await visible(page.getByText(text).first());
}

describe('Admin Portal journey', () => {
  it('an IT admin connects Entra ID and sees what it provisioned', async () => {
    const shot = await screenshotter('portal-journey');
    const { context, page, responses } = await openContext();
    const link = await runtime.portalLinks.createLink({ organizationId: 'org-hero', returnUrl: 'https://hero.example.com/settings' });

    // 1–2. Open the link: the Directory Sync tab lists the providers.
    await page.goto(link.url);
    await visible(page.getByRole('heading', { name: 'Directory Sync' }));
    await visible(page.getByRole('link', { name: 'Directory Sync' }));
    await visible(page.getByText('Hero SaaS').first());
    for (const provider of ['Microsoft Entra ID', 'Okta', 'OneLogin', 'JumpCloud', 'Other SCIM 2.0 client']) {
      await visible(page.getByRole('radio', { name: new RegExp(provider) }));
    }
    await shot(page, 'directory-sync');
    await expectAccessible(page);

    // 3. Choose Microsoft Entra ID and Configure.
    await page.getByRole('radio', { name: /Microsoft Entra ID/ }).check();
    await page.getByRole('button', { name: 'Configure' }).click();
    await visible(page.getByRole('textbox', { name: 'Bearer token' }));
    const tenantUrl = await page.getByRole('textbox', { name: 'Endpoint URL' }).inputValue();
    const token = await page.getByRole('textbox', { name: 'Bearer token' }).inputValue();
    expect(tenantUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2\/[a-z2-7]+$/);
    expect(token).toMatch(/^scimds_/);
    await visible(page.getByText('Waiting for the first request from Microsoft Entra ID').first());
    await visible(page.getByText(`Tenant URL: ${tenantUrl}`));
    await page.getByRole('button', { name: 'Copy Endpoint URL' }).click();
    await visible(page.getByText('Endpoint URL copied'));
    await shot(page, 'entra-configured');
    await expectAccessible(page);

    // 4. Entra ID provisions: Test Connection, two users, a group "Admins" with a member, one user disabled.
    const entra = new ScimClient(tenantUrl, token);
    expect((await entra.get('/Users?filter=userName%20eq%20%2200000000-0000-0000-0000-000000000000%22', ENTRA)).status).toBe(200);
    const ada = await entra.post('/Users', { schemas: [USER_SCHEMA], userName: 'ada@hero.example', name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: 'ada@hero.example', type: 'work', primary: true }], active: true, externalId: 'ada' }, ENTRA);
    const bob = await entra.post('/Users', { schemas: [USER_SCHEMA], userName: 'bob@hero.example', name: { givenName: 'Bob', familyName: 'Babbage' }, active: true, externalId: 'bob' }, ENTRA);
    expect([ada.status, bob.status]).toEqual([201, 201]);
    const admins = await entra.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Admins', externalId: 'admins' }, ENTRA);
    expect(admins.status).toBe(201);
    const added = await entra.patch(`/Groups/${admins.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: ada.body.id }] }] }, ENTRA);
    expect(added.status).toBe(204);
    const disabled = await entra.patch(`/Users/${bob.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }, ENTRA);
    expect(disabled.status).toBe(200);
    const conflict = await entra.post('/Users', { schemas: [USER_SCHEMA], userName: 'ADA@hero.example', active: true }, ENTRA);
    expect(conflict.status).toBe(409);

    // 5. Back in the portal: who has access, the group and its member, the activity, and "Connected".
    await page.getByRole('link', { name: 'Users' }).click();
    await eventually(page, '1 user has access');
    await visible(page.getByText('of 2 users in all'));
    await visible(page.getByRole('cell', { name: 'ada@hero.example' }));
    await visible(page.getByRole('cell', { name: 'Deactivated' }));
    await visible(page.getByRole('row', { name: /ada@hero\.example.*Has access Admins/ }));
    await shot(page, 'users');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'ada@hero.example' }).click();
    await visible(page.getByRole('heading', { name: 'ada@hero.example' }));
    await visible(page.getByRole('link', { name: 'Admins' }));
    await shot(page, 'user-detail');

    await page.getByRole('link', { name: 'Groups' }).first().click();
    await eventually(page, /^Admins$/);
    await visible(page.getByRole('row', { name: /Admins 1/ }));
    await page.getByRole('link', { name: 'Admins' }).click();
    await visible(page.getByRole('heading', { name: 'Admins' }));
    await visible(page.getByText('1 member'));
    await visible(page.getByRole('link', { name: 'ada@hero.example' }));
    await shot(page, 'group-members');

    await page.getByRole('link', { name: 'Activity' }).click();
    await eventually(page, 'Created user ada@hero.example');
    await visible(page.getByText('Created group Admins'));
    await visible(page.getByText('Updated user bob@hero.example'));
    await visible(page.getByText(/A user with this userName already exists\. Check the matching attribute in Entra ID/));
    await shot(page, 'activity');
    await page.getByLabel('Show').selectOption('failure');
    await page.getByText('Created user ada@hero.example').waitFor({ state: 'detached', timeout: 10_000 });
    await visible(page.getByText('Create user ADA@hero.example'));
    await shot(page, 'activity-failures');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Setup' }).click();
    await visible(page.getByRole('heading', { name: 'Connection details' }));
    await visible(page.getByRole('status').filter({ hasText: /Connected — (last request|but the last request failed)/ }));
    await shot(page, 'connected');

    // Every portal response carried the security policy.
    const portalResponses = responses.filter((response) => new URL(response.url()).pathname.startsWith('/portal'));
    expect(portalResponses.length).toBeGreaterThan(5);
    for (const response of portalResponses) {
      const headers = await response.allHeaders();
      expect(headers['content-security-policy'], response.url()).toContain("frame-ancestors 'none'");
      expect(headers['x-content-type-options'], response.url()).toBe('nosniff');
      expect(headers['strict-transport-security'], response.url()).toContain('max-age=');
    }
    await context.close();
  }, 180_000);

  it('shows the token once: a reload masks it, a new one can be generated, and a revoked one stops working', async () => {
    const shot = await screenshotter('portal-token');
    const { context, page } = await openContext();
    const link = await runtime.portalLinks.createLink({ organizationId: 'org-tokens' });
    await page.goto(link.url);
    await page.getByRole('radio', { name: /Okta/ }).check();
    await page.getByRole('button', { name: 'Configure' }).click();
    const tenantUrl = await page.getByRole('textbox', { name: 'Endpoint URL' }).inputValue();
    const first = await page.getByRole('textbox', { name: 'Bearer token' }).inputValue();
    expect((await new ScimClient(tenantUrl, first).get('/Users')).status).toBe(200);

    await page.reload();
    await visible(page.getByRole('textbox', { name: 'Endpoint URL' }));
    expect(await page.getByRole('textbox', { name: 'Bearer token' }).count()).toBe(0);
    expect(await page.content()).not.toContain(first);
    await visible(page.getByText(/scimds_•+/).first());
    await shot(page, 'masked-after-reload');

    await page.getByRole('button', { name: 'Generate a new token' }).click();
    const second = await page.getByRole('textbox', { name: 'Bearer token' }).inputValue();
    expect(second).not.toBe(first);
    await visible(page.getByText(/previous token keeps working for 7 days/));
    await shot(page, 'rotated');

    // Revoke the first token (the one now expiring): it answers 401 within the local cache TTL (5 s).
    await page.getByRole('button', { name: /^Revoke token/ }).last().click();
    await visible(page.getByText('Token revoked.'));
    const revokedClient = new ScimClient(tenantUrl, first);
    const deadline = Date.now() + 15_000;
    let status = 0;
    for (let attempt = 0; attempt < 60 && Date.now() < deadline; attempt++) {
      status = (await revokedClient.get('/Users')).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(status).toBe(401);
    expect((await new ScimClient(tenantUrl, second).get('/Users')).status).toBe(200);
    await shot(page, 'revoked');
    await context.close();
  }, 120_000);

  it('refuses a used or unknown link with a page that says to ask the app for a new one', async () => {
    const shot = await screenshotter('portal-links');
    const { context, page } = await openContext();
    const link = await runtime.portalLinks.createLink({ organizationId: 'org-links' });
    await page.goto(link.url);
    await visible(page.getByRole('heading', { name: 'Directory Sync' }));

    const other = await browser.newContext();
    const second = await other.newPage();
    const reply = await second.goto(link.url);
    expect(reply?.status()).toBe(410);
    await visible(second.getByRole('heading', { name: 'This link has expired' }));
    await visible(second.getByText('Go back to Hero SaaS and open the Admin Portal again'));
    expect(reply?.headers()['content-security-policy']).toContain("default-src 'none'");
    await shot(second, 'used-link');
    await expectAccessible(second);

    const unknown = await second.goto(link.url.replace(/link=[^&]+/, 'link=not-a-link'));
    expect(unknown?.status()).toBe(410);
    const noSession = await second.goto(new URL('/portal/', link.url).toString());
    expect(noSession?.status()).toBe(401);
    await visible(second.getByText(/open the Admin Portal again/).first());
    await shot(second, 'no-session');
    await other.close();
    await context.close();
  }, 60_000);

  it("answers 404 when a session of one organization names another organization's directory, user or group", async () => {
    const { context, page } = await openContext();
    // Organization B's directory, with a user and a group in it.
    const otherLink = await runtime.portalLinks.createLink({ organizationId: 'org-b' });
    const otherContext = await browser.newContext();
    const otherPage = await otherContext.newPage();
    await otherPage.goto(otherLink.url);
    await otherPage.getByRole('radio', { name: /Other SCIM 2.0 client/ }).check();
    await otherPage.getByRole('button', { name: 'Configure' }).click();
    const tenantUrl = await otherPage.getByRole('textbox', { name: 'Endpoint URL' }).inputValue();
    const token = await otherPage.getByRole('textbox', { name: 'Bearer token' }).inputValue();
    const directoryId = tenantUrl.split('/').pop() as string;
    const client = new ScimClient(tenantUrl, token);
    const user = await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'secret@b.example' });
    const group = await client.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'B team' });

    // Organization A's session asks for them.
    const link = await runtime.portalLinks.createLink({ organizationId: 'org-a' });
    await page.goto(link.url);
    await visible(page.getByRole('heading', { name: 'Directory Sync' }));
    const csrf = await page.evaluate(async () => ((await (await fetch('api/session')).json()) as { csrfToken: string }).csrfToken);
    const routes = [
      ['GET', `directories/${directoryId}`],
      ['GET', `directories/${directoryId}/users`],
      ['GET', `directories/${directoryId}/users/${user.body.id}`],
      ['GET', `directories/${directoryId}/groups`],
      ['GET', `directories/${directoryId}/groups/${group.body.id}`],
      ['GET', `directories/${directoryId}/groups/${group.body.id}/members`],
      ['GET', `directories/${directoryId}/activity`],
      ['POST', `directories/${directoryId}/tokens`],
      ['POST', `directories/${directoryId}/disable`],
      ['POST', `directories/${directoryId}/delete`],
    ] as const;
    for (const [method, path] of routes) {
      const status = await page.evaluate(
        async ({ method, path, csrf }) => (await fetch(`api/${path}`, { method, headers: { 'Content-Type': 'application/json', 'X-Portal-CSRF': csrf }, body: method === 'POST' ? '{"confirmName":"x"}' : null })).status,
        { method, path, csrf },
      );
      expect(status, `${method} ${path}`).toBe(404);
    }
    const listed = await page.evaluate(async () => (await (await fetch('api/directories')).json()) as { items: Array<{ id: string }> });
    expect(listed.items.map((d) => d.id)).not.toContain(directoryId);
    // The directory of B is untouched: still active, token still works.
    expect((await client.get(`/Users/${user.body.id}`)).status).toBe(200);

    // A state-changing request without the CSRF token is refused.
    const forged = await page.evaluate(async () => (await fetch('api/directories', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"provider":"okta"}' })).status);
    expect(forged).toBe(403);
    await otherContext.close();
    await context.close();
  }, 90_000);
});
