/**
 * Set-up shared by the connected tests of the directory service: a directory context, and the
 * service on a fresh table, directly or behind the fault proxy.
 */
import { randomUUID } from 'node:crypto';
import { createDocumentClient, createDynamoDbClient } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoDbScimRepository, type DynamoDbScimRepositoryOptions } from '../../functions/adapters/dynamodb/scim-repository.ts';
import { DirectoryService, type DirectoryServiceOptions, type ScimContext } from '../../functions/service/directory-service.ts';
import { createTestTable, type TestTable } from './dynamodb.ts';
import { FaultProxy } from './fault-proxy.ts';

/** A fresh directory's context (nothing is stored for it until a resource is). */
export function newDirectory(): ScimContext {
  const directoryId = `dir-${randomUUID().slice(0, 8)}`;
  return { directoryId, baseUrl: `https://scim.example.test/scim/v2/${directoryId}` };
}

export interface ServiceFixture {
  table: TestTable;
  repository: DynamoDbScimRepository;
  service: DirectoryService;
  /** Set when the service talks to DynamoDB Local through the fault proxy. */
  proxy?: FaultProxy;
}

/** The directory service on a fresh table; with `proxied`, through a fault proxy (close it after). */
export async function serviceFixture(
  prefix: string,
  options: { proxied?: boolean; repository?: Partial<DynamoDbScimRepositoryOptions>; service?: DirectoryServiceOptions } = {},
): Promise<ServiceFixture> {
  const table = await createTestTable(prefix);
  const proxy = options.proxied === true ? await FaultProxy.start(table.endpoint) : undefined;
  const documentClient = proxy === undefined ? table.documentClient : createDocumentClient(createDynamoDbClient({ endpoint: proxy.endpoint, region: 'us-east-1' }));
  const repository = new DynamoDbScimRepository({ ...options.repository, documentClient, tableName: table.tableName });
  return { table, repository, service: new DirectoryService(repository, options.service), ...(proxy === undefined ? {} : { proxy }) };
}
