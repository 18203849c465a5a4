/**
 * The local runtime: DynamoDB Local (or a given endpoint), the table from the shared definition,
 * a file-backed token store, and the SCIM Lambda handlers behind a loopback HTTP server.
 * `npm start` and the end-to-end tests both start it through `startLocalRuntime`.
 */
import { mkdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbActivityLog } from '../adapters/dynamodb/activity-writer.ts';
import { createDocumentClient, createDynamoDbClient, ensureTable } from '../adapters/dynamodb/client.ts';
import { DirectoryRepository } from '../adapters/dynamodb/directory-repository.ts';
import { startLocalDynamoDb, type LocalDynamoDb } from '../adapters/dynamodb/local-dynamodb.ts';
import { DynamoDbScimRepository } from '../adapters/dynamodb/scim-repository.ts';
import { FileSecretStore, type SecretStore } from '../adapters/secrets/secret-store.ts';
import { AdminService } from '../admin/admin-service.ts';
import { recordTokenAndRequest, TokenVerifier } from '../auth/token-verifier.ts';
import { DEFAULT_TOKEN_SECRET_PREFIX, serializeTokenSecret, tokenSecretName } from '../auth/token-secret.ts';
import type { DirectoryStatus } from '../admin/directory-store.ts';
import type { ScimPathResolver } from '../handlers/middleware.ts';
import { createScimHandler, type ScimRoutes } from '../handlers/scim-handler.ts';
import { handleDiscoveryRequest } from '../http/discovery-routes.ts';
import { handleAnyScimRequest } from '../http/fallback-routes.ts';
import { resolveScimPath } from '../http/routes.ts';
import { handleResourceRequest } from '../http/resource-routes.ts';
import { DirectoryService } from '../service/directory-service.ts';
import { DynamoDbActivityReader } from '../adapters/dynamodb/activity-repository.ts';
import { createHostApiHandler } from '../handlers/host-api-handler.ts';
import { HostDirectoryReader } from '../service/host-directory-reader.ts';
import { LocalEventReplayer } from './event-replay.ts';
import type { PortalBranding } from '../portal/pages.ts';
import { createPortalHttp } from '../portal/portal-http.ts';
import { createPortalProxyHandler } from '../portal/portal-lambda.ts';
import { dynamoDbPortal } from '../portal/wiring.ts';
import type { PortalLinks } from '../portal/ports.ts';
import { buildPortalAssets } from '../portal/ui-build.ts';
import { sleep } from '../shared/sleep.ts';
import { startLocalEvents } from './event-sink.ts';
import { startLocalServer, type EndpointHandlers, type LocalServer, type ProxyHandler } from './server.ts';

export const DEFAULT_TABLE_NAME = 'scim-directory-sync';
/** The organization the default directory belongs to, and whose Admin Portal `npm start` links to. */
export const LOCAL_ORGANIZATION_ID = 'local-organization';
/** Bounds the background passes of a directory deletion started from the local portal. */
const MAX_LOCAL_DELETE_PASSES = 1000;
/** Tokens are re-read from the secrets file this often, so a revoke from the CLI bites quickly. */
const LOCAL_TOKEN_CACHE_TTL_MS = 5_000;

export interface LocalRuntimeOptions {
  /** HTTP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Where data, secrets and runtime.json live (default `.data`). */
  dataDir: string;
  /** Keep nothing: DynamoDB Local in memory and secrets in a temporary folder. */
  inMemory: boolean;
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  tableName?: string;
  /** Powertools log level of the handlers (`SILENT` in tests, which also silences event lines). */
  logLevel?: string;
  /** Also POST every change event to this URL. */
  webhookUrl?: string;
  /** How the Admin Portal presents the host app. @default { appName: 'Hero SaaS' } */
  portal?: PortalBranding;
}

/** What `npm start` writes to `<dataDir>/runtime.json` so that `scim-admin --local` can find it. */
export interface RuntimeInfo {
  dynamodbEndpoint: string;
  tableName: string;
  secretsFile: string;
  baseUrl: string;
  /** Where the Admin Portal is served: `scim-admin --local portal link` makes links below it. */
  portalBaseUrl: string;
  /** Where change events are appended: `scim-admin --local events redrive` appends there too. */
  eventsFile: string;
  /** The `--webhook` events are also POSTed to, redriven ones included. */
  webhookUrl?: string;
}

export interface LocalRuntime {
  /** `http://127.0.0.1:<port>/scim/v2` */
  baseUrl: string;
  /** `http://127.0.0.1:<port>/api/v1`: the host Directory API, unsigned on loopback. */
  apiBaseUrl: string;
  directoryId: string;
  tenantUrl: string;
  token: string;
  info: RuntimeInfo;
  admin: AdminService;
  /** The organization of the default directory. */
  organizationId: string;
  /** Makes Admin Portal links (`<origin>/portal/open?link=…`). */
  portalLinks: PortalLinks;
  /** `<dataDir>/events.jsonl` (a temporary folder with --in-memory): every change event, one JSON object a line. */
  eventsFile: string;
  stop(): Promise<void>;
}

/** The default directory's id and a token for it, kept so that every start can print a working token. */
interface LocalDirectoryState {
  directoryId: string;
  token: string;
}

async function readState(path: string): Promise<LocalDirectoryState | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LocalDirectoryState>;
    return typeof parsed.directoryId === 'string' && typeof parsed.token === 'string' ? { directoryId: parsed.directoryId, token: parsed.token } : undefined;
  } catch {
    return undefined;
  }
}

async function writePrivate(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
}

/**
 * Makes sure the default directory exists and that a token for it is known: reuses the saved one
 * while it still verifies, otherwise mints (or rotates to) a fresh one.
 */
async function ensureDefaultDirectory(admin: AdminService, secretStore: SecretStore, statePath: string): Promise<LocalDirectoryState> {
  const saved = await readState(statePath);
  // Checked without a cache, so that the server's verifier has not yet seen the secret this
  // function may change below (a token minted now works on the first request).
  const verifier = new TokenVerifier(secretStore, { secretPrefix: DEFAULT_TOKEN_SECRET_PREFIX, cacheTtlMs: 0 });
  let directoryId: string | undefined;
  if (saved !== undefined) {
    const existing = await admin.getDirectory(saved.directoryId).catch(() => undefined);
    if (existing !== undefined) {
      directoryId = saved.directoryId;
      await restoreLostSecret(secretStore, directoryId, existing.status);
      // Directories of older data folders belong to no organization: give them the local one.
      if (existing.organizationId === undefined) await admin.updateDirectory(directoryId, { organizationId: LOCAL_ORGANIZATION_ID });
      const check = await verifier.verify(saved.directoryId, saved.token);
      if (check.ok) return saved;
    }
  }
  let state: LocalDirectoryState;
  if (directoryId === undefined) {
    const created = await admin.createDirectory({ name: 'Local directory', provider: 'entra', organizationId: LOCAL_ORGANIZATION_ID });
    state = { directoryId: created.directory.id, token: created.token.token };
  } else {
    const tokens = await admin.listTokens(directoryId);
    const live = tokens.filter((token) => token.state === 'active' || token.state === 'expiring');
    const minted = live.length >= 2 ? (await admin.rotateToken(directoryId, { label: 'local runtime' })).token : await admin.createToken(directoryId, { label: 'local runtime' });
    state = { directoryId, token: minted.token };
  }
  await writePrivate(statePath, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/**
 * Gives the local directory an empty token secret again when the secrets file was deleted but the
 * data folder kept: its old tokens are gone for good, and a new one is minted next. The admin
 * service never recreates a directory's secret (in AWS, that could revive a directory deleted
 * meanwhile); here the runtime owns both the file and the directory, and nothing else deletes it.
 */
async function restoreLostSecret(secretStore: SecretStore, directoryId: string, status: DirectoryStatus): Promise<void> {
  const name = tokenSecretName(DEFAULT_TOKEN_SECRET_PREFIX, directoryId);
  if ((await secretStore.read(name)) !== undefined) return;
  await secretStore.create(name, serializeTokenSecret({ directoryId, status, tokens: [] }));
}

/** Starts everything `npm start` runs. */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    let dynamodb: LocalDynamoDb | undefined;
    if (options.dynamodbEndpoint === undefined) {
      if (!options.inMemory) await mkdir(join(dataDir, 'dynamodb'), { recursive: true });
      dynamodb = await startLocalDynamoDb(options.inMemory ? {} : { dbPath: join(dataDir, 'dynamodb') });
      const started = dynamodb;
      cleanups.push(() => started.stop());
    }
    const dynamodbEndpoint = options.dynamodbEndpoint ?? (dynamodb as LocalDynamoDb).endpoint;
    const client = createDynamoDbClient({ endpoint: dynamodbEndpoint });
    await ensureTable(client, tableName);
    const documentClient = createDocumentClient(client);

    let stateDir = dataDir;
    if (options.inMemory) {
      stateDir = await mkdtemp(join(tmpdir(), 'scim-directory-sync-'));
      const temporary = stateDir;
      cleanups.push(() => rm(temporary, { recursive: true, force: true }));
    }
    const secretsFile = join(stateDir, 'secrets.json');
    const secretStore = new FileSecretStore(secretsFile);
    const directories = new DirectoryRepository(documentClient, tableName);
    const activity = new DynamoDbActivityLog({ documentClient, tableName });
    const logger = new Logger({ serviceName: 'scim-directory-sync', logLevel: (options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO') as 'INFO' });
    const verifier = new TokenVerifier(secretStore, {
      secretPrefix: DEFAULT_TOKEN_SECRET_PREFIX,
      cacheTtlMs: LOCAL_TOKEN_CACHE_TTL_MS,
      recordUse: recordTokenAndRequest({ tokens: directories, requests: activity, logger }),
    });
    const service = new DirectoryService(new DynamoDbScimRepository({ documentClient, tableName }));
    const handlerFor = (routes: ScimRoutes, resolvePath?: ScimPathResolver) =>
      createScimHandler(routes, { verifier, logger, activity, ...(resolvePath === undefined ? {} : { resolvePath }) }) as unknown as ProxyHandler;
    // The portal's handler needs the server's address (for its links), so it joins once listening.
    const handlers: EndpointHandlers = {
      Users: handlerFor((request) => handleResourceRequest('User', request, service)),
      Groups: handlerFor((request) => handleResourceRequest('Group', request, service)),
      discovery: handlerFor(handleDiscoveryRequest),
      scimFallback: handlerFor((request) => handleAnyScimRequest(request, service), resolveScimPath),
    };
    const server: LocalServer = await startLocalServer(handlers, { port: options.port });
    cleanups.push(() => server.close());

    // Change events come from the table's stream through the same fan-out as in AWS; started
    // before the default directory is made, so that its creation is announced too.
    const events = await startLocalEvents({
      dynamodbEndpoint,
      client,
      documentClient,
      tableName,
      scimBaseUrl: server.scimBaseUrl,
      // In memory, events go with the rest of what is not kept.
      eventsFile: join(stateDir, 'events.jsonl'),
      ...(options.webhookUrl === undefined ? {} : { webhookUrl: options.webhookUrl }),
      ...(options.logLevel === 'SILENT' ? { log: () => undefined } : {}),
    });
    cleanups.push(() => events.stop());

    const portalBaseUrl = `${server.origin}/portal`;
    let stopped = false;
    cleanups.push(async () => {
      stopped = true;
    });
    const admin = new AdminService({
      directories,
      secretStore,
      secretPrefix: DEFAULT_TOKEN_SECRET_PREFIX,
      baseUrl: server.scimBaseUrl,
      deletionDrainMs: LOCAL_TOKEN_CACHE_TTL_MS,
    });
    const portalServices = dynamoDbPortal({
      documentClient,
      tableName,
      admin,
      portalBaseUrl,
      // What the admin Lambda does in AWS: purge in passes until the directory is gone.
      continueDeletion: async (directoryId) => {
        void (async () => {
          for (let pass = 0; pass < MAX_LOCAL_DELETE_PASSES && !stopped; pass++) {
            const progress = await admin.deleteDirectory(directoryId, { budgetMs: 5_000 });
            if (progress.done) return;
            await sleep(Math.min(progress.retryAfterMs ?? 0, 10_000));
          }
        })().catch((error: unknown) => logger.error('local directory deletion failed', { directoryId, error: String(error) }));
      },
    });
    const activityReader = new DynamoDbActivityReader(documentClient, tableName);
    // The Directory API renders Tenant URLs, known only once the server has its port.
    handlers.directoryApi = createHostApiHandler(
      {
        reader: new HostDirectoryReader({
          resources: new DynamoDbScimRepository({ documentClient, tableName }),
          directories,
          scimBaseUrl: server.scimBaseUrl,
          requestStatus: (directoryId) => activityReader.requestStatus(directoryId),
        }),
        replays: new LocalEventReplayer(join(stateDir, 'events.jsonl')),
        portalLinks: portalServices.links,
      },
      { logger },
    ) as unknown as ProxyHandler;
    handlers.portal = createPortalProxyHandler(
      createPortalHttp({
        links: portalServices.links,
        directories: portalServices.directories,
        assets: await buildPortalAssets(),
        branding: options.portal ?? { appName: 'Hero SaaS' },
        logError: (message, attributes) => logger.error(message, attributes),
      }),
      logger,
    ) as unknown as ProxyHandler;
    const state = await ensureDefaultDirectory(admin, secretStore, join(stateDir, 'local-directory.json'));

    const info: RuntimeInfo = { dynamodbEndpoint, tableName, secretsFile, baseUrl: server.scimBaseUrl, portalBaseUrl, eventsFile: events.eventsFile, ...(options.webhookUrl === undefined ? {} : { webhookUrl: options.webhookUrl }) };
    const runtimeFile = join(dataDir, 'runtime.json');
    await writePrivate(runtimeFile, `${JSON.stringify(info, null, 2)}\n`);
    cleanups.push(() => rm(runtimeFile, { force: true }));
    return {
      baseUrl: server.scimBaseUrl,
      apiBaseUrl: `${server.origin}/api/v1`,
      directoryId: state.directoryId,
      tenantUrl: admin.tenantUrl(state.directoryId),
      token: state.token,
      info,
      admin,
      organizationId: LOCAL_ORGANIZATION_ID,
      portalLinks: portalServices.links,
      eventsFile: events.eventsFile,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
