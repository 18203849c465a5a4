/**
 * The local event pipeline: DynamoDB Local's real stream, polled by StreamPoller, through the
 * fan-out into the local sink (console line, events.jsonl, webhook on loopback).
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectoryRepository } from '../../functions/adapters/dynamodb/directory-repository.ts';
import { DynamoDbScimRepository } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { USER_SCHEMA } from '../../functions/core/schemas/index.ts';
import { parseEventBridgeEvent } from '../../functions/events/index.ts';
import { startLocalEvents, type LocalEvents } from '../../functions/local/event-sink.ts';
import { StreamPoller } from '../../functions/local/stream-poller.ts';
import { sleep } from '../../functions/shared/sleep.ts';
import { DirectoryService } from '../../functions/service/directory-service.ts';
import { localStreamsClient } from '../fanout/fixtures.ts';
import { createTestTable, type TestTable } from '../support/dynamodb.ts';

const BASE_URL = 'http://127.0.0.1:8080/scim/v2';
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Polls `check` every 50 ms for at most `timeoutMs`. */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 1000 && Date.now() < deadline; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

async function readLines(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
}

/** A webhook on loopback that answers `status()` and records every body. */
async function webhook(status: () => number): Promise<{ url: string; bodies: unknown[]; requests: () => number }> {
  const bodies: unknown[] = [];
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests += 1;
      const code = status();
      if (code < 300) bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(code).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/scim-events`, bodies, requests: () => requests };
}

async function pipeline(table: TestTable, options: { webhookUrl?: string } = {}): Promise<{ events: LocalEvents; lines: string[]; file: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'scim-events-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const lines: string[] = [];
  const events = await startLocalEvents({
    dynamodbEndpoint: table.endpoint,
    client: table.client,
    documentClient: table.documentClient,
    tableName: table.tableName,
    scimBaseUrl: BASE_URL,
    eventsFile: join(dataDir, 'events.jsonl'),
    ...(options.webhookUrl === undefined ? {} : { webhookUrl: options.webhookUrl }),
    log: (line) => lines.push(line),
  });
  cleanups.push(() => events.stop());
  return { events, lines, file: events.eventsFile };
}

describe('local event pipeline', () => {
  it('logs a summary without personal data, appends every event to events.jsonl and POSTs it to the webhook', async () => {
    const table = await createTestTable('poller');
    const hook = await webhook(() => 204);
    const { lines, file, events } = await pipeline(table, { webhookUrl: hook.url });
    await new DirectoryRepository(table.documentClient, table.tableName).create({ directoryId: 'd-local', name: 'Local', provider: 'okta', organizationId: 'org-5', at: new Date().toISOString() });
    const service = new DirectoryService(new DynamoDbScimRepository({ documentClient: table.documentClient, tableName: table.tableName }));
    const ctx = { directoryId: 'd-local', baseUrl: `${BASE_URL}/d-local` };
    const user = await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'lin@secret.example', emails: [{ value: 'lin@secret.example' }] });
    await service.delete(ctx, 'User', user.body.id as string);

    const written = await eventually(async () => {
      const all = await readLines(file);
      return all.length >= 3 ? all : undefined;
    });
    const parsed = written.map((line) => parseEventBridgeEvent(line).detail);
    expect(parsed.map((event) => event.type)).toEqual(['directory.created', 'user.created', 'user.deleted']);
    expect(parsed.every((event) => event.organizationId === 'org-5')).toBe(true);
    expect(hook.bodies).toEqual(written);
    expect(lines.filter((line) => line.startsWith('event '))).toEqual([
      `event directory.created directory=d-local version=1 id=${parsed[0]?.id}`,
      `event user.created directory=d-local user=${user.body.id} version=1 id=${parsed[1]?.id}`,
      `event user.deleted directory=d-local user=${user.body.id} version=1 id=${parsed[2]?.id}`,
    ]);
    expect(lines.join('\n')).not.toContain('secret.example');

    // Stops cleanly: nothing is read after stop().
    await events.stop();
    await service.create(ctx, 'User', { schemas: [USER_SCHEMA], userName: 'late@example.test' });
    await sleep(1200);
    expect(await readLines(file)).toHaveLength(3);
  });

  it('retries an event the webhook refused, and writes it once', async () => {
    const table = await createTestTable('poller');
    let calls = 0;
    const hook = await webhook(() => (++calls <= 2 ? 503 : 200));
    const { file } = await pipeline(table, { webhookUrl: hook.url });
    await new DirectoryRepository(table.documentClient, table.tableName).create({ directoryId: 'd-retry', name: 'Retry', provider: 'generic', at: new Date().toISOString() });

    const written = await eventually(async () => {
      const all = await readLines(file);
      return all.length >= 1 ? all : undefined;
    });
    await sleep(700);
    expect(await readLines(file)).toEqual(written);
    expect(written).toHaveLength(1);
    expect(hook.requests()).toBe(3);
    expect(hook.bodies).toEqual(written);
  });
});

describe('StreamPoller on DynamoDB Local', () => {
  async function writeDirectories(table: TestTable, ids: string[]): Promise<void> {
    const repository = new DirectoryRepository(table.documentClient, table.tableName);
    for (const directoryId of ids) await repository.create({ directoryId, name: directoryId, provider: 'generic', at: new Date().toISOString() });
  }
  const directoryOf = (record: DynamoDBRecord) => record.dynamodb?.NewImage?.directoryId?.S;

  it('starts at LATEST by default: earlier records are not replayed', async () => {
    const table = await createTestTable('poller');
    await writeDirectories(table, ['before']);
    const seen: DynamoDBRecord[] = [];
    const streams = localStreamsClient(table);
    cleanups.push(async () => streams.destroy());
    const poller = new StreamPoller({ dynamodb: table.client, streams, tableName: table.tableName, handle: async (records) => (seen.push(...records), { batchItemFailures: [] }) });
    await poller.open();
    await writeDirectories(table, ['after']);
    await poller.drain();
    expect(seen.map(directoryOf)).toEqual(['after']);
    expect(seen[0]).toMatchObject({ eventName: 'INSERT', eventSource: 'aws:dynamodb', eventSourceARN: poller.streamArn, dynamodb: { ApproximateCreationDateTime: expect.any(Number), SequenceNumber: expect.any(String) } });
  });

  it('re-delivers from the first failed record, in order, and skips a record that keeps failing', async () => {
    const table = await createTestTable('poller');
    const deliveries: string[][] = [];
    const failures = new Map<string, number>([['b', 1], ['d', Number.POSITIVE_INFINITY]]);
    const logged: string[] = [];
    const streams = localStreamsClient(table);
    cleanups.push(async () => streams.destroy());
    const poller = new StreamPoller({
      dynamodb: table.client,
      streams,
      tableName: table.tableName,
      startingPosition: 'TRIM_HORIZON',
      maxRecordAttempts: 3,
      log: (line) => logged.push(line),
      handle: async (records): Promise<DynamoDBBatchResponse> => {
        deliveries.push(records.map((record) => directoryOf(record) ?? '?'));
        const index = records.findIndex((record) => (failures.get(directoryOf(record) ?? '') ?? 0) > 0);
        if (index < 0) return { batchItemFailures: [] };
        const failing = directoryOf(records[index] as DynamoDBRecord) ?? '';
        failures.set(failing, (failures.get(failing) ?? 0) - 1);
        // Stream semantics: the failed record and every later one.
        return { batchItemFailures: records.slice(index).map((record) => ({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' })) };
      },
    });
    await writeDirectories(table, ['a', 'b', 'c', 'd', 'e']);
    await poller.drain({ quietPolls: 4 });

    expect(deliveries).toEqual([
      ['a', 'b', 'c', 'd', 'e'],
      ['b', 'c', 'd', 'e'],
      ['d', 'e'],
      ['d', 'e'],
      ['e'],
    ]);
    expect(logged).toEqual([expect.stringMatching(/^stream record \d+ failed 3 times; skipped$/)]);
  });

  it('stops cleanly while running', async () => {
    const table = await createTestTable('poller');
    const streams = localStreamsClient(table);
    cleanups.push(async () => streams.destroy());
    let polls = 0;
    const poller = new StreamPoller({ dynamodb: table.client, streams, tableName: table.tableName, intervalMs: 20, handle: async () => ({ batchItemFailures: [] }) });
    const original = poller.pollOnce.bind(poller);
    poller.pollOnce = () => {
      polls += 1;
      return original();
    };
    await poller.start();
    await eventually(async () => (polls >= 3 ? true : undefined));
    await poller.stop();
    const after = polls;
    await sleep(200);
    expect(polls).toBe(after);
  });
});
