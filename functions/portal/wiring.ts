/**
 * Builds the portal's services on DynamoDB, for the edges that serve the portal (its Lambda
 * handler and the local runtime), so both wire the same pieces the same way.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbActivityReader } from '../adapters/dynamodb/activity-repository.ts';
import { DirectoryRepository } from '../adapters/dynamodb/directory-repository.ts';
import { PortalRepository } from '../adapters/dynamodb/portal-repository.ts';
import { DynamoDbPortalLookups } from '../adapters/dynamodb/portal-lookups.ts';
import { DynamoDbScimRepository } from '../adapters/dynamodb/scim-repository.ts';
import type { AdminService } from '../admin/admin-service.ts';
import { DirectoryService } from '../service/directory-service.ts';
import { PortalDirectoryService } from './portal-directories.ts';
import { PortalLinkService } from './portal-links.ts';
import type { PortalDirectories, PortalLinks } from './ports.ts';

export interface DynamoDbPortalOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** The admin service of this deployment (directories and tokens). */
  admin: AdminService;
  /** Where the portal is served, e.g. `https://<api>/v1/portal` or `http://127.0.0.1:8080/portal`. */
  portalBaseUrl: string;
  /** Carries a started directory deletion on (in AWS: invoke the admin function with `directory.delete`, `background: true`). */
  continueDeletion: (directoryId: string) => Promise<void>;
}

/**
 * The portal's `PortalLinks` and `PortalDirectories` over one table.
 *
 * @example
 * const { links, directories } = dynamoDbPortal({ documentClient, tableName, admin, portalBaseUrl, continueDeletion });
 */
export function dynamoDbPortal(options: DynamoDbPortalOptions): { links: PortalLinks; directories: PortalDirectories } {
  const { documentClient, tableName } = options;
  const scimRepository = new DynamoDbScimRepository({ documentClient, tableName });
  const links = new PortalLinkService({
    store: new PortalRepository(documentClient, tableName),
    directories: new DirectoryRepository(documentClient, tableName),
    portalBaseUrl: options.portalBaseUrl,
  });
  const directories = new PortalDirectoryService({
    admin: options.admin,
    directories: new DirectoryService(scimRepository),
    members: scimRepository,
    lookups: new DynamoDbPortalLookups(documentClient, tableName),
    activity: new DynamoDbActivityReader(documentClient, tableName),
    continueDeletion: options.continueDeletion,
  });
  return { links, directories };
}
