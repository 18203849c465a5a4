/**
 * Portal links and sessions on DynamoDB Local: single use under concurrency, expiry, sliding and
 * capped sessions, and no secret in the table.
 */
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DirectoryRepository } from '../../functions/adapters/dynamodb/directory-repository.ts';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { PortalRepository } from '../../functions/adapters/dynamodb/portal-repository.ts';
import { hashToken } from '../../functions/auth/token-format.ts';
import { PortalLinkService } from '../../functions/portal/portal-links.ts';
import { PORTAL_LINK_TTL_MS, PORTAL_SESSION_IDLE_MS, PORTAL_SESSION_MAX_MS, PortalError } from '../../functions/portal/ports.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';

const BASE = 'https://portal.example.test/v1/portal';
let table: TestTable;
let directories: DirectoryRepository;
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

function service(): PortalLinkService {
  return new PortalLinkService({ store: new PortalRepository(table.documentClient, table.tableName), directories, portalBaseUrl: `${BASE}/`, now: () => clock.now() });
}

function secretOf(url: string): string {
  const parsed = new URL(url);
  expect(`${parsed.origin}${parsed.pathname}`).toBe(`${BASE}/open`);
  return parsed.searchParams.get('link') ?? '';
}

async function refusal(promise: Promise<unknown>): Promise<PortalError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(PortalError);
  return error as PortalError;
}

beforeAll(async () => {
  table = await createTestTable('portal-links');
  directories = new DirectoryRepository(table.documentClient, table.tableName);
  const at = new Date().toISOString();
  await directories.create({ directoryId: 'dir-a', name: 'A', provider: 'entra', organizationId: 'org-a', at });
  await directories.create({ directoryId: 'dir-b', name: 'B', provider: 'okta', organizationId: 'org-b', at });
});

describe('portal links', () => {
  it('makes a 256-bit link that opens one session, stored only as its hash, with a TTL', async () => {
    clock.offsetMs = 0;
    const links = service();
    const link = await links.createLink({ organizationId: ' org-a ', directoryId: 'dir-a', returnUrl: 'https://app.example.test/settings?tab=sso' });
    const secret = secretOf(link.url);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link).toMatchObject({ organizationId: 'org-a', directoryId: 'dir-a' });
    expect(Date.parse(link.expiresAt) - clock.now()).toBeGreaterThan(PORTAL_LINK_TTL_MS - 5_000);
    expect(Date.parse(link.expiresAt) - clock.now()).toBeLessThanOrEqual(PORTAL_LINK_TTL_MS);

    const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.portalLink(hashToken(secret)) }));
    expect(Item).toMatchObject({ organizationId: 'org-a', directoryId: 'dir-a', returnUrl: 'https://app.example.test/settings?tab=sso', validUntil: link.expiresAt });
    expect(Item?.expiresAt).toBe(Math.ceil(Date.parse(link.expiresAt) / 1000));

    const session = await links.redeemLink(secret);
    expect(session).toMatchObject({ organizationId: 'org-a', directoryId: 'dir-a', returnUrl: 'https://app.example.test/settings?tab=sso' });
    expect(session.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrfToken.length).toBeGreaterThanOrEqual(43);
    expect(Date.parse(session.absoluteExpiresAt) - Date.parse(session.createdAt)).toBe(PORTAL_SESSION_MAX_MS);
    expect(Date.parse(session.idleExpiresAt) - Date.parse(session.createdAt)).toBe(PORTAL_SESSION_IDLE_MS);

    const { Items } = await table.documentClient.send(new ScanCommand({ TableName: table.tableName }));
    const everything = JSON.stringify(Items);
    for (const raw of [secret, session.sessionId, session.csrfToken]) expect(everything).not.toContain(raw);
    expect(everything).toContain(hashToken(session.sessionId));

    expect((await refusal(links.redeemLink(secret))).code).toBe('linkInvalid');
  });

  it('gives one session to two concurrent redeems of the same link', async () => {
    clock.offsetMs = 0;
    const links = service();
    for (let round = 0; round < 5; round++) {
      const secret = secretOf((await links.createLink({ organizationId: 'org-a' })).url);
      const results = await Promise.allSettled([links.redeemLink(secret), links.redeemLink(secret)]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((result) => result.status === 'rejected');
      expect((rejected as PromiseRejectedResult).reason).toMatchObject({ code: 'linkInvalid' });
    }
  });

  it('refuses an expired, unknown or malformed link with linkInvalid', async () => {
    clock.offsetMs = 0;
    const links = service();
    const secret = secretOf((await links.createLink({ organizationId: 'org-a' })).url);
    clock.offsetMs = PORTAL_LINK_TTL_MS + 1_000;
    expect((await refusal(links.redeemLink(secret))).code).toBe('linkInvalid');
    clock.offsetMs = 0;
    expect((await refusal(links.redeemLink('A'.repeat(43)))).code).toBe('linkInvalid');
    expect((await refusal(links.redeemLink('not a link'))).code).toBe('linkInvalid');
  });

  it('checks the organization, the directory and the return URL', async () => {
    clock.offsetMs = 0;
    const links = service();
    expect(await refusal(links.createLink({ organizationId: 'org-a', directoryId: 'dir-b' }))).toMatchObject({ code: 'notFound', message: 'Directory dir-b not found' });
    expect(await refusal(links.createLink({ organizationId: 'org-a', directoryId: 'dir-zzz' }))).toMatchObject({ code: 'notFound', message: 'Directory dir-zzz not found' });
    expect((await refusal(links.createLink({ organizationId: 'org-a', directoryId: 'bad#id' }))).code).toBe('notFound');
    for (const organizationId of ['', '   ', 'x'.repeat(201), 'a\u0007b']) {
      expect((await refusal(links.createLink({ organizationId }))).code).toBe('invalidInput');
    }
    for (const returnUrl of ['http://app.example.test/', '/relative', 'javascript:alert(1)', `https://app.example.test/${'x'.repeat(2000)}`, 'https://user:pw@app.example.test/']) {
      expect((await refusal(links.createLink({ organizationId: 'org-a', returnUrl }))).code).toBe('invalidInput');
    }
    for (const returnUrl of ['http://127.0.0.1:3000/back', 'http://[::1]:3000/back', 'http://localhost/back']) {
      await expect(links.createLink({ organizationId: 'org-a', returnUrl })).resolves.toMatchObject({ organizationId: 'org-a' });
    }
  });
});

describe('portal sessions', () => {
  async function newSession(links: PortalLinkService) {
    return links.redeemLink(secretOf((await links.createLink({ organizationId: 'org-a' })).url));
  }

  async function storedIdle(sessionId: string): Promise<string | undefined> {
    const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.portalSession(hashToken(sessionId)), ConsistentRead: true }));
    return Item?.idleExpiresAt as string | undefined;
  }

  it('slides the idle expiry at most once a minute, and ends an idle session', async () => {
    clock.offsetMs = 0;
    const links = service();
    const session = await newSession(links);
    clock.offsetMs = 30_000;
    expect((await links.getSession(session.sessionId)).idleExpiresAt).toBe(session.idleExpiresAt);
    expect(await storedIdle(session.sessionId)).toBe(session.idleExpiresAt);

    clock.offsetMs = 50 * 60_000;
    const slid = await links.getSession(session.sessionId);
    expect(Date.parse(slid.idleExpiresAt)).toBeGreaterThan(Date.parse(session.idleExpiresAt));
    expect(slid.csrfToken).toBe(session.csrfToken);
    expect(await storedIdle(session.sessionId)).toBe(slid.idleExpiresAt);

    // Concurrent reads after the interval: all succeed, the stored expiry moves once.
    clock.offsetMs = 52 * 60_000;
    const concurrent = await Promise.all([1, 2, 3].map(() => links.getSession(session.sessionId)));
    expect(new Set(concurrent.map((s) => s.idleExpiresAt)).size).toBe(1);

    clock.offsetMs = 52 * 60_000 + PORTAL_SESSION_IDLE_MS + 1_000;
    expect((await refusal(links.getSession(session.sessionId))).code).toBe('sessionInvalid');
  });

  it('never outlives the absolute cap, however active', async () => {
    clock.offsetMs = 0;
    const links = service();
    const session = await newSession(links);
    for (let step = 1; step <= 7; step++) {
      clock.offsetMs = step * 50 * 60_000;
      await links.getSession(session.sessionId);
    }
    clock.offsetMs = PORTAL_SESSION_MAX_MS - 60_000;
    const late = await links.getSession(session.sessionId);
    expect(late.idleExpiresAt).toBe(session.absoluteExpiresAt);
    clock.offsetMs = PORTAL_SESSION_MAX_MS + 1;
    expect((await refusal(links.getSession(session.sessionId))).code).toBe('sessionInvalid');
  });

  it('ends a session on sign-out and refuses unknown ids', async () => {
    clock.offsetMs = 0;
    const links = service();
    const session = await newSession(links);
    await links.endSession(session.sessionId);
    expect((await refusal(links.getSession(session.sessionId))).code).toBe('sessionInvalid');
    expect(await storedIdle(session.sessionId)).toBeUndefined();
    expect((await refusal(links.getSession('nope'))).code).toBe('sessionInvalid');
    await expect(links.endSession('nope')).resolves.toBeUndefined();
  });
});
