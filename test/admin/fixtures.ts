/**
 * Shared set-up of the admin tests: a fresh table in DynamoDB Local, a secrets file in a temp
 * directory, a movable clock, and a service and verifier wired to them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { ENTITY } from '../../functions/adapters/dynamodb/table-definition.ts';
import { FileSecretStore } from '../../functions/adapters/secrets/secret-store.ts';
import { AdminService } from '../../functions/admin/admin-service.ts';
import { TokenVerifier } from '../../functions/auth/token-verifier.ts';
import { DynamoDbActivityReader } from '../../functions/adapters/dynamodb/activity-repository.ts';
import { DirectoryRepository } from '../../functions/adapters/dynamodb/directory-repository.ts';
import { PortalRepository } from '../../functions/adapters/dynamodb/portal-repository.ts';
import { PortalLinkService } from '../../functions/portal/portal-links.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';

export const BASE_URL = 'https://scim.example.test/scim/v2';
export const SECRET_PREFIX = 'test/tokens/';
export const PORTAL_BASE_URL = 'https://portal.example.test/v1/portal';

export interface AdminFixture {
  table: TestTable;
  dataDir: string;
  secretsFile: string;
  store: FileSecretStore;
  /** Real time plus an offset the test can move forward. */
  clock: { offsetMs: number; now: () => number };
  service: AdminService;
  activity: DynamoDbActivityReader;
  portalLinks: PortalLinkService;
  verifier: TokenVerifier;
  cleanup: () => Promise<void>;
}

export async function adminFixture(options: { deletionDrainMs?: number } = {}): Promise<AdminFixture> {
  const table = await createTestTable('admin');
  const dataDir = await mkdtemp(join(tmpdir(), 'scim-admin-'));
  const secretsFile = join(dataDir, 'secrets.json');
  const store = new FileSecretStore(secretsFile);
  const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
  const repository = new DirectoryRepository(table.documentClient, table.tableName);
  const service = new AdminService({
    directories: repository,
    secretStore: store,
    secretPrefix: SECRET_PREFIX,
    baseUrl: `${BASE_URL}/`,
    now: () => clock.now(),
    ...(options.deletionDrainMs === undefined ? {} : { deletionDrainMs: options.deletionDrainMs }),
  });
  // No caching here, so each assertion sees the secret as it is now.
  const verifier = new TokenVerifier(store, {
    secretPrefix: SECRET_PREFIX,
    cacheTtlMs: 0,
    unknownTtlMs: 0,
    now: () => clock.now(),
    recordUse: (directoryId, tokenId, at) => repository.recordTokenUse(directoryId, tokenId, at),
  });
  const activity = new DynamoDbActivityReader(table.documentClient, table.tableName);
  const portalLinks = new PortalLinkService({ store: new PortalRepository(table.documentClient, table.tableName), directories: repository, portalBaseUrl: PORTAL_BASE_URL, now: () => clock.now() });
  return { table, dataDir, secretsFile, store, clock, service, activity, portalLinks, verifier, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

/**
 * Writes users with their uniqueness claims, groups with their name claims, and memberships straight into a directory's
 * partition, as the SCIM repository would lay them out, plus its counters. Answers the item count.
 */
export async function seedDirectory(db: DynamoDBDocumentClient, tableName: string, directoryId: string, users: number, groups: number): Promise<number> {
  const at = new Date().toISOString();
  const items: Record<string, unknown>[] = [];
  for (let g = 0; g < groups; g++) {
    const groupId = `g${g}`;
    items.push({ ...keys.group(directoryId, groupId), entity: ENTITY.group, directoryId, id: groupId, version: 1, created: at, lastModified: at, attributes: { displayName: `Group ${g}` } });
    items.push({ ...keys.groupNameClaim(directoryId, `Group ${g}`), resourceId: groupId });
  }
  for (let u = 0; u < users; u++) {
    const userId = `u${u}`;
    items.push({ ...keys.user(directoryId, userId), entity: ENTITY.user, directoryId, id: userId, version: 1, created: at, lastModified: at, attributes: { userName: `user${u}@example.test` } });
    items.push({ ...keys.userNameClaim(directoryId, `user${u}@example.test`), resourceId: userId });
    items.push({ ...keys.externalIdClaim(directoryId, `ext-${u}`), resourceId: userId });
    if (groups > 0) {
      const groupId = `g${u % groups}`;
      items.push({ ...keys.membership(directoryId, groupId, userId), entity: ENTITY.membership, directoryId, groupId, memberId: userId, memberType: 'User', created: at });
    }
  }
  items.push({ ...keys.counters(directoryId), users, activeUsers: users, groups });
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(
      batches.slice(i, i + 8).map(async (batch) => {
        let requests = batch.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length > 0 && attempt < 10; attempt++) {
          const output = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
          requests = (output.UnprocessedItems?.[tableName] ?? []).flatMap((r) => (r.PutRequest?.Item === undefined ? [] : [{ PutRequest: { Item: r.PutRequest.Item } }]));
        }
        if (requests.length > 0) throw new Error('seeding left items unprocessed');
      }),
    );
  }
  return items.length;
}
