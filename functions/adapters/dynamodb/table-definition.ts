/**
 * The one DynamoDB table, described once. The CDK stack and the local runtime (CreateTable on
 * DynamoDB Local) both build the table from this description, so they cannot drift apart.
 *
 * Keys are strings built only in `keys.ts`.
 */
export const TABLE_DEFINITION = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Sparse index listing every directory (only DIRECTORY items carry its keys). */
  directoryIndex: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds after which DynamoDB may delete the item (paging markers, activity entries, portal links and sessions). */
  timeToLiveAttribute: 'expiresAt',
  /** Attribute naming the kind of a resource item; the stream filter keys on it. */
  entityAttribute: 'entity',
  streamView: 'NEW_AND_OLD_IMAGES',
} as const;

/** Values of the entity attribute. Items without one (claims, counters, reverse memberships, markers) raise no events. */
export const ENTITY = {
  user: 'user',
  group: 'group',
  membership: 'membership',
  directory: 'directory',
} as const;

export type Entity = (typeof ENTITY)[keyof typeof ENTITY];

/** Input for DynamoDB CreateTable (local runtime and tests). */
export function createTableInput(tableName: string) {
  const t = TABLE_DEFINITION;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: t.partitionKey, AttributeType: 'S' as const },
      { AttributeName: t.sortKey, AttributeType: 'S' as const },
      { AttributeName: t.directoryIndex.partitionKey, AttributeType: 'S' as const },
      { AttributeName: t.directoryIndex.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: t.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: t.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: t.directoryIndex.name,
        KeySchema: [
          { AttributeName: t.directoryIndex.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: t.directoryIndex.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: t.streamView },
  };
}
