import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretsManagerClient, SECRETS_MANAGER_LIMITS } from '../../../functions/adapters/secrets/client.ts';

/** A loopback endpoint that takes requests and never answers them. */
let server: Server;
const held: IncomingMessage[] = [];
let endpoint: string;

beforeAll(async () => {
  server = createServer((request) => {
    held.push(request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('createSecretsManagerClient', () => {
  it('gives up on a silent endpoint after its attempts instead of waiting on it', async () => {
    const client = createSecretsManagerClient({ endpoint, region: 'us-east-1' });
    const error = await client.send(new GetSecretValueCommand({ SecretId: 'test/tokens/abc' })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(held).toHaveLength(SECRETS_MANAGER_LIMITS.maxAttempts);
    client.destroy();
  }, 30_000);
});
