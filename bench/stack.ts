/**
 * The stack the benchmark drives: DynamoDB Local in memory, the table from the shared definition,
 * and the SCIM Lambda handlers behind the local HTTP server, wired the way `startLocalRuntime`
 * wires them. It is assembled here rather than through `startLocalRuntime` because the meter
 * needs the DynamoDB client the service uses, which the runtime keeps to itself.
 *
 * The service gets a client of its own, metered; token last-use writes, the admin calls that
 * create directories, bulk seeding and the meter's item-size reads use a second, unmetered client, so a measurement holds
 * the SCIM operation's own DynamoDB traffic and nothing else.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { DynamoDbActivityLog } from '../functions/adapters/dynamodb/activity-writer.ts';
import { createDocumentClient, createDynamoDbClient, ensureTable } from '../functions/adapters/dynamodb/client.ts';
import { DirectoryRepository } from '../functions/adapters/dynamodb/directory-repository.ts';
import { startLocalDynamoDb, type LocalDynamoDb } from '../functions/adapters/dynamodb/local-dynamodb.ts';
import { DynamoDbScimRepository } from '../functions/adapters/dynamodb/scim-repository.ts';
import { FileSecretStore } from '../functions/adapters/secrets/secret-store.ts';
import { AdminService } from '../functions/admin/admin-service.ts';
import { DEFAULT_TOKEN_SECRET_PREFIX } from '../functions/auth/token-secret.ts';
import { recordTokenAndRequest, TokenVerifier } from '../functions/auth/token-verifier.ts';
import { createScimHandler, type ScimRoutes } from '../functions/handlers/scim-handler.ts';
import { handleDiscoveryRequest } from '../functions/http/discovery-routes.ts';
import { handleResourceRequest } from '../functions/http/resource-routes.ts';
import { createHostApiHandler } from '../functions/handlers/host-api-handler.ts';
import { startLocalServer, type EndpointHandlers, type ProxyHandler } from '../functions/local/server.ts';
import { HostDirectoryReader } from '../functions/service/host-directory-reader.ts';
import { DirectoryService, type ScimContext } from '../functions/service/directory-service.ts';
import { CapacityMeter } from './capacity-meter.ts';

const TABLE_NAME = 'scim-directory-sync-bench';
/** Same token cache as the local runtime: the bench never revokes tokens, so any TTL works. */
const TOKEN_CACHE_TTL_MS = 5_000;

/** A directory the bench created, with what a SCIM client needs to reach it. */
export interface BenchDirectory {
  directoryId: string;
  tenantUrl: string;
  token: string;
  /** For seeding through the service in-process (no HTTP, not part of any measurement). */
  ctx: ScimContext;
}

export interface BenchStack {
  /** `http://127.0.0.1:<port>/scim/v2` */
  baseUrl: string;
  /** `http://127.0.0.1:<port>/api/v1`: the host Directory API (unsigned on loopback). */
  apiBaseUrl: string;
  /** DynamoDB Local's loopback endpoint. */
  dynamodbEndpoint: string;
  /** The same service the handlers use (its DynamoDB client is metered). */
  service: DirectoryService;
  meter: CapacityMeter;
  tableName: string;
  /** An unmetered document client on the same table, for bulk seeding. */
  seedDocuments: DynamoDBDocumentClient;
  createDirectory(name: string): Promise<BenchDirectory>;
  /** Token secret reads the SCIM handlers made so far (Secrets Manager GetSecretValue calls, in AWS). */
  secretReads(): number;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  /**
   * Maximum JVM heap of DynamoDB Local in MiB (default: the JVM's own, a quarter of the memory).
   * DynamoDB Local keeps an in-memory table in its heap, so a 100,000-user directory needs a set one.
   */
  dynamoDbHeapMb?: number;
}

/**
 * What kind of SCIM request an event is, e.g. `GET /Users?filter` or `PATCH /Groups/{id}`: the
 * label its DynamoDB requests carry in the meter.
 */
export function scimRequestKind(event: Pick<APIGatewayProxyEvent, 'httpMethod' | 'resource' | 'queryStringParameters'>): string {
  const route = event.resource.replace(/^.*\{directoryId\}/, '');
  return `${event.httpMethod.toUpperCase()} ${route}${event.queryStringParameters?.filter === undefined ? '' : '?filter'}`;
}

/** Starts DynamoDB Local, with the JVM heap `heapMb` when set (through JAVA_TOOL_OPTIONS, which the child inherits). */
async function startDynamoDb(heapMb: number | undefined): Promise<LocalDynamoDb> {
  if (heapMb === undefined) return startLocalDynamoDb();
  const previous = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = `${previous ?? ''} -Xmx${heapMb}m`.trim();
  try {
    return await startLocalDynamoDb();
  } finally {
    if (previous === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = previous;
  }
}

/** Starts DynamoDB Local in memory and the SCIM handlers on a free loopback port. */
export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const dynamodb = await startDynamoDb(options.dynamoDbHeapMb);
    cleanups.push(() => dynamodb.stop());
    if (new URL(dynamodb.endpoint).hostname !== '127.0.0.1') throw new Error(`DynamoDB Local is not on loopback: ${dynamodb.endpoint}`);

    const serviceClient = createDynamoDbClient({ endpoint: dynamodb.endpoint, region: 'us-east-1' });
    const supportClient = createDynamoDbClient({ endpoint: dynamodb.endpoint, region: 'us-east-1' });
    const meter = new CapacityMeter(serviceClient, supportClient);
    cleanups.push(async () => {
      serviceClient.destroy();
      supportClient.destroy();
    });
    await ensureTable(supportClient, TABLE_NAME);
    const supportDocuments = createDocumentClient(supportClient);

    const stateDir = await mkdtemp(join(tmpdir(), 'scim-bench-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const secretStore = new FileSecretStore(join(stateDir, 'secrets.json'));
    const directories = new DirectoryRepository(supportDocuments, TABLE_NAME);
    const activity = new DynamoDbActivityLog({ documentClient: supportDocuments, tableName: TABLE_NAME });
    let secretReads = 0;
    const countedSecrets = {
      get: (name: string) => {
        secretReads += 1;
        return secretStore.get(name);
      },
    };
    const verifier = new TokenVerifier(countedSecrets, {
      secretPrefix: DEFAULT_TOKEN_SECRET_PREFIX,
      cacheTtlMs: TOKEN_CACHE_TTL_MS,
      // Through the support client, like token use: the bench counts what the SCIM operations cost.
      recordUse: recordTokenAndRequest({ tokens: directories, requests: activity }),
    });
    const logger = new Logger({ serviceName: 'scim-directory-sync', logLevel: 'SILENT' });
    const service = new DirectoryService(new DynamoDbScimRepository({ documentClient: createDocumentClient(serviceClient), tableName: TABLE_NAME }));
    const handlerFor = (routes: ScimRoutes): ProxyHandler => {
      const handler = createScimHandler(routes, { verifier, logger, activity }) as unknown as ProxyHandler;
      return (event, context) => meter.within(scimRequestKind(event), () => handler(event, context));
    };
    const handlers: EndpointHandlers = {
      Users: handlerFor((request) => handleResourceRequest('User', request, service)),
      Groups: handlerFor((request) => handleResourceRequest('Group', request, service)),
      discovery: handlerFor(handleDiscoveryRequest),
    };
    const server = await startLocalServer(handlers, { port: 0 });
    cleanups.push(() => server.close());
    // The Directory API reads through the metered client too, its directory record included.
    const meteredDocuments = createDocumentClient(serviceClient);
    handlers.directoryApi = createHostApiHandler(
      {
        reader: new HostDirectoryReader({
          resources: new DynamoDbScimRepository({ documentClient: meteredDocuments, tableName: TABLE_NAME }),
          directories: new DirectoryRepository(meteredDocuments, TABLE_NAME),
          scimBaseUrl: server.scimBaseUrl,
        }),
      },
      { logger },
    ) as unknown as ProxyHandler;

    const admin = new AdminService({
      directories,
      secretStore,
      secretPrefix: DEFAULT_TOKEN_SECRET_PREFIX,
      baseUrl: server.scimBaseUrl,
    });
    return {
      baseUrl: server.scimBaseUrl,
      apiBaseUrl: `${server.origin}/api/v1`,
      dynamodbEndpoint: dynamodb.endpoint,
      service,
      meter,
      tableName: TABLE_NAME,
      seedDocuments: supportDocuments,
      createDirectory: async (name) => {
        const created = await admin.createDirectory({ name, provider: 'entra' });
        const directoryId = created.directory.id;
        return {
          directoryId,
          tenantUrl: created.tenantUrl,
          token: created.token.token,
          ctx: { directoryId, baseUrl: created.tenantUrl },
        };
      },
      secretReads: () => secretReads,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
