/**
 * What a verified request leaves behind, on DynamoDB Local: the token's last use and the
 * directory's last-request time, written at most once a minute per warm verifier.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbActivityLog } from '../../functions/adapters/dynamodb/activity-writer.ts';
import { DirectoryRepository } from '../../functions/adapters/dynamodb/directory-repository.ts';
import { keys } from '../../functions/adapters/dynamodb/keys.ts';
import { generateToken, hashToken } from '../../functions/auth/token-format.ts';
import { DEFAULT_TOKEN_SECRET_PREFIX, tokenSecretName, type TokenSecret } from '../../functions/auth/token-secret.ts';
import { recordTokenAndRequest, RECORD_USE_INTERVAL_MS, TokenVerifier } from '../../functions/auth/token-verifier.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';

const DIR = 'k3directoryid0000000000001';
const T0 = Date.parse('2026-03-01T00:00:00Z');
const token = generateToken();
const secret: TokenSecret = {
  directoryId: DIR,
  status: 'active',
  tokens: [{ id: 'tok_live', label: 'a', hash: hashToken(token), createdAt: '2026-01-01T00:00:00Z' }],
};

let table: TestTable;

beforeAll(async () => {
  table = await createTestTable('token-use');
});

async function item(key: { pk: string; sk: string }) {
  const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
  return Item;
}

describe('recording verified requests', () => {
  it('moves the directory last-request time at most once a minute, with the token last use', async () => {
    expect(RECORD_USE_INTERVAL_MS).toBe(60_000);
    const clock = { now: T0 };
    const secrets = { get: async (name: string) => (name === tokenSecretName(DEFAULT_TOKEN_SECRET_PREFIX, DIR) ? JSON.stringify(secret) : undefined) };
    const verifier = new TokenVerifier(secrets, {
      now: () => clock.now,
      recordUse: recordTokenAndRequest({
        tokens: new DirectoryRepository(table.documentClient, table.tableName),
        requests: new DynamoDbActivityLog({ documentClient: table.documentClient, tableName: table.tableName }),
      }),
    });
    const lastRequestAt = async () => (await item(keys.requestStatus(DIR)))?.lastRequestAt;

    expect(await verifier.verify(DIR, token)).toEqual({ ok: true, tokenId: 'tok_live' });
    expect(await lastRequestAt()).toBe(new Date(T0).toISOString());
    expect((await item(keys.tokenUse(DIR, 'tok_live')))?.lastUsedAt).toBe(new Date(T0).toISOString());

    clock.now = T0 + 59_999;
    await verifier.verify(DIR, token);
    expect(await lastRequestAt()).toBe(new Date(T0).toISOString());

    clock.now = T0 + 60_000;
    await verifier.verify(DIR, token);
    expect(await lastRequestAt()).toBe(new Date(T0 + 60_000).toISOString());
  });

  it('writes nothing for a wrong token or a made-up directory', async () => {
    const other = 'k3directoryid0000000000002';
    const verifier = new TokenVerifier({ get: async () => undefined }, {
      recordUse: recordTokenAndRequest({
        tokens: new DirectoryRepository(table.documentClient, table.tableName),
        requests: new DynamoDbActivityLog({ documentClient: table.documentClient, tableName: table.tableName }),
      }),
    });
    expect(await verifier.verify(other, generateToken())).toEqual({ ok: false, reason: 'invalid' });
    expect(await item(keys.requestStatus(other))).toBeUndefined();
  });
});
