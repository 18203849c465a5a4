/**
 * Deletes under way in the single table: a user or group whose delete takes more than one
 * transaction (it has memberships to end first) names the delete on its own item (`deletion`)
 * before any of it is applied, and carries the gsi1 keys of an open journal meanwhile, so that the
 * sweeper finds one that nobody completes. The final transaction deletes the item, and with it
 * the index entry. Part of the SCIM repository, which delegates `openDeletion` here.
 *
 * Setting the marker changes no attribute and no stamp, so the stream fan-out publishes nothing
 * for it; the memberships ended and the final delete publish their events as any others do.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MissingReferenceError, VersionConflictError, type Deletion, type ResourceType, type StoredResource } from '../../service/repository.ts';
import { JOURNALS_INDEX_PK, keys } from './keys.ts';
import { JOURNAL_MARKER } from './member-journals.ts';
import { DELETION_MARKER, resourceKey, stampAttribute } from './scim-items.ts';
import { TABLE_DEFINITION } from './table-definition.ts';

/** Deletes under way, for the SCIM repository. */
export class DynamoDbDeletions {
  private readonly db: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { documentClient: DynamoDBDocumentClient; tableName: string }) {
    this.db = options.documentClient;
    this.tableName = options.tableName;
  }

  async openDeletion(directoryId: string, type: ResourceType, resource: StoredResource, deletion: Deletion): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: resourceKey(directoryId, type, resource.id),
          // The version moves, so that no write based on an earlier read applies; the sparse
          // index entry lets the sweeper find a delete that nobody completes.
          UpdateExpression: 'SET #deletion = :deletion, #gsi1pk = :indexPk, #gsi1sk = :indexSk ADD #version :one',
          ConditionExpression: `#version = :expected AND attribute_not_exists(#deletion)${type === 'Group' ? ' AND attribute_not_exists(#journal)' : ''}`,
          ExpressionAttributeNames: {
            '#deletion': DELETION_MARKER,
            '#version': 'version',
            '#gsi1pk': TABLE_DEFINITION.directoryIndex.partitionKey,
            '#gsi1sk': TABLE_DEFINITION.directoryIndex.sortKey,
            ...(type === 'Group' ? { '#journal': JOURNAL_MARKER } : {}),
          },
          ExpressionAttributeValues: {
            ':deletion': { id: deletion.id, opened: deletion.opened, ...(deletion.stamp === undefined ? {} : { stamp: stampAttribute(deletion.stamp) }) },
            ':indexPk': JOURNALS_INDEX_PK,
            ':indexSk': keys.journalIndex(directoryId, resource.id, deletion.opened).gsi1sk,
            ':expected': resource.version,
            ':one': 1,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Tell a resource gone from one that changed: only on this failure path.
      const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: resourceKey(directoryId, type, resource.id), ProjectionExpression: 'pk', ConsistentRead: true }));
      throw Item === undefined ? new MissingReferenceError([resource.id], { cause: error }) : new VersionConflictError({ cause: error });
    }
  }
}
