/**
 * End-to-end tests of `scim-admin --local`: the real launcher in a child process, against this
 * test run's DynamoDB Local and a secrets file in a temporary data directory.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { DynamoDbParkedRecords } from '../../functions/adapters/dynamodb/parked-records.ts';
import { USER_SCHEMA } from '../../functions/core/schemas/index.ts';
import { FileSecretStore } from '../../functions/adapters/secrets/secret-store.ts';
import { DEFAULT_TOKEN_SECRET_PREFIX } from '../../functions/auth/token-secret.ts';
import { TokenVerifier } from '../../functions/auth/token-verifier.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BASE_URL = 'http://127.0.0.1:8080/scim/v2';
const PORTAL_BASE_URL = 'http://127.0.0.1:8080/portal';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dataDir: string;
let verifier: TokenVerifier;
let table: TestTable;

/** Runs `npx node bin/scim-admin.mjs <args>` with a time limit. */
function scimAdmin(args: string[], options: { dataDir?: string } = {}): Promise<Run> {
  const fullArgs = ['node', 'bin/scim-admin.mjs', '--local', '--data-dir', options.dataDir ?? dataDir, ...args];
  return new Promise((done) => {
    execFile('npx', fullArgs, { cwd: ROOT, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  table = await createTestTable('cli');
  dataDir = await mkdtemp(join(tmpdir(), 'scim-admin-cli-'));
  const secretsFile = join(dataDir, 'secrets.json');
  await writeFile(
    join(dataDir, 'runtime.json'),
    JSON.stringify({ dynamodbEndpoint: table.endpoint, tableName: table.tableName, secretsFile, baseUrl: BASE_URL, portalBaseUrl: PORTAL_BASE_URL, eventsFile: join(dataDir, 'events.jsonl') }),
  );
  verifier = new TokenVerifier(new FileSecretStore(secretsFile), { cacheTtlMs: 0, secretPrefix: DEFAULT_TOKEN_SECRET_PREFIX });
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('scim-admin --local', () => {
  it('creates a directory for people: Tenant URL, Secret Token and the Entra ID steps', async () => {
    const run = await scimAdmin(['directory', 'create', '--name', 'Hero SaaS', '--provider', 'entra', '--organization', 'org-7']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const tenantUrl = /^Tenant URL: (\S+)$/m.exec(run.stdout)?.[1];
    const token = /^Secret Token: (\S+)$/m.exec(run.stdout)?.[1];
    expect(tenantUrl).toMatch(new RegExp(`^${BASE_URL}/[a-z2-7]{26}$`));
    expect(token).toMatch(/^scimds_[A-Za-z0-9_-]{43}$/);
    for (const step of ['Enterprise applications', 'Provisioning', 'Automatic', 'Admin Credentials', 'Test Connection', 'Save']) {
      expect(run.stdout).toContain(step);
    }
    const directoryId = tenantUrl?.split('/').at(-1) ?? '';
    expect(await verifier.verify(directoryId, token ?? '')).toMatchObject({ ok: true });

    const list = await scimAdmin(['directory', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${directoryId}\\s+Hero SaaS\\s+entra\\s+active\\s+0\\s+0\\s+0\\s+org-7$`, 'm'));
  }, 60_000);

  it('serves scripts with --json, refuses with exit code 1, and deletes with progress', async () => {
    const created = await scimAdmin(['--json', 'directory', 'create', '--name', 'Scripted', '--provider', 'okta']);
    expect(created.code).toBe(0);
    const json = JSON.parse(created.stdout) as { directoryId: string; tenantUrl: string; token: string; tokenId: string; directory: { status: string } };
    expect(json.tenantUrl).toBe(`${BASE_URL}/${json.directoryId}`);
    expect(json.tokenId).toMatch(/^tok_/);
    expect(json.directory.status).toBe('active');
    const id = json.directoryId;

    const rotated = await scimAdmin(['token', 'rotate', '--directory', id, '--grace-days', '2', '--label', 'next', '--json']);
    expect(rotated.code).toBe(0);
    const rotation = JSON.parse(rotated.stdout) as { token: string; tokenId: string; previousTokenId: string; previousTokenExpiresAt: string };
    expect(rotation.previousTokenId).toBe(json.tokenId);
    expect(Date.parse(rotation.previousTokenExpiresAt) - Date.now()).toBeGreaterThan(2 * 86_400_000 - 120_000);
    expect(await verifier.verify(id, rotation.token)).toEqual({ ok: true, tokenId: rotation.tokenId });

    const tooMany = await scimAdmin(['--json', 'token', 'create', '--directory', id]);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stdout).toBe('');
    expect(JSON.parse(tooMany.stderr)).toMatchObject({ error: { code: 'tooManyTokens' } });

    const revoked = await scimAdmin(['token', 'revoke', '--directory', id, json.tokenId]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Token ${json.tokenId} revoked.\n` });
    expect(await verifier.verify(id, json.token)).toEqual({ ok: false, reason: 'invalid' });

    const tokens = await scimAdmin(['token', 'list', '--directory', id, '--json']);
    const listed = JSON.parse(tokens.stdout) as { tokens: { tokenId: string; state: string }[] };
    expect(listed.tokens.map((t) => [t.tokenId, t.state])).toEqual([
      [rotation.tokenId, 'active'],
      [json.tokenId, 'revoked'],
    ]);
    expect(tokens.stdout).not.toContain('scimds_');

    const disabled = await scimAdmin(['directory', 'disable', id]);
    expect(disabled.code).toBe(0);
    expect(await verifier.verify(id, rotation.token)).toEqual({ ok: false, reason: 'disabled' });

    const shown = await scimAdmin(['directory', 'get', id]);
    expect(shown.stdout).toMatch(/^Status: +disabled$/m);
    expect(shown.stdout).toContain(`Tenant URL:    ${BASE_URL}/${id}`);

    const deleted = await scimAdmin(['directory', 'delete', id]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(new RegExp(`^Directory ${id} deleted \\(\\d+ items purged\\)\\.$`, 'm'));
    expect(deleted.stderr).toContain('waiting');

    const gone = await scimAdmin(['directory', 'get', id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`scim-admin: Directory ${id} not found\n`);
  }, 120_000);

  it('makes Admin Portal links and shows provisioning activity', async () => {
    const created = await scimAdmin(['--json', 'directory', 'create', '--name', 'Portal', '--provider', 'onelogin', '--organization', 'org-portal']);
    const id = (JSON.parse(created.stdout) as { directoryId: string }).directoryId;

    const link = await scimAdmin(['portal', 'link', '--organization', 'org-portal', '--directory', id, '--return-url', 'https://app.example.test/sso', '--json']);
    expect(link.code).toBe(0);
    const made = JSON.parse(link.stdout) as { url: string; organizationId: string; directoryId: string; expiresAt: string };
    expect(made.url).toMatch(new RegExp(`^${PORTAL_BASE_URL}/open\\?link=[A-Za-z0-9_-]{43}$`));
    expect(made).toMatchObject({ organizationId: 'org-portal', directoryId: id });

    const human = await scimAdmin(['portal', 'link', '--organization', 'org-portal']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^${PORTAL_BASE_URL}/open\\?link=\\S+$`, 'm'));
    expect(human.stdout).toContain('It opens the portal once');

    const foreign = await scimAdmin(['portal', 'link', '--organization', 'org-other', '--directory', id]);
    expect(foreign).toMatchObject({ code: 1, stderr: `scim-admin: Directory ${id} not found\n` });

    for (let i = 0; i < 3; i++) {
      const at = new Date(Date.UTC(2026, 2, 1, 12, i)).toISOString();
      const failed = i === 1;
      await table.documentClient.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...keys.activity(id, at, `req-${i}`), directoryId: id, at, requestId: `req-${i}`, method: 'POST', resourceType: 'User', resourceName: `user${i}@example.test`, status: failed ? 409 : 201, outcome: failed ? 'failure' : 'success', ...(failed ? { scimType: 'uniqueness', detail: 'userName is already in use in this directory' } : {}), client: 'onelogin' },
        }),
      );
    }
    const failures = await scimAdmin(['activity', '--directory', id, '--failed', '--json']);
    expect(failures.code).toBe(0);
    expect((JSON.parse(failures.stdout) as { items: { requestId: string }[] }).items.map((e) => e.requestId)).toEqual(['req-1']);
    const table2 = await scimAdmin(['activity', '--directory', id, '--since', '2026-03-01T12:01:00Z', '--limit', '1']);
    expect(table2.code).toBe(0);
    expect(table2.stdout).toMatch(/^TIME +METHOD +RESOURCE +STATUS +CLIENT +DETAIL$/m);
    expect(table2.stdout).toContain('2026-03-01T12:02:00.000Z  POST    User user2@example.test  201     onelogin');
    expect(table2.stdout).toMatch(/^More: add --cursor \S+$/m);
  }, 120_000);

  it('redrives parked stream records into the local events file, once, and says what it did', async () => {
    const created = await scimAdmin(['--json', 'directory', 'create', '--name', 'Redrive', '--provider', 'generic', '--organization', 'org-redrive']);
    const id = (JSON.parse(created.stdout) as { directoryId: string }).directoryId;
    const at = '2026-11-30T02:00:00.000Z';
    const item = { ...keys.user(id, 'u-parked'), entity: 'user', directoryId: id, id: 'u-parked', version: 1, created: at, lastModified: at, attributes: { schemas: [USER_SCHEMA], userName: 'parked@example.test' } };
    const record = {
      eventID: 'ev-parked-1',
      eventName: 'INSERT',
      dynamodb: { ApproximateCreationDateTime: 1_795_917_600, SequenceNumber: '700', Keys: marshall(keys.user(id, 'u-parked')), NewImage: marshall(item) },
    } as unknown as DynamoDBRecord;
    await new DynamoDbParkedRecords(table.documentClient, table.tableName).park({ directoryId: id, sequenceNumber: '700', eventID: 'ev-parked-1', reason: 'undeliverable', detail: 'InternalFailure', parkedAt: at, attempts: 3, record });

    const dryRun = await scimAdmin(['events', 'redrive', '--directory', id, '--dry-run', '--json']);
    expect(dryRun.code).toBe(0);
    expect(JSON.parse(dryRun.stdout)).toMatchObject({ dryRun: true, examined: 1, ready: 1, redriven: 0, events: 1, items: [{ directoryId: id, sequenceNumber: '700', outcome: 'ready' }] });

    const run = await scimAdmin(['events', 'redrive', '--directory', id, '--max', '10']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe('Redrove 1 of 1 parked records (1 events published).\n');
    const lines = (await readFile(join(dataDir, 'events.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { 'detail-type': string; detail: Record<string, unknown> });
    expect(lines.filter((line) => line.detail.id === 'ev-parked-1')).toEqual([
      expect.objectContaining({ 'detail-type': 'user.created', detail: expect.objectContaining({ directoryId: id, organizationId: 'org-redrive', version: 1, occurredAt: at }) }),
    ]);

    const again = await scimAdmin(['events', 'redrive']);
    expect(again).toMatchObject({ code: 0, stdout: 'No parked stream records.\n' });
    const unknown = await scimAdmin(['events', 'redrive', '--directory', 'aaaaaaaaaaaaaaaaaaaaaaaaaa']);
    expect(unknown.code).toBe(1);
    const badMax = await scimAdmin(['events', 'redrive', '--max', '0']);
    expect(badMax.code).toBe(2);
  }, 120_000);

  it('says when the local runtime is not running, and exits 2 on bad usage', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'scim-admin-empty-'));
    try {
      const notRunning = await scimAdmin(['directory', 'list'], { dataDir: empty });
      expect(notRunning.code).toBe(3);
      expect(notRunning.stderr).toContain('the local runtime is not running: start it with npm start');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
    const badProvider = await scimAdmin(['directory', 'create', '--name', 'X', '--provider', 'ldap']);
    expect(badProvider.code).toBe(2);
    expect(badProvider.stderr).toContain('entra, okta, onelogin, jumpcloud, generic');
    const badName = await scimAdmin(['directory', 'create', '--name', ' ', '--provider', 'generic']);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('name must not be empty');
  }, 60_000);
});
