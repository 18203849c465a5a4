/**
 * Wires the portal's services to their DynamoDB and secret-store adapters, once for the Lambda
 * handler and once for the local runtime, so both run the same composition.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbActivityReader } from '../adapters/dynamodb/activity-repository.ts';
import { DirectoryRepository } from '../adapters/dynamodb/directory-repository.ts';
import { DynamoDbPortalLookups } from '../adapters/dynamodb/portal-lookups.ts';
import { PortalRepository } from '../adapters/dynamodb/portal-repository.ts';
import { DynamoDbScimRepository } from '../adapters/dynamodb/scim-repository.ts';
import type { SecretStore } from '../adapters/secrets/secret-store.ts';
import { AdminService } from '../admin/admin-service.ts';
import { DirectoryService } from '../service/directory-service.ts';
import { PortalDirectoryService } from './portal-directories.ts';
import { PortalLinkService } from './portal-links.ts';
import type { PortalDirectories, PortalLinks } from './ports.ts';

export interface PortalServiceOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  secretStore: SecretStore;
  secretPrefix: string;
  /** Tenant URL base (`…/scim/v2`). */
  scimBaseUrl: string;
  /** Where the portal is served (`…/portal`): links open below it. */
  portalBaseUrl: string;
  /** Carries a started directory deletion on in the background. */
  continueDeletion: (directoryId: string) => Promise<void>;
  /** See `AdminServiceOptions.deletionDrainMs`. */
  deletionDrainMs?: number;
}

export interface PortalServices {
  links: PortalLinks;
  directories: PortalDirectories;
  admin: AdminService;
}

/** The portal's links, sessions and organization-scoped use cases over one table. */
export function createPortalServices(options: PortalServiceOptions): PortalServices {
  const { documentClient, tableName } = options;
  const directoryStore = new DirectoryRepository(documentClient, tableName);
  const scimRepository = new DynamoDbScimRepository({ documentClient, tableName });
  const admin = new AdminService({
    directories: directoryStore,
    secretStore: options.secretStore,
    secretPrefix: options.secretPrefix,
    baseUrl: options.scimBaseUrl,
    ...(options.deletionDrainMs === undefined ? {} : { deletionDrainMs: options.deletionDrainMs }),
  });
  const links = new PortalLinkService({ store: new PortalRepository(documentClient, tableName), directories: directoryStore, portalBaseUrl: options.portalBaseUrl });
  const directories = new PortalDirectoryService({
    admin,
    directories: new DirectoryService(scimRepository),
    members: scimRepository,
    lookups: new DynamoDbPortalLookups(documentClient, tableName),
    activity: new DynamoDbActivityReader(documentClient, tableName),
    continueDeletion: options.continueDeletion,
  });
  return { links, directories, admin };
}
